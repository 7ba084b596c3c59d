"""Join links from conference properties and from the text of an invitation."""

from __future__ import annotations

import pytest

from agent.detectors.calendar_links import join_url

TEAMS = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=x"


@pytest.mark.parametrize(
    "link",
    [
        "https://us02web.zoom.us/j/81234567890?pwd=abc",
        "https://zoomgov.com/j/1612345678",
        TEAMS,
        "https://teams.microsoft.com/meet/2951234567?p=abcdef",
        "https://teams.live.com/meet/9312345678",
        "https://meet.google.com/abc-defg-hij",
        "https://acme.webex.com/acme/j.php?MTID=m123",
        "https://acme.webex.com/meet/alice",
        "https://global.gotomeeting.com/join/123456789",
        "https://meet.goto.com/123456789",
        "https://app.goto.com/meeting/123456789",
        "https://meet.jit.si/WeeklySync",
    ],
)
def test_each_service_join_link_is_found_in_a_description(link: str) -> None:
    description = f"Agenda: https://intranet.example.com/notes\\nJoin: {link}\\nThanks"
    assert join_url("", "", description) == link


def test_conference_property_is_the_meetings_own_link() -> None:
    description = "Last week's recording: https://zoom.us/j/111 Join: https://zoom.us/j/222"
    assert join_url("", "", description, [TEAMS]) == TEAMS


def test_lync_conf_sip_link_is_not_a_web_link() -> None:
    assert join_url("", "", "", ["conf:sip:alice@example.com;gruu;opaque=app:conf"]) is None
    assert join_url("", "", "", ["conf:sip:a@b.c", TEAMS]) == TEAMS


def test_invitation_help_and_options_links_do_not_win() -> None:
    description = (
        "Need help? https://aka.ms/JoinTeamsMeeting "
        "Meeting options https://teams.microsoft.com/meetingOptions/?organizerId=1 "
        f"Join the meeting now <{TEAMS}>"
    )
    assert join_url("", "Microsoft Teams Meeting", description) == TEAMS


def test_order_url_location_description_then_html() -> None:
    zoom, meet = "https://zoom.us/j/1", "https://meet.google.com/aaa-bbbb-ccc"
    assert join_url(zoom, meet, "") == zoom
    assert join_url("", meet, zoom) == meet
    html = f'<p><a href="{meet}?authuser=0&amp;hs=1">Join</a></p>'
    assert join_url("", "", "", (), html) == f"{meet}?authuser=0&hs=1"


def test_safelinks_are_unwrapped() -> None:
    wrapped = (
        "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fzoom.us%2Fj%2F123"
        "&data=05"
    )
    assert join_url("", "", f"Join: {wrapped}") == "https://zoom.us/j/123"


def test_falls_back_to_the_events_own_url() -> None:
    assert join_url("", "Room 4", "no link") is None
    assert join_url("https://intranet.example.com/x", "", "") == "https://intranet.example.com/x"

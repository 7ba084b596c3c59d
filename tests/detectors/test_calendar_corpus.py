"""Meeting detection against real calendar files (tests/detectors/calendar_corpus/).

Every expected answer was worked out by reading the file (its README says where each
comes from); none was copied from the agent's output.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agent.detectors.calendar_parse import ParsedCalendar, parse_calendar
from agent.detectors.calendar_zones import zone_for_tzid

CORPUS = Path(__file__).parent / "calendar_corpus"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parse(name: str, start: datetime, end: datetime, **kwargs: Any) -> ParsedCalendar:
    path = CORPUS / name
    return parse_calendar(path.read_bytes(), source=name, start=start, end=end, **kwargs)


def spans(parsed: ParsedCalendar) -> list[tuple[str, datetime, datetime]]:
    return [(m.title, m.start, m.end) for m in parsed.meetings]


def test_google_meet_link_only_in_x_google_conference() -> None:
    parsed = parse("google-meet-conference.ics", utc(2024, 2, 5, 7), utc(2024, 2, 5, 12))
    by_uid = {m.uid: m for m in parsed.meetings}
    meeting = by_uid["0u28723ja3g9j50j4v7eoj83cj@google.com"]
    assert (meeting.start, meeting.end) == (utc(2024, 2, 5, 8), utc(2024, 2, 5, 9))
    assert meeting.join_url == "https://meet.google.com/xxx"  # DESCRIPTION is just "XXX"


def test_teams_invite_link_tentative_is_busy_and_exchange_zone() -> None:
    # 00:00 to 00:00 in GTB Standard Time, daylight time (+03:00) since 28 March 2021.
    parsed = parse("outlook-teams-invite.ics", utc(2021, 4, 2), utc(2021, 4, 4))
    (meeting,) = parsed.meetings
    assert (meeting.title, meeting.start, meeting.end) == (
        "Test meeting",
        utc(2021, 4, 2, 21),
        utc(2021, 4, 3, 21),
    )
    assert meeting.join_url == (
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_YmM1MjRmMTktYjA2N<stripped>cd8%22%7d"
    )
    assert meeting.location == "Microsoft Teams Meeting"


def test_zoom_link_in_an_html_description_of_a_weekly_series() -> None:
    # Mondays 11:30-13:00 Europe/Lisbon; 26 Oct 2020 is the first Monday of winter time.
    parsed = parse("zoom-in-html-description.ics", utc(2020, 10, 26), utc(2020, 10, 27))
    (meeting,) = parsed.meetings
    assert (meeting.start, meeting.end) == (utc(2020, 10, 26, 11, 30), utc(2020, 10, 26, 13))
    assert meeting.join_url == (
        "https://videoconf-colibri.zoom.us/j/93800310242?pwd=K3FBUVJUV2hrTm1OR2RWb0ZabTJkZz09"
    )


def test_own_vtimezone_wins_over_the_windows_zone_name() -> None:
    # The file defines "New Zealand Standard Time" as +01:00 in November 2019 (a CET
    # copy): the file's definition wins over Pacific/Auckland (+13:00).
    parsed = parse("windows-zone-id-own-vtimezone.ics", utc(2019, 11, 19), utc(2019, 11, 22))
    assert spans(parsed) == [
        ("Event with Windows TZ name", utc(2019, 11, 20, 12), utc(2019, 11, 20, 13, 30))
    ]


@pytest.mark.parametrize(
    "name",
    ["exchange-display-name-brasilia.ics", "derived-display-name-brasilia-no-vtimezone.ics"],
)
def test_outlook_display_name_with_and_without_vtimezone(name: str) -> None:
    # 13:30-14:00 at UTC-03:00 (no daylight time in May); the event has no UID or SUMMARY.
    parsed = parse(name, utc(2017, 5, 11), utc(2017, 5, 12), default_tz=UTC)
    assert spans(parsed) == [("", utc(2017, 5, 11, 16, 30), utc(2017, 5, 11, 17))]
    assert parsed.meetings[0].uid.startswith("no-uid-")
    assert parsed.problems == ()


def test_outlook_busy_status_free_wins_over_transp_opaque() -> None:
    text = (CORPUS / "exchange-display-name-eastern-free.ics").read_text()
    assert 'TZID="(UTC-05:00) Eastern Time (US & Canada)"' in text
    assert str(zone_for_tzid("(UTC-05:00) Eastern Time (US & Canada)")) == "America/New_York"
    parsed = parse("exchange-display-name-eastern-free.ics", utc(2017, 7, 11), utc(2017, 7, 12))
    assert parsed.meetings == ()  # BUSYSTATUS:FREE, although TRANSP:OPAQUE


def test_exchange_busy_statuses() -> None:
    parsed = parse("exchange-busy-statuses.ics", utc(2020, 5, 12), utc(2020, 5, 14))
    assert spans(parsed) == [
        ("Tentative", utc(2020, 5, 12, 7), utc(2020, 5, 12, 7, 30)),  # TENTATIVE: busy
        ("Away", utc(2020, 5, 13, 14), utc(2020, 5, 13, 20)),  # OOF, timed: busy
    ]
    free = parse("exchange-busy-statuses.ics", utc(2020, 7, 1, 6), utc(2020, 7, 1, 12))
    assert free.meetings == ()  # "Free" 09:00-11:00 CEST: FREE and TRANSPARENT


def test_all_day_out_of_office_is_not_a_meeting() -> None:
    parsed = parse("exchange-all-day-busy.ics", utc(2021, 3, 24), utc(2021, 3, 27))
    assert parsed.meetings == ()


def test_x_wr_timezone_places_floating_times() -> None:
    # 21:00-22:45 floating, X-WR-TIMEZONE Europe/Brussels (+02:00 in September).
    parsed = parse("x-wr-timezone-floating.ics", utc(2021, 9, 16), utc(2021, 9, 17), default_tz=UTC)
    assert spans(parsed) == [("Summary", utc(2021, 9, 16, 19), utc(2021, 9, 16, 20, 45))]


def test_events_without_uid_starting_together_are_all_kept() -> None:
    parsed = parse("no-uid-same-start.ics", utc(2013, 8, 3), utc(2013, 8, 4))
    assert spans(parsed) == [
        ("This event is almost the same event", utc(2013, 8, 3, 19), utc(2013, 8, 3, 21)),
        ("This is an event", utc(2013, 8, 3, 19), utc(2013, 8, 3, 21)),
        (
            "This event is a little longer but starts at the same time",
            utc(2013, 8, 3, 19),
            utc(2013, 8, 3, 22),
        ),
    ]
    assert len({m.uid for m in parsed.meetings}) == 3


@pytest.mark.parametrize(
    ("name", "start", "line"),
    [
        ("end-before-start-sabredav.ics", utc(2019, 3, 4, 7, 30), 32),  # 08:30 CET, ends 08:00
        ("end-before-start-swapped.ics", utc(2023, 12, 18, 22, 45), 5),  # 23:45 CET, ends 23:30
    ],
)
def test_end_before_start_is_zero_length_with_a_problem(
    name: str, start: datetime, line: int
) -> None:
    parsed = parse(name, start - timedelta(days=1), start + timedelta(days=2))
    (meeting,) = parsed.meetings
    assert (meeting.start, meeting.end) == (start, start)
    (problem,) = parsed.problems
    assert problem.startswith(f"{name}:{line}: event ") and "ends before it starts" in problem


@pytest.fixture(scope="module")
def big_calendar() -> Any:
    """The whole 1.65 MB file parsed the plain way, once (it takes seconds)."""
    import icalendar

    return icalendar.Calendar.from_ical((CORPUS / "google-export-big.ics").read_bytes())


@pytest.mark.parametrize(
    "day",
    [utc(2011, 5, 10), utc(2013, 7, 15), utc(2019, 8, 10), utc(2020, 6, 30), utc(2024, 1, 1)],
)
def test_big_calendar_window_equals_a_full_expansion(day: datetime, big_calendar: Any) -> None:
    """Cutting the file to the window changes nothing: compare with expanding all of it."""
    import recurring_ical_events

    start, end = day - timedelta(hours=12), day + timedelta(hours=36)
    parsed = parse("google-export-big.ics", start, end)
    expected = set()
    for event in recurring_ical_events.of(big_calendar).between(start, end):
        begin = event.get("DTSTART").dt
        transparent = str(event.get("TRANSP", "")).upper() == "TRANSPARENT"
        if isinstance(begin, datetime) and not transparent:
            expected.add((str(event.get("UID")), begin.astimezone(UTC)))
    assert {(m.uid, m.start) for m in parsed.meetings} == expected


def test_big_calendar_one_offs_read_from_the_file() -> None:
    parsed = parse("google-export-big.ics", utc(2019, 8, 10), utc(2019, 8, 10, 23))
    assert spans(parsed) == [
        ("test", utc(2019, 8, 10, 9), utc(2019, 8, 10, 9, 15)),
        ("test", utc(2019, 8, 10, 12), utc(2019, 8, 10, 12, 15)),
        ("test", utc(2019, 8, 10, 17), utc(2019, 8, 10, 17, 15)),
    ]

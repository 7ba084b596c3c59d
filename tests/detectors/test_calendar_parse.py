"""ICS parsing against hand-written fixtures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.core.signals import Attendee
from agent.detectors.calendar_parse import (
    CalendarError,
    ParsedCalendar,
    join_url,
    parse_calendar,
)

FIXTURES = Path(__file__).parent / "fixtures"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parse(name: str, start: datetime, end: datetime, **kwargs: Any) -> ParsedCalendar:
    path = FIXTURES / name
    return parse_calendar(path.read_bytes(), source=str(path), start=start, end=end, **kwargs)


def test_weekly_recurrence_with_moved_and_removed_occurrence_across_dst() -> None:
    parsed = parse("weekly.ics", utc(2026, 10, 1), utc(2026, 12, 1))
    starts = [(m.title, m.start) for m in parsed.meetings]
    assert starts == [
        ("Standup", utc(2026, 10, 12, 8)),  # 10:00 CEST
        ("Standup", utc(2026, 10, 19, 8)),
        ("Standup", utc(2026, 10, 26, 9)),  # 10:00 CET: summer time ended on the 25th
        # 2 Nov removed by EXDATE
        ("Standup (moved)", utc(2026, 11, 9, 13, 30)),
        ("Standup", utc(2026, 11, 16, 9)),
    ]
    moved = parsed.meetings[3]
    assert moved.recurrence_id == utc(2026, 11, 9, 9).isoformat()
    assert moved.end == utc(2026, 11, 9, 13, 45)
    first = parsed.meetings[0]
    assert first.uid == "standup-1@example.com"
    assert first.join_url == "https://example.zoom.us/j/123456789?pwd=abc"
    assert first.organizer == Attendee("bob@example.com", "Bob Boss")
    assert first.attendees == (Attendee("alice@example.com", "Alice"),)
    assert first.updated_at == utc(2026, 10, 2, 12)
    assert parsed.problems == ()


def test_window_limits_occurrences() -> None:
    parsed = parse("weekly.ics", utc(2026, 11, 16), utc(2026, 11, 17))
    assert [m.start for m in parsed.meetings] == [utc(2026, 11, 16, 9)]


def test_other_zone_windows_zone_name_and_join_links() -> None:
    parsed = parse("zones.ics", utc(2026, 11, 16), utc(2026, 11, 17))
    by_uid = {m.uid: m for m in parsed.meetings}
    new_york = by_uid["ny@example.com"]
    assert new_york.start == utc(2026, 11, 16, 14)
    assert new_york.join_url == "https://meet.google.com/abc-defg-hij"
    outlook = by_uid["windows@example.com"]
    assert outlook.start == utc(2026, 11, 16, 10)  # W. Europe Standard Time = CET
    assert outlook.join_url == (
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0"
    )
    review = by_uid["utc@example.com"]
    assert review.end == utc(2026, 11, 16, 15, 45)
    assert review.join_url == "https://acme.webex.com/meet/alice"


def test_all_day_free_and_declined_are_left_out_cancelled_is_flagged() -> None:
    parsed = parse(
        "filters.ics", utc(2026, 11, 16), utc(2026, 11, 17), user_emails=["alice@example.com"]
    )
    assert [(m.title, m.cancelled) for m in parsed.meetings] == [
        ("Cancelled review", True),
        ("Real meeting", False),
    ]


def test_declined_only_counts_for_the_user() -> None:
    parsed = parse("filters.ics", utc(2026, 11, 16), utc(2026, 11, 17), user_emails=["x@y.z"])
    assert "Declined sync" in [m.title for m in parsed.meetings]


def test_floating_times_use_the_default_zone() -> None:
    data = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:f\r\nSUMMARY:Floating\r\n"
        b"DTSTART:20261116T100000\r\nDTEND:20261116T110000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    parsed = parse_calendar(
        data,
        source="floating.ics",
        start=utc(2026, 11, 16),
        end=utc(2026, 11, 17),
        default_tz=ZoneInfo("Europe/Berlin"),
    )
    assert parsed.meetings[0].start == utc(2026, 11, 16, 9)


def test_unreadable_line_names_file_and_line() -> None:
    with pytest.raises(CalendarError, match=r"broken\.ics:15: cannot read line"):
        parse("broken.ics", utc(2026, 11, 16), utc(2026, 11, 17))


def test_broken_event_is_skipped_and_named() -> None:
    parsed = parse("bad-event.ics", utc(2026, 11, 16), utc(2026, 11, 17))
    assert [m.title for m in parsed.meetings] == ["Fine"]
    (problem,) = parsed.problems
    assert "bad-event.ics:13: event skipped, DTSTART" in problem


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello", r"x\.ics:1: not an iCalendar file"),
        (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VCALENDAR\n", r"x\.ics:3: END:VCALENDAR but VEVENT"),
        (b"BEGIN:VCALENDAR\nVERSION:2.0\n", r"x\.ics:2: BEGIN:VCALENDAR is never closed"),
    ],
)
def test_structural_errors(data: bytes, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        parse_calendar(data, source="x.ics", start=utc(2026, 1, 1), end=utc(2026, 1, 2))


def test_join_url_prefers_meeting_services_and_falls_back_to_url() -> None:
    assert join_url("", "Room 4", "no link") is None
    assert join_url("https://intranet.example.com/x", "", "") == "https://intranet.example.com/x"
    assert (
        join_url("https://intranet.example.com/x", "https://zoom.us/j/1", "")
        == "https://zoom.us/j/1"
    )


def one_event(*lines: str) -> bytes:
    body = "\r\n".join(lines)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:e\r\nSUMMARY:Sync\r\n"
        f"{body}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def parse_one(*lines: str) -> ParsedCalendar:
    return parse_calendar(
        one_event("DTSTART:20261116T100000Z", "DTEND:20261116T110000Z", *lines),
        source="one.ics",
        start=utc(2026, 11, 16),
        end=utc(2026, 11, 17),
    )


@pytest.mark.parametrize(
    ("lines", "busy"),
    [
        ((), True),
        (("TRANSP:TRANSPARENT",), False),
        (("X-MICROSOFT-CDO-BUSYSTATUS:FREE",), False),
        (("X-MICROSOFT-CDO-BUSYSTATUS:WORKINGELSEWHERE",), False),
        (("X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE",), True),
        (("X-MICROSOFT-CDO-BUSYSTATUS:OOF",), True),
        (("X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "TRANSP:TRANSPARENT"), True),
        (("X-MICROSOFT-CDO-BUSYSTATUS:FREE", "TRANSP:OPAQUE"), False),
    ],
)
def test_busy_status_wins_over_transp_where_outlook_wrote_one(
    lines: tuple[str, ...], busy: bool
) -> None:
    assert bool(parse_one(*lines).meetings) is busy


def test_join_link_only_in_the_html_description() -> None:
    parsed = parse_one(
        "DESCRIPTION:See the invitation.",
        'X-ALT-DESC;FMTTYPE=text/html:<a href="https://meet.jit.si/Weekly">Join</a>',
    )
    assert parsed.meetings[0].join_url == "https://meet.jit.si/Weekly"


def test_unknown_zone_is_read_as_local_time_and_named() -> None:
    data = one_event(
        "DTSTART;TZID=Atlantis Standard Time:20261116T100000",
        "DTEND;TZID=Atlantis Standard Time:20261116T110000",
    )
    parsed = parse_calendar(
        data,
        source="one.ics",
        start=utc(2026, 11, 16),
        end=utc(2026, 11, 17),
        default_tz=ZoneInfo("Europe/Berlin"),
    )
    assert parsed.meetings[0].start == utc(2026, 11, 16, 9)
    assert parsed.problems == (
        "one.ics:6: unknown time zone 'Atlantis Standard Time', read as local time",
    )


def test_display_name_zone_without_vtimezone_in_a_recurring_series() -> None:
    zone = '"(UTC-05:00) Eastern Time (US & Canada)"'
    parsed = parse_calendar(
        one_event(
            f"DTSTART;TZID={zone}:20261102T090000",
            f"DTEND;TZID={zone}:20261102T093000",
            "RRULE:FREQ=WEEKLY",
            f"EXDATE;TZID={zone}:20261109T090000",
        ),
        source="one.ics",
        start=utc(2026, 11, 1),
        end=utc(2026, 11, 20),
    )
    # 9:00 in New York: EST (-05:00) in November; the 9th is excluded.
    assert [m.start for m in parsed.meetings] == [utc(2026, 11, 2, 14), utc(2026, 11, 16, 14)]


EVENT_LINES = st.sampled_from(
    [
        "BEGIN:VEVENT",
        "END:VEVENT",
        "UID:a",
        "DTSTART:20261116T100000Z",
        "DTSTART;VALUE=DATE:20261116",
        'DTSTART;TZID="(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna":20261116T1000',
        "DTSTART;TZID=Nowhere:20261116T100000",
        "DTEND:20261115T100000Z",
        "DTEND:2026",
        "DURATION:PT1H",
        "DURATION:bad",
        "RRULE:FREQ=DAILY;COUNT=3",
        "RRULE:FREQ=NONSENSE",
        "EXDATE:20261117T100000Z",
        "RECURRENCE-ID:20261117T100000Z",
        "X-MICROSOFT-CDO-BUSYSTATUS:OOF",
        "X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij",
        "ATTENDEE;PARTSTAT=DECLINED:mailto:me@example.com",
        "X-WR-TIMEZONE:Mars/Olympus",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(EVENT_LINES, max_size=25))
def test_any_calendar_gives_meetings_or_a_clear_error(lines: list[str]) -> None:
    data = "\r\n".join(["BEGIN:VCALENDAR", *lines, "END:VCALENDAR", ""]).encode()
    try:
        parsed = parse_calendar(
            data, source="p.ics", start=utc(2026, 11, 16), end=utc(2026, 11, 18)
        )
    except CalendarError as error:
        assert str(error).startswith("p.ics")
    else:
        assert all(m.end >= m.start for m in parsed.meetings)

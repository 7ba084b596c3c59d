"""Cutting a calendar down to a window: what is kept, what is dropped, and bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.detectors.calendar_window import CalendarError, trim

START, END = datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 18, tzinfo=UTC)


def calendar(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:STANDARD\r\n"
        "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\nEND:STANDARD\r\n"
        "END:VTIMEZONE\r\n"
        f"{body}BEGIN:VTODO\r\nUID:todo\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    )


def kept_uids(text: str) -> list[str]:
    trimmed = trim(text, "x.ics", START, END)
    return [line[4:] for line in trimmed.text.splitlines() if line.startswith("UID:")]


def test_keeps_what_can_touch_the_window_and_drops_the_rest() -> None:
    text = calendar(
        "UID:inside\nDTSTART:20261116T100000Z\nDTEND:20261116T110000Z",
        "UID:years-ago\nDTSTART:20110101T100000Z\nDTEND:20110101T110000Z",
        "UID:next-year\nDTSTART:20271116T100000Z",
        "UID:long\nDTSTART:20261101T100000Z\nDURATION:P3W",
        "UID:series\nDTSTART:20200106T090000Z\nRRULE:FREQ=WEEKLY",
        "UID:ended-series\nDTSTART:20200106T090000Z\nRRULE:FREQ=WEEKLY;UNTIL=20201231T000000Z",
        "UID:later-series\nDTSTART:20270106T090000Z\nRRULE:FREQ=WEEKLY",
        "UID:series\nRECURRENCE-ID:20261116T090000Z\nDTSTART:20261201T090000Z",
        "UID:series\nRECURRENCE-ID:20260105T090000Z\nDTSTART:20260106T090000Z",
        "UID:series\nRECURRENCE-ID;RANGE=THISANDFUTURE:20250105T090000Z\nDTSTART:20250106T090000Z",
        "UID:backwards\nDTSTART:20261117T100000Z\nDTEND:20261010T100000Z",
        "UID:alarm\nDTSTART:20261117T100000Z\nBEGIN:VALARM\nTRIGGER:-PT5M\nEND:VALARM",
    )
    assert kept_uids(text) == [
        "inside",
        "long",
        "series",
        "series",  # moved out of the window: it still removes the 16 Nov occurrence
        "series",  # RANGE=THISANDFUTURE
        "backwards",
        "alarm",
    ]


def test_keeps_calendar_properties_and_zones_but_not_other_components() -> None:
    trimmed = trim(calendar("UID:a\nDTSTART:20261116T100000Z"), "x.ics", START, END)
    assert "TZID:X" in trimmed.text and "END:VTIMEZONE" in trimmed.text
    assert "VTODO" not in trimmed.text
    assert "BEGIN:VALARM" not in trimmed.text
    assert trimmed.total_events == 1 and len(trimmed.events) == 1


def test_alarms_stay_inside_their_event() -> None:
    text = calendar("UID:a\nDTSTART:20261116T100000Z\nBEGIN:VALARM\nTRIGGER:-PT5M\nEND:VALARM")
    lines = trim(text, "x.ics", START, END).text.splitlines()
    assert lines.index("BEGIN:VALARM") < lines.index("END:VALARM") < lines.index("END:VEVENT")


def test_events_without_uid_get_a_stable_one_of_their_own() -> None:
    text = calendar("DTSTART:20261116T100000Z\nSUMMARY:A", "DTSTART:20261116T100000Z\nSUMMARY:B")
    first, second = kept_uids(text)
    assert first.startswith("no-uid-") and second.startswith("no-uid-") and first != second
    assert kept_uids(text) == [first, second]  # the same file gives the same UIDs


def test_event_lines_name_where_a_property_is() -> None:
    text = calendar("UID:a\nSUMMARY:x\nDTSTART:20261116T100000Z")
    (event,) = trim(text, "x.ics", START, END).events
    assert event.first_line == 11
    assert event.line_of("DTSTART") == 14
    assert event.line_of("LOCATION") == 11


def test_folded_lines_are_unfolded() -> None:
    text = calendar("UID:a\nDTSTART:20261116T1\n 00000Z")
    assert "DTSTART:20261116T100000Z" in trim(text, "x.ics", START, END).text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"x\.ics:1: not an iCalendar file"),
        ("BEGIN:VCALENDAR\nno colon here\nEND:VCALENDAR", r"x\.ics:2: cannot read line"),
        ("BEGIN:VCALENDAR\nEND:VEVENT\n", r"x\.ics:2: END:VEVENT but VCALENDAR is open"),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\n", r"x\.ics:2: BEGIN:VEVENT is never closed"),
    ],
)
def test_structure_problems_name_the_line(text: str, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        trim(text, "x.ics", START, END)


LINES = st.sampled_from(
    [
        "BEGIN:VCALENDAR",
        "END:VCALENDAR",
        "BEGIN:VEVENT",
        "END:VEVENT",
        "BEGIN:VALARM",
        "END:VALARM",
        "UID:x",
        "DTSTART:20261116T100000Z",
        "DTSTART:99999999",
        'DTEND;TZID="(UTC+01:00) A":20261116T100000',
        "RRULE:FREQ=DAILY;UNTIL=20260230",
        "RECURRENCE-ID;RANGE=THISANDFUTURE:x",
        "DURATION:PXW",
        " folded",
        "garbage",
        "",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=30))
def test_any_text_gives_a_calendar_or_a_clear_error(lines: list[str]) -> None:
    try:
        trimmed = trim("\n".join(lines), "x.ics", START, END)
    except CalendarError as error:
        assert str(error).startswith("x.ics:")
    else:
        assert trimmed.text.startswith("BEGIN:VCALENDAR")

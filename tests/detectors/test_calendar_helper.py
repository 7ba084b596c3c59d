"""The calendar parser process: same answers as in-process, failures become CalendarError."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agent.detectors import calendar_helper
from agent.detectors.calendar_helper import helper_command, parse_in_helper
from agent.detectors.calendar_parse import CalendarError, parse_calendar

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = Path(__file__).parent / "calendar_corpus"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parse_empty_with(command: list[str]) -> None:
    empty = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    start, end = utc(2026, 1, 1), utc(2026, 1, 2)
    asyncio.run(parse_in_helper(empty, source="x.ics", start=start, end=end, command=command))


@pytest.mark.parametrize(
    ("path", "start", "end"),
    [
        (FIXTURES / "weekly.ics", utc(2026, 10, 1), utc(2026, 12, 1)),
        (FIXTURES / "bad-event.ics", utc(2026, 11, 16), utc(2026, 11, 17)),
        (CORPUS / "outlook-teams-invite.ics", utc(2021, 4, 2), utc(2021, 4, 4)),
    ],
)
def test_helper_answers_like_the_parser(path: Path, start: datetime, end: datetime) -> None:
    arguments = {
        "source": path.name,
        "start": start,
        "end": end,
        "user_emails": ["alice@example.com"],
        "default_tz": ZoneInfo("Europe/Berlin"),
    }
    data = path.read_bytes()
    assert asyncio.run(parse_in_helper(data, **arguments)) == parse_calendar(data, **arguments)


def test_broken_calendar_is_a_calendar_error_naming_the_line() -> None:
    data = (FIXTURES / "broken.ics").read_bytes()
    with pytest.raises(CalendarError, match=r"broken\.ics:15: cannot read line"):
        asyncio.run(
            parse_in_helper(data, source="broken.ics", start=utc(2026, 1, 1), end=utc(2026, 1, 2))
        )


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ([sys.executable, "-c", "raise SystemExit(3)"], r"reader failed \(exit 3\)"),
        ([sys.executable, "-c", "print('not json')"], r"reader failed \(exit 0\)"),
    ],
)
def test_a_failing_helper_is_a_calendar_error(command: list[str], message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        parse_empty_with(command)


def test_a_hanging_helper_is_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calendar_helper, "HELPER_TIMEOUT", 0.5)
    with pytest.raises(CalendarError, match="took over"):
        parse_empty_with([sys.executable, "-c", "import time; time.sleep(60)"])


def test_too_big_is_refused_before_starting_a_process() -> None:
    data = b"x" * (calendar_helper.MAX_BYTES + 1)
    with pytest.raises(CalendarError, match="larger than 20 MB"):
        asyncio.run(
            parse_in_helper(data, source="x.ics", start=utc(2026, 1, 1), end=utc(2026, 1, 2))
        )


def test_bad_request_gets_a_clear_reply() -> None:
    done = subprocess.run(helper_command(), input=b"{}\n", capture_output=True, check=False)
    assert done.returncode == 0
    assert b"bad request to the calendar reader" in done.stdout


def test_the_agent_side_never_loads_the_parsing_libraries() -> None:
    code = (
        "import sys, agent.detectors.meeting, agent.detectors.calendar_helper;"
        "print(sorted(m for m in ('icalendar', 'recurring_ical_events', 'dateutil')"
        " if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

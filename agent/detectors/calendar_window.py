"""Cut an ICS file down to what a time window needs, before the real parse.

A published calendar often carries years of history: a 1.65 MB Google export holds
4,778 events of which a day's window needs a handful. Building ``icalendar``
objects for all of them costs seconds and tens of MB, so this pass reads the text
once, line by line without parsing values, checks the structure (naming the line
of a problem), and keeps the calendar's own properties, its VTIMEZONEs and only
the VEVENTs that can touch the window: recurring series that may still run in it,
one-off events whose dates are near it, and moved occurrences whose old or new
date is near it. Two days of slack on each side cover any UTC offset and the
date-only reading of times.

Events without a UID get one made from their text, so that two of them never
stand for the same meeting (RFC 5545 makes UID mandatory; some exporters forget).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

SLACK = timedelta(days=2)
#: Components a meeting parse needs outside the events themselves.
_KEPT_OUTSIDE = frozenset({"VCALENDAR", "VTIMEZONE", "STANDARD", "DAYLIGHT"})
_NAME = re.compile(r"[A-Za-z0-9-]+(?=[;:])")
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T\d{6}Z?)?\s*$")
_UNTIL = re.compile(r"UNTIL=(\d{4})(\d{2})(\d{2})", re.I)
_DAYS = re.compile(r"P(?:(\d+)W)?(?:(\d+)D)?", re.I)


class CalendarError(ValueError):
    """The calendar cannot be used at all; the message names the file and line."""


@dataclass(frozen=True)
class EventText:
    """One kept VEVENT: its unfolded lines with the physical line number each starts on."""

    lines: tuple[tuple[int, str], ...]

    @property
    def first_line(self) -> int:
        return self.lines[0][0]

    def line_of(self, name: str) -> int:
        """Where property ``name`` is, else where the event begins (for messages)."""
        wanted = name.upper()
        for number, line in self.lines:
            match = _NAME.match(line)
            if match and match.group().upper() == wanted:
                return number
        return self.first_line


@dataclass(frozen=True)
class Trimmed:
    """A smaller calendar with the same meaning inside the window."""

    text: str
    events: tuple[EventText, ...]  # the kept VEVENTs, in the order of ``text``
    total_events: int


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Unfolded content lines with the physical line number each starts on."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t") and lines:
            start, value = lines[-1]
            lines[-1] = (start, value + raw[1:])
        elif raw.strip():
            lines.append((number, raw))
    return lines


def _date_of(line: str) -> date | None:
    match = _DATE.search(line)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _properties(lines: list[tuple[int, str]]) -> dict[str, str]:
    """The first line of each property of the event itself (not of its alarms)."""
    found: dict[str, str] = {}
    depth = 0
    for _number, line in lines[1:-1]:
        match = _NAME.match(line)
        name = match.group().upper() if match else ""
        if name == "BEGIN":
            depth += 1
        elif name == "END":
            depth -= 1
        elif depth == 0 and name:
            found.setdefault(name, line)
    return found


def _needed(props: dict[str, str], low: date, high: date) -> bool:
    """Whether an event can have an occurrence (or cancel one) in ``[low, high]``."""
    start = _date_of(props["DTSTART"]) if "DTSTART" in props else None
    if start is None:
        return True  # broken or odd: let the real parser judge and report it
    if "RRULE" in props or "RDATE" in props:
        if "RDATE" in props:
            return True
        if start > high:
            return False
        until = _UNTIL.search(props["RRULE"])
        if until:
            try:
                return date(int(until[1]), int(until[2]), int(until[3])) >= low
            except ValueError:
                return True
        return True
    end = start
    if "DTEND" in props:
        end = _date_of(props["DTEND"]) or start
    elif "DURATION" in props:
        days = _DAYS.search(props["DURATION"])
        if days is None:
            return True
        end = start + timedelta(weeks=int(days[1] or 0), days=int(days[2] or 0) + 1)
    if min(start, end) <= high and max(start, end) >= low:
        return True
    if "RECURRENCE-ID" in props:
        moved_from = _date_of(props["RECURRENCE-ID"])
        if "RANGE=" in props["RECURRENCE-ID"].upper() or moved_from is None:
            return True
        return low <= moved_from <= high  # it removes an occurrence from the window
    return False


def _with_uid(lines: list[tuple[int, str]], props: dict[str, str]) -> list[tuple[int, str]]:
    if "UID" in props:
        return lines
    digest = hashlib.sha256("\n".join(line for _, line in lines).encode()).hexdigest()[:20]
    return [*lines[:-1], (lines[-1][0], f"UID:no-uid-{digest}"), lines[-1]]


def trim(text: str, source: str, start: datetime, end: datetime) -> Trimmed:
    """The parts of ``text`` that matter for ``[start, end)``; raises :class:`CalendarError`."""
    lines = _logical_lines(text)
    if not lines or lines[0][1].strip().upper() != "BEGIN:VCALENDAR":
        raise CalendarError(f"{source}:1: not an iCalendar file (no BEGIN:VCALENDAR)")
    low, high = start.date() - SLACK, end.date() + SLACK
    stack: list[str] = []
    kept: list[str] = []
    events: list[EventText] = []
    event: list[tuple[int, str]] | None = None
    total = 0
    for number, line in lines:
        match = _NAME.match(line)
        if match is None:
            raise CalendarError(f"{source}:{number}: cannot read line: no property name and ':'")
        name = match.group().upper()
        if name == "BEGIN":
            stack.append(line[6:].strip().upper())
            if stack[-1] == "VEVENT" and len(stack) == 2:
                event = []
        elif name == "END":
            component = line[4:].strip().upper()
            if not stack or stack[-1] != component:
                expected = stack[-1] if stack else "nothing"
                raise CalendarError(f"{source}:{number}: END:{component} but {expected} is open")
            if event is not None and len(stack) == 2:
                event.append((number, line))
                total += 1
                props = _properties(event)
                if _needed(props, low, high):
                    event = _with_uid(event, props)
                    events.append(EventText(tuple(event)))
                    kept.extend(text for _, text in event)
                event = None
                stack.pop()
                continue
        if event is not None:
            event.append((number, line))
        elif all(part in _KEPT_OUTSIDE for part in stack):
            kept.append(line)
        if name == "END":
            stack.pop()
    if stack:
        raise CalendarError(f"{source}:{lines[-1][0]}: BEGIN:{stack[-1]} is never closed")
    kept.append("")
    return Trimmed(text="\r\n".join(kept), events=tuple(events), total_events=total)

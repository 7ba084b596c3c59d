"""ICS text -> the meetings the user attends in a time window (pure, no I/O).

``icalendar`` parses (it also resolves Windows zone names such as "W. Europe
Standard Time"); ``recurring-ical-events`` expands RRULE/RDATE with EXDATE and
moved occurrences (RECURRENCE-ID). Left out: all-day events, free time
(TRANSP:TRANSPARENT) and events the user declined. Cancelled events stay in,
flagged, so event backends can delete them.

``icalendar`` accepts almost anything and records broken properties instead of
failing, so the lines are checked first to name the file and line of a problem.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from urllib.parse import parse_qs, urlsplit

from agent.core.signals import Attendee, Meeting


class CalendarError(ValueError):
    """The calendar cannot be used at all; the message names the file and line."""


@dataclass(frozen=True)
class ParsedCalendar:
    meetings: tuple[Meeting, ...]
    problems: tuple[str, ...] = ()  # events skipped because they are broken


_URL = re.compile(r"https?://[^\s<>\"'\\]+", re.IGNORECASE)
_JOIN = re.compile(
    r"https://("
    r"([\w-]+\.)*zoom(gov)?\.(us|com)/(j|my|w|s|wc)/"
    r"|teams\.microsoft\.com/l/meetup-join/|teams\.live\.com/meet/"
    r"|meet\.google\.com/[a-z]"
    r"|([\w-]+\.)*webex\.com/"
    r")",
    re.IGNORECASE,
)


def _unwrap(url: str) -> str:
    """The real target of an Outlook SafeLinks (``*.safelinks.protection.outlook.com``) URL."""
    parts = urlsplit(url)
    if parts.hostname and parts.hostname.endswith("safelinks.protection.outlook.com"):
        target = parse_qs(parts.query).get("url")
        if target:
            return target[0]
    return url


def _urls(text: str) -> list[str]:
    return [_unwrap(match.rstrip(".,;:)]")) for match in _URL.findall(text)]


def join_url(url: str, location: str, description: str) -> str | None:
    """The meeting's join link: a known meeting service first, else the event's URL."""
    candidates = _urls(url) + _urls(location) + _urls(description)
    for candidate in candidates:
        if _JOIN.match(candidate):
            return candidate
    own = _urls(url)
    return own[0] if own else None


# -- line check --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lines:
    """Where each VEVENT starts and where its properties are, for messages."""

    events: tuple[dict[str, int], ...]


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


def _check_lines(text: str, source: str) -> _Lines:
    from icalendar.parser import Contentline

    stack: list[str] = []
    events: list[dict[str, int]] = []
    lines = _logical_lines(text)
    if not lines or lines[0][1].strip().upper() != "BEGIN:VCALENDAR":
        raise CalendarError(f"{source}:1: not an iCalendar file (no BEGIN:VCALENDAR)")
    for number, line in lines:
        try:
            name, _params, value = Contentline(line).parts()  # type: ignore[no-untyped-call]
        except (ValueError, TypeError) as error:
            raise CalendarError(f"{source}:{number}: cannot read line: {error}") from None
        name = name.upper()
        if name == "BEGIN":
            stack.append(value.upper())
            if value.upper() == "VEVENT":
                events.append({"BEGIN": number})
        elif name == "END":
            if not stack or stack[-1] != value.upper():
                expected = stack[-1] if stack else "nothing"
                raise CalendarError(f"{source}:{number}: END:{value} but {expected} is open")
            stack.pop()
        elif stack and stack[-1] == "VEVENT":
            events[-1].setdefault(name, number)
    if stack:
        raise CalendarError(f"{source}:{lines[-1][0]}: BEGIN:{stack[-1]} is never closed")
    return _Lines(events=tuple(events))


# -- events ------------------------------------------------------------------------------


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    return str(value) if value is not None else ""


def _address(value: Any) -> Attendee:
    email = str(value)
    if email.lower().startswith("mailto:"):
        email = email[7:]
    name = value.params.get("CN", "") if hasattr(value, "params") else ""
    return Attendee(email=email, name=str(name))


def _attendees(event: Any) -> list[Any]:
    value = event.get("ATTENDEE")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _declined(event: Any, emails: Collection[str]) -> bool:
    for attendee in _attendees(event):
        if _address(attendee).email.lower() in emails:
            partstat = str(attendee.params.get("PARTSTAT", "")).upper()
            if partstat == "DECLINED":
                return True
    return False


def _as_utc(value: datetime, default_tz: tzinfo) -> datetime:
    if value.tzinfo is None:  # floating time: the user's own zone
        value = value.replace(tzinfo=default_tz)
    return value.astimezone(UTC)


def _is_all_day(event: Any) -> bool:
    start = event.get("DTSTART")
    if start is not None and isinstance(start.dt, date) and not isinstance(start.dt, datetime):
        return True
    return _text(event, "X-MICROSOFT-CDO-ALLDAYEVENT").upper() == "TRUE"


def _meeting(event: Any, recurring: bool, default_tz: tzinfo) -> Meeting:
    start = _as_utc(event.start, default_tz)
    end = _as_utc(event.end, default_tz) if "DTEND" in event or "DURATION" in event else start
    recurrence_id = None
    if recurring and event.get("RECURRENCE-ID") is not None:
        recurrence_id = _as_utc(event.decoded("RECURRENCE-ID"), default_tz).isoformat()
    organizer = event.get("ORGANIZER")
    updated = event.get("LAST-MODIFIED") or event.get("DTSTAMP")
    location = _text(event, "LOCATION")
    description = _text(event, "DESCRIPTION")
    return Meeting(
        uid=_text(event, "UID"),
        title=_text(event, "SUMMARY"),
        start=start,
        end=max(end, start),
        join_url=join_url(_text(event, "URL"), location, description),
        location=location,
        recurrence_id=recurrence_id,
        description=description,
        organizer=_address(organizer) if organizer is not None else None,
        attendees=tuple(_address(a) for a in _attendees(event)),
        cancelled=_text(event, "STATUS").upper() == "CANCELLED",
        updated_at=_as_utc(updated.dt, default_tz) if updated is not None else None,
    )


def parse_calendar(
    data: bytes,
    *,
    source: str,
    start: datetime,
    end: datetime,
    user_emails: Collection[str] = (),
    default_tz: tzinfo = UTC,
) -> ParsedCalendar:
    """Meetings overlapping ``[start, end)``, sorted by start.

    Raises :class:`CalendarError` when the file cannot be used at all; a single
    broken event is skipped and named in ``problems``.
    """
    import icalendar
    import recurring_ical_events

    text = data.decode("utf-8-sig", errors="replace")
    lines = _check_lines(text, source)
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as error:
        raise CalendarError(f"{source}: {error}") from None

    problems: list[str] = []
    events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    for index, event in enumerate(events):
        broken = list(getattr(event, "errors", ()))
        if "DTSTART" not in event:
            broken.append(("DTSTART", "missing"))
        if broken:
            where = lines.events[index] if index < len(lines.events) else {}
            prop, message = broken[0]
            line = where.get(str(prop).upper(), where.get("BEGIN", 0))
            problems.append(f"{source}:{line}: event skipped, {prop}: {message}")
            calendar.subcomponents.remove(event)

    recurring = {
        _text(e, "UID")
        for e in calendar.subcomponents
        if e.name == "VEVENT" and any(k in e for k in ("RRULE", "RDATE", "RECURRENCE-ID"))
    }
    emails = {e.lower() for e in user_emails if e}
    try:
        occurrences = recurring_ical_events.of(calendar).between(start, end)
    except Exception as error:  # a bad RRULE and friends
        raise CalendarError(f"{source}: cannot expand recurring events: {error}") from None

    meetings: dict[tuple[str, str | None], Meeting] = {}
    for event in occurrences:
        if _is_all_day(event) or _text(event, "TRANSP").upper() == "TRANSPARENT":
            continue
        if _declined(event, emails):
            continue
        meeting = _meeting(event, _text(event, "UID") in recurring, default_tz)
        if meeting.end > start and meeting.start < end:
            meetings[(meeting.uid, meeting.recurrence_id)] = meeting
    ordered = sorted(meetings.values(), key=lambda m: (m.start, m.end, m.title))
    return ParsedCalendar(meetings=tuple(ordered), problems=tuple(problems))

"""ICS text -> the meetings the user attends in a time window (pure, no I/O).

``calendar_window`` first cuts the file down to what the window needs (and checks
its structure); ``icalendar`` parses the rest (VTIMEZONE definitions first, then
IANA names and Windows zone ids through CLDR's table); ``calendar_zones`` resolves
what it leaves floating (Outlook display names); ``recurring-ical-events`` expands
RRULE/RDATE with EXDATE and moved occurrences (RECURRENCE-ID).

Left out: all-day events, free time and events the user declined. Free is
``X-MICROSOFT-CDO-BUSYSTATUS:FREE`` (or ``WORKINGELSEWHERE``) where Outlook wrote
a busy status, else ``TRANSP:TRANSPARENT``; TENTATIVE and OOF (out of office) are
busy. Cancelled events stay in, flagged, so event backends can delete them.
Floating times are read in the calendar's ``X-WR-TIMEZONE``, else the user's zone.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from agent.core.signals import Attendee, Meeting
from agent.detectors.calendar_links import CONFERENCE_PROPERTIES, join_url
from agent.detectors.calendar_window import CalendarError, EventText, trim
from agent.detectors.calendar_zones import zone_for_tzid

__all__ = ["CalendarError", "ParsedCalendar", "join_url", "parse_calendar"]

#: Busy statuses (Outlook's X-MICROSOFT-CDO-BUSYSTATUS) that leave the user free.
FREE_STATUSES = frozenset({"FREE", "WORKINGELSEWHERE"})
_ZONED = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")


@dataclass(frozen=True)
class ParsedCalendar:
    meetings: tuple[Meeting, ...]
    problems: tuple[str, ...] = ()  # events skipped or repaired, with file and line


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value is not None else ""


def _texts(component: Any, name: str) -> list[str]:
    value = component.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


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


def is_free(event: Any) -> bool:
    """Outlook's busy status where it wrote one, else the standard TRANSP."""
    busy = _text(event, "X-MICROSOFT-CDO-BUSYSTATUS").strip().upper()
    if busy:
        return busy in FREE_STATUSES
    return _text(event, "TRANSP").strip().upper() == "TRANSPARENT"


def _is_all_day(event: Any) -> bool:
    start = event.get("DTSTART")
    if start is not None and isinstance(start.dt, date) and not isinstance(start.dt, datetime):
        return True
    return _text(event, "X-MICROSOFT-CDO-ALLDAYEVENT").upper() == "TRUE"


def _as_utc(value: date, default_tz: tzinfo) -> datetime:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:  # floating time
        value = value.replace(tzinfo=default_tz)
    return value.astimezone(UTC)


def _values(prop: Any) -> list[Any]:
    """The single date-time values of a property (EXDATE/RDATE hold lists)."""
    props = prop if isinstance(prop, list) else [prop]
    found: list[Any] = []
    for item in props:
        found.extend(getattr(item, "dts", [item]))
    return found


def _localize(event: Any, where: EventText, source: str, problems: dict[str, str]) -> None:
    """Give zoned times that ``icalendar`` left floating (unknown TZIDs) their zone."""
    for name in _ZONED:
        prop = event.get(name)
        if prop is None:
            continue
        for value in _values(prop):
            params = getattr(value, "params", None) or getattr(prop, "params", {})
            tzid = params.get("TZID") if params else None
            moment = getattr(value, "dt", None)
            if not tzid or not isinstance(moment, datetime) or moment.tzinfo is not None:
                continue
            zone = zone_for_tzid(str(tzid))
            if zone is not None:
                value.dt = moment.replace(tzinfo=zone)
            else:
                problems.setdefault(
                    f"zone:{tzid}",
                    f"{source}:{where.line_of(name)}: unknown time zone {str(tzid)!r}, "
                    "read as local time",
                )


def _repair_end(event: Any, where: EventText, source: str, problems: dict[str, str]) -> None:
    """An end before the start (seen in real exports) becomes a zero-length event."""
    start, end = event.get("DTSTART"), event.get("DTEND")
    if start is None or end is None:
        return
    try:
        backwards = _as_utc(end.dt, UTC) < _as_utc(start.dt, UTC)
    except (TypeError, ValueError, OverflowError):
        return
    if backwards:
        end.dt = start.dt
        title = _text(event, "SUMMARY")
        problems[f"end:{where.first_line}"] = (
            f"{source}:{where.line_of('DTEND')}: event {title!r} ends before it starts; "
            "read as zero-length"
        )


def _meeting(event: Any, recurring: bool, default_tz: tzinfo) -> Meeting:
    start = _as_utc(event.get("DTSTART").dt, default_tz)
    end = start
    if event.get("DTEND") is not None:
        end = _as_utc(event.get("DTEND").dt, default_tz)
    elif event.get("DURATION") is not None:
        duration = event.get("DURATION").dt
        end = start + duration if isinstance(duration, timedelta) else start
    recurrence_id = None
    if recurring and event.get("RECURRENCE-ID") is not None:
        recurrence_id = _as_utc(event.get("RECURRENCE-ID").dt, default_tz).isoformat()
    organizer = event.get("ORGANIZER")
    updated = event.get("LAST-MODIFIED") or event.get("DTSTAMP")
    location = _text(event, "LOCATION")
    description = _text(event, "DESCRIPTION")
    conference = [v for name in CONFERENCE_PROPERTIES for v in _texts(event, name)]
    return Meeting(
        uid=_text(event, "UID"),
        title=_text(event, "SUMMARY"),
        start=start,
        end=max(end, start),
        join_url=join_url(
            _text(event, "URL"), location, description, conference, _text(event, "X-ALT-DESC")
        ),
        location=location,
        recurrence_id=recurrence_id,
        description=description,
        organizer=_address(organizer) if organizer is not None else None,
        attendees=tuple(_address(a) for a in _attendees(event)),
        cancelled=_text(event, "STATUS").upper() == "CANCELLED",
        updated_at=_as_utc(updated.dt, default_tz) if updated is not None else None,
    )


def _calendar_zone(calendar: Any, default_tz: tzinfo) -> tzinfo:
    """``X-WR-TIMEZONE`` (Google, Apple) names the zone of floating times."""
    name = _text(calendar, "X-WR-TIMEZONE").strip()
    if not name:
        return default_tz
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return zone_for_tzid(name) or default_tz


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
    trimmed = trim(text, source, start, end)
    try:
        calendar = icalendar.Calendar.from_ical(trimmed.text)
    except ValueError as error:
        raise CalendarError(f"{source}: {error}") from None
    floating_tz = _calendar_zone(calendar, default_tz)

    problems: dict[str, str] = {}
    events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    for event, where in zip(events, trimmed.events, strict=False):
        broken = list(getattr(event, "errors", ()))
        if "DTSTART" not in event:
            broken.append(("DTSTART", "missing"))
        if broken:
            prop, message = broken[0]
            line = where.line_of(str(prop))
            problems[f"skip:{where.first_line}"] = (
                f"{source}:{line}: event skipped, {prop}: {message}"
            )
            calendar.subcomponents.remove(event)
            continue
        _localize(event, where, source, problems)
        _repair_end(event, where, source, problems)

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

    meetings: dict[tuple[str, str | None, datetime], Meeting] = {}
    for event in occurrences:
        if _is_all_day(event) or is_free(event) or _declined(event, emails):
            continue
        meeting = _meeting(event, _text(event, "UID") in recurring, floating_tz)
        if meeting.end > start and meeting.start < end or meeting.start == start:
            meetings[(meeting.uid, meeting.recurrence_id, meeting.start)] = meeting
    ordered = sorted(meetings.values(), key=lambda m: (m.start, m.end, m.title))
    return ParsedCalendar(meetings=tuple(ordered), problems=tuple(problems.values()))

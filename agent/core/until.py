"""Expiry times as people give them: "30m", "today", "tomorrow", "week", "14:30", ISO."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from agent.core.durations import DurationOutOfRange, parse_duration
from agent.core.schedule import WorkingHours

_CLOCK_TIME = re.compile(r"\d{1,2}:\d{2}")


def resolve_until(spec: str, now: datetime, hours: WorkingHours) -> datetime | None:
    """The instant ``spec`` names, seen at ``now``; ``None`` for "" and "never".

    A duration ("30m", "2h") counts from now; "today" is the end of the working day
    (or the next midnight once it is over), "tomorrow" the start of the next working
    day, "week" the end of the working week; "14:30" is the next such clock time and
    an ISO date and time without an offset is read in the schedule's zone.
    Raises ValueError with a message for a person otherwise, or for a past time.
    """
    text = spec.strip()
    word = text.lower()
    if word in ("", "never"):
        return None
    if word == "today":
        return hours.end_of_day(now)
    if word == "tomorrow":
        return hours.start_of_next_day(now)
    if word == "week":
        return hours.end_of_week(now)
    if _CLOCK_TIME.fullmatch(word):
        return _next_clock_time(word, now, hours)
    try:
        seconds = parse_duration(word)
    except DurationOutOfRange:
        raise
    except ValueError:
        pass
    else:
        if seconds <= 0:
            raise ValueError(f"{text!r}: the duration must be longer than zero")
        return now + timedelta(seconds=seconds)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r}: use a duration like '30m' or '2h', 'today', 'tomorrow', 'week', "
            "a time like '14:30' or a date and time like '2030-01-31T14:30'"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=hours.zone)
    if moment <= now:
        raise ValueError(f"{text!r} is in the past")
    if moment - now > timedelta(days=366):
        raise ValueError(f"{text!r} is more than a year away")
    return moment.astimezone(UTC)


def _next_clock_time(text: str, now: datetime, hours: WorkingHours) -> datetime:
    hour, minute = (int(part) for part in text.split(":"))
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a time of day")
    day = hours.local(now).date()
    for offset in (0, 1):
        moment = datetime.combine(day + timedelta(days=offset), time(hour, minute), hours.zone)
        if moment > now:
            break
    return moment.astimezone(UTC)

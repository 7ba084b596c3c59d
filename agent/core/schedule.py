"""Working hours in an IANA time zone: is it after hours, and when does that flip next.

All arithmetic is done on local wall-clock dates and converted to UTC through
``zoneinfo``, so a working day that contains a DST change still starts and ends at
the configured wall-clock times (09:00 stays 09:00 in Berlin across March and
October). A start that falls into a spring-forward gap maps to the instant just after
the gap (the ``fold=0`` reading); an ambiguous autumn time takes the first occurrence.
"""

from __future__ import annotations

import os
import time as _time
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agent.config.schema import ScheduleSettings

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SEARCH_DAYS = 15  # covers two weeks of look-ahead plus the day before


@dataclass(frozen=True)
class _Interval:
    start: datetime
    end: datetime
    day: date  # the local date the working period begins on


def parse_clock_time(text: str) -> tuple[int, int]:
    """("09:30") -> (9, 30); "24:00" is allowed as the end of a day."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit():
        raise ValueError(f"{text!r} is not a time like '09:00'")
    hour, minute = int(hours), int(minutes)
    if (hour, minute) != (24, 0) and not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"{text!r} is not a time like '09:00'")
    return hour, minute


def resolve_zone(name: str) -> tzinfo:
    """The ``ZoneInfo`` for an IANA name, or the machine's zone for an empty name.

    Raises ValueError for a name the time zone database does not know.
    """
    if not name:
        return machine_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name like 'Europe/Berlin')"
        ) from None


def machine_zone() -> tzinfo:
    """The machine's own zone, as an IANA zone where it can be named.

    ``$TZ`` first, then the ``/etc/localtime`` link (Linux, macOS); elsewhere (Windows)
    a zone that asks the C library, which still follows the system's DST rules.
    """
    for candidate in (os.environ.get("TZ", "").lstrip(":"), _localtime_link_key()):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return _SystemLocalZone()


def _localtime_link_key() -> str:
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:
        return ""
    marker = "zoneinfo/"
    index = target.find(marker)
    return target[index + len(marker) :] if index >= 0 else ""


class _SystemLocalZone(tzinfo):
    """The C library's local time, for systems without a nameable IANA zone."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return self._offset(dt)

    def dst(self, dt: datetime | None) -> timedelta:
        if dt is None:
            return timedelta(0)
        local = _time.localtime(self._timestamp(dt))
        return timedelta(hours=1) if local.tm_isdst > 0 else timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return _time.strftime("%Z", _time.localtime(self._timestamp(dt)))

    def fromutc(self, dt: datetime) -> datetime:
        stamp = dt.replace(tzinfo=UTC).timestamp()
        offset = _time.localtime(stamp).tm_gmtoff
        return dt + timedelta(seconds=offset)

    def _offset(self, dt: datetime | None) -> timedelta:
        return timedelta(seconds=_time.localtime(self._timestamp(dt)).tm_gmtoff)

    @staticmethod
    def _timestamp(dt: datetime | None) -> float:
        if dt is None:
            return _time.time()
        naive = dt.replace(tzinfo=None)
        return _time.mktime((*naive.timetuple()[:8], -1)) + naive.microsecond / 1e6


class WorkingHours:
    """The configured working hours; ``None`` answers mean "no schedule"."""

    def __init__(self, settings: ScheduleSettings, zone: tzinfo) -> None:
        self.zone = zone
        self.enabled = settings.enabled
        self._days = frozenset(
            DAY_NAMES.index(d.strip().lower()[:3])
            for d in settings.days
            if d.strip().lower()[:3] in DAY_NAMES
        )
        start_h, start_m = parse_clock_time(settings.start)
        end_h, end_m = parse_clock_time(settings.end)
        self._start = (start_h, start_m)
        self._end = (end_h, end_m)
        # An end at or before the start means the working period runs past midnight.
        self._overnight = (end_h, end_m) <= (start_h, start_m)
        self._cache: tuple[datetime, datetime, bool] | None = None

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.zone)

    def is_after_hours(self, at: datetime) -> bool | None:
        """Whether ``at`` lies outside working hours; ``None`` when no schedule applies."""
        if not self.enabled:
            return None
        cache = self._cache
        if cache is not None and cache[0] <= at < cache[1]:
            return cache[2]
        working, since, until = self._classify(at)
        if until is not None:
            self._cache = (since, until, not working)
        return not working

    def next_boundary(self, at: datetime) -> datetime | None:
        """The first instant after ``at`` where :meth:`is_after_hours` changes."""
        if not self.enabled:
            return None
        return self._classify(at)[2]

    def end_of_day(self, at: datetime) -> datetime:
        """Until "today": the end of today's working period, else the next midnight."""
        today = self.local(at).date()
        for interval in self._future(at):
            if interval.start <= at or interval.day == today:
                return interval.end
        return self._midnight_after(at)

    def start_of_next_day(self, at: datetime) -> datetime:
        """Until "tomorrow": the start of the first working period on a later local day."""
        today = self.local(at).date()
        for interval in self._future(at):
            if interval.day > today:
                return interval.start
        return self._midnight_after(at)

    def end_of_week(self, at: datetime) -> datetime:
        """Until "week": the end of the last working period of this (ISO) week still to come.

        When this week's work is already over (a Saturday), the end of next week's.
        """
        future = self._future(at)
        if not future:
            return self._midnight_after(at)
        week = _week(self.local(at).date())
        if not any(_week(i.day) == week for i in future):
            week = _week(future[0].day)
        return [i for i in future if _week(i.day) == week][-1].end

    def _future(self, at: datetime) -> list[_Interval]:
        return [i for i in self._intervals(at) if i.end > at]

    def _classify(self, at: datetime) -> tuple[bool, datetime, datetime | None]:
        """(working now, since when, until when) from the intervals around ``at``."""
        # Before the first listed period nothing works since the search window opened
        # (for an overnight shift: since the one from the day before that ended).
        window = self.local(at).date() - timedelta(days=1)
        previous_end = self._at(window, self._end if self._overnight else (0, 0))
        for interval in self._intervals(at):
            if at < interval.start:
                return False, previous_end, interval.start
            if at < interval.end:
                return True, interval.start, interval.end
            previous_end = interval.end
        return False, previous_end, None

    def _intervals(self, at: datetime) -> list[_Interval]:
        """Working periods from the local day before ``at`` for about two weeks, merged."""
        first = self.local(at).date() - timedelta(days=1)
        result: list[_Interval] = []
        for offset in range(_SEARCH_DAYS):
            day = first + timedelta(days=offset)
            if day.weekday() not in self._days:
                continue
            start = self._at(day, self._start)
            end = self._at(day + timedelta(days=1) if self._overnight else day, self._end)
            if result and result[-1].end >= start:  # back-to-back periods are one
                result[-1] = _Interval(result[-1].start, end, result[-1].day)
            else:
                result.append(_Interval(start, end, day))
        return result

    def _at(self, day: date, hour_minute: tuple[int, int]) -> datetime:
        hour, minute = hour_minute
        if hour == 24:
            day, hour = day + timedelta(days=1), 0
        local = datetime.combine(day, time(hour, minute), tzinfo=self.zone)
        # Round-trip through UTC so a time inside a DST gap lands on a real instant.
        return local.astimezone(UTC)

    def _midnight_after(self, at: datetime) -> datetime:
        return self._at(self.local(at).date() + timedelta(days=1), (0, 0))


def _week(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso[0], iso[1]

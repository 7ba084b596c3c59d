from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.config.schema import ScheduleSettings
from agent.core.schedule import WorkingHours, machine_zone, parse_clock_time, resolve_zone

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def hours(**kwargs: object) -> WorkingHours:
    return WorkingHours(ScheduleSettings(**kwargs), BERLIN)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("moment", "after_hours"),
    [
        (berlin(2026, 3, 25, 8, 59), True),  # Wednesday before work
        (berlin(2026, 3, 25, 9, 0), False),
        (berlin(2026, 3, 25, 16, 59, 59), False),
        (berlin(2026, 3, 25, 17, 0), True),
        (berlin(2026, 3, 28, 12, 0), True),  # Saturday
        (berlin(2026, 3, 30, 9, 0), False),  # Monday after the spring change
        (berlin(2026, 10, 26, 8, 30), True),  # Monday after the autumn change
        (berlin(2026, 10, 26, 9, 30), False),
    ],
)
def test_after_hours_in_local_time(moment: datetime, after_hours: bool) -> None:
    assert hours().is_after_hours(moment.astimezone(UTC)) is after_hours


def test_disabled_schedule_is_unknown() -> None:
    schedule = hours(enabled=False)
    assert schedule.is_after_hours(berlin(2026, 3, 25, 3, 0)) is None
    assert schedule.next_boundary(berlin(2026, 3, 25, 3, 0)) is None


@pytest.mark.parametrize(
    ("moment", "boundary"),
    [
        # Friday evening before the spring change (last Sunday of March 2026 = 29th):
        # Monday 09:00 is 07:00 UTC (CEST), not 08:00 UTC.
        (berlin(2026, 3, 27, 18, 0), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),
        (berlin(2026, 3, 27, 10, 0), datetime(2026, 3, 27, 16, 0, tzinfo=UTC)),
        # Friday evening before the autumn change (25 October 2026): back to CET.
        (berlin(2026, 10, 23, 18, 0), datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
        (berlin(2026, 10, 23, 10, 0), datetime(2026, 10, 23, 15, 0, tzinfo=UTC)),
    ],
)
def test_next_boundary_across_dst(moment: datetime, boundary: datetime) -> None:
    schedule = hours()
    assert schedule.next_boundary(moment.astimezone(UTC)) == boundary
    # Just before the boundary nothing has flipped; at it, it has.
    before = schedule.is_after_hours(boundary - timedelta(seconds=1))
    assert schedule.is_after_hours(boundary) is (not before)


def test_working_day_inside_a_dst_change() -> None:
    """A Sunday shift on the spring-forward day keeps its wall-clock hours (23 h day)."""
    schedule = hours(days=("sun",), start="01:00", end="04:00")
    start = berlin(2026, 3, 29, 1, 0).astimezone(UTC)
    assert schedule.is_after_hours(start) is False
    end = schedule.next_boundary(start)
    assert end == berlin(2026, 3, 29, 4, 0).astimezone(UTC)
    assert end - start == timedelta(hours=2)  # 02:00-03:00 does not exist that night


def test_overnight_shift() -> None:
    schedule = hours(days=("mon",), start="22:00", end="06:00")
    assert schedule.is_after_hours(berlin(2026, 3, 23, 23, 0).astimezone(UTC)) is False
    assert schedule.is_after_hours(berlin(2026, 3, 24, 5, 59).astimezone(UTC)) is False
    assert schedule.is_after_hours(berlin(2026, 3, 24, 6, 0).astimezone(UTC)) is True


def test_back_to_back_days_merge_into_one_period() -> None:
    schedule = hours(days=("mon", "tue"), start="00:00", end="24:00")
    monday = berlin(2026, 3, 23, 12, 0).astimezone(UTC)
    assert schedule.next_boundary(monday) == berlin(2026, 3, 25, 0, 0).astimezone(UTC)


def test_no_working_days_is_always_after_hours() -> None:
    schedule = hours(days=())
    assert schedule.is_after_hours(berlin(2026, 3, 25, 10, 0)) is True
    assert schedule.next_boundary(berlin(2026, 3, 25, 10, 0)) is None


@pytest.mark.parametrize(
    ("moment", "today", "tomorrow", "week"),
    [
        # Wednesday at work
        (
            berlin(2026, 3, 25, 10, 0),
            berlin(2026, 3, 25, 17, 0),
            berlin(2026, 3, 26, 9, 0),
            berlin(2026, 3, 27, 17, 0),
        ),
        # Wednesday before work: today is still today's end
        (
            berlin(2026, 3, 25, 7, 0),
            berlin(2026, 3, 25, 17, 0),
            berlin(2026, 3, 26, 9, 0),
            berlin(2026, 3, 27, 17, 0),
        ),
        # Friday evening: today = midnight, tomorrow = Monday (after the DST change)
        (
            berlin(2026, 3, 27, 19, 0),
            berlin(2026, 3, 28, 0, 0),
            berlin(2026, 3, 30, 9, 0),
            berlin(2026, 4, 3, 17, 0),
        ),
        # Saturday: the working week is over, so "week" is next week's end
        (
            berlin(2026, 3, 28, 11, 0),
            berlin(2026, 3, 29, 0, 0),
            berlin(2026, 3, 30, 9, 0),
            berlin(2026, 4, 3, 17, 0),
        ),
    ],
)
def test_named_ends(moment: datetime, today: datetime, tomorrow: datetime, week: datetime) -> None:
    schedule = hours()
    at = moment.astimezone(UTC)
    assert schedule.end_of_day(at) == today
    assert schedule.start_of_next_day(at) == tomorrow
    assert schedule.end_of_week(at) == week


def test_clock_times() -> None:
    assert parse_clock_time("09:30") == (9, 30)
    assert parse_clock_time("24:00") == (24, 0)
    for bad in ("9", "25:00", "12:60", "ab:cd"):
        with pytest.raises(ValueError):
            parse_clock_time(bad)


def test_zones(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_zone("Europe/Berlin") == BERLIN
    with pytest.raises(ValueError, match="IANA"):
        resolve_zone("Mars/Olympus")
    monkeypatch.setenv("TZ", "America/New_York")
    assert resolve_zone("") == ZoneInfo("America/New_York")
    monkeypatch.setenv("TZ", "")
    zone = machine_zone()
    assert datetime(2026, 1, 1, tzinfo=zone).utcoffset() is not None


def test_system_local_zone_follows_the_c_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback for machines without a nameable zone still knows DST (via libc)."""
    import time

    from agent.core.schedule import _SystemLocalZone

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        zone = _SystemLocalZone()
        winter = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
        summer = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
        assert winter.astimezone(zone).hour == 13
        assert summer.astimezone(zone).hour == 14
        assert summer.astimezone(zone).dst() == timedelta(hours=1)
        assert datetime(2026, 7, 15, 14, 0, tzinfo=zone).astimezone(UTC) == summer
        schedule = WorkingHours(ScheduleSettings(), zone)
        assert schedule.next_boundary(datetime(2026, 3, 27, 18, 0, tzinfo=UTC)) == datetime(
            2026, 3, 30, 7, 0, tzinfo=UTC
        )
    finally:
        monkeypatch.undo()
        time.tzset()


@settings(max_examples=300, deadline=None)
@given(
    days=st.sets(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1),
    start=st.integers(4, 22),
    length=st.integers(1, 19),
    minutes=st.integers(0, 365 * 24 * 60),
    zone_name=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney"]),
)
def test_after_hours_matches_the_wall_clock_and_boundaries_are_exact(
    days: set[str], start: int, length: int, minutes: int, zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    end = min(start + length, 24)
    settings_ = ScheduleSettings(days=tuple(days), start=f"{start:02d}:00", end=f"{end:02d}:00")
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    local = at.astimezone(zone)
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    working = names[local.weekday()] in days and start <= local.hour < end
    cached = WorkingHours(settings_, zone)
    assert cached.is_after_hours(at) is (not working)
    boundary = cached.next_boundary(at)
    assert boundary is not None and boundary > at
    tick = timedelta(microseconds=1)
    assert WorkingHours(settings_, zone).is_after_hours(boundary - tick) is (not working)
    assert WorkingHours(settings_, zone).is_after_hours(boundary) is working
    assert cached.is_after_hours(boundary - tick) is (not working)
    assert cached.is_after_hours(boundary) is working

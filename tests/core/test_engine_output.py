"""What the engine emits, when it wants to wake up, and how it explains itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent.config.schema import Config, RuleSettings, ScheduleSettings
from agent.core.engine import Engine, EngineSettings
from agent.core.model import Status
from agent.core.rules import IDLE_READING_GRACE
from agent.core.signals import (
    CallObserved,
    IdleObserved,
    LocationObserved,
    LockObserved,
    MeetingsObserved,
    SleepObserved,
)

from .harness import BERLIN, HQ3, START, drive, make_config, make_engine, meeting


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)  # type: ignore[misc]


def test_first_evaluate_reports_then_only_changes() -> None:
    engine, clock = make_engine()
    first = engine.evaluate()
    assert first is not None and first.previous is None and first.at == START
    assert engine.evaluate() is None
    changes = drive(engine, clock, [IdleObserved(400), LockObserved(True), IdleObserved(500)])
    assert len(changes) == 1  # idle then locked: both away, one change
    assert engine.current.reason == "rule:locked"  # the reason still follows
    assert engine.current.since == changes[0].at
    change = drive(engine, clock, [5, LockObserved(False), IdleObserved(0)])[-1]
    assert change.previous is not None and change.previous.reason == "rule:idle"
    assert change.state.since == clock.now()


def test_message_and_location_changes_are_changes() -> None:
    engine, clock = make_engine()
    drive(engine, clock, [0])
    assert len(drive(engine, clock, [LocationObserved(HQ3)])) == 1
    drive(engine, clock, [lambda e: e.set_manual(Status.BUSY, "a")])
    assert len(drive(engine, clock, [lambda e: e.set_manual(Status.BUSY, "b")])) == 1
    assert drive(engine, clock, [lambda e: e.set_manual(Status.BUSY, "b")]) == []


def test_no_flap_when_the_detector_rereads_at_the_threshold() -> None:
    """The detector re-reads when the threshold could be crossed; input in between wins."""
    engine, clock = make_engine()
    drive(engine, clock, [IdleObserved(100)])
    wake = engine.next_wakeup()
    assert wake is not None
    clock.advance((wake - clock.now()).total_seconds() - IDLE_READING_GRACE)
    assert drive(engine, clock, [IdleObserved(4), (wake - clock.now()).total_seconds()]) == []
    assert engine.current.status is Status.AVAILABLE


def test_nothing_happening_means_no_wakeups() -> None:
    config = make_config(schedule=ScheduleSettings(enabled=False))
    engine, clock = make_engine(config)
    drive(engine, clock, [LockObserved(False), LocationObserved(HQ3), IdleObserved(400)])
    assert engine.next_wakeup() is None


def test_wakeups() -> None:
    config = make_config(
        rules=(
            RuleSettings("idle", "away", after=300.0),
            RuleSettings("idle", "offline", after=3600.0),
            RuleSettings("activeCall", "busy"),
            RuleSettings("activeMeeting", "busy"),
        )
    )
    engine, clock = make_engine(config)
    assert engine.next_wakeup() is None  # no afterHours rule: no schedule wake-ups
    drive(engine, clock, [IdleObserved(100)])
    # A worked-out crossing waits a moment for the detector's fresh reading.
    assert engine.next_wakeup() == START + timedelta(seconds=200 + IDLE_READING_GRACE)
    drive(engine, clock, [250])
    assert engine.current.status is Status.AWAY
    assert engine.next_wakeup() == START + timedelta(seconds=3500 + IDLE_READING_GRACE)
    drive(engine, clock, [IdleObserved(0), CallObserved(True)])
    assert engine.next_wakeup() == clock.now() + timedelta(seconds=2)
    drive(engine, clock, [IdleObserved(None), CallObserved(False)])
    standup = meeting("Standup", 600, 15)
    drive(engine, clock, [MeetingsObserved((standup,))])
    assert engine.next_wakeup() == standup.start
    drive(engine, clock, [(standup.start - clock.now()).total_seconds()])
    assert engine.next_wakeup() == standup.end
    drive(engine, clock, [15 * 60])
    assert engine.next_wakeup() is None


def test_after_hours_across_the_autumn_dst_change() -> None:
    """Friday 23 October 2026, 16:30 in Berlin; the clocks go back on Sunday 25th."""
    config = Config(schedule=ScheduleSettings(timezone="Europe/Berlin"))
    from agent.core.clock import ManualClock

    clock = ManualClock(berlin(2026, 10, 23, 16, 30))
    engine = Engine(EngineSettings.from_config(config), clock)
    engine.evaluate()
    seen: list[tuple[datetime, Status]] = []
    for _ in range(4):
        wake = engine.next_wakeup()
        assert wake is not None
        clock.advance((wake - clock.now()).total_seconds())
        change = engine.evaluate()
        assert change is not None
        seen.append((wake, change.state.status))
    assert seen == [
        (berlin(2026, 10, 23, 17, 0), Status.AWAY),
        (datetime(2026, 10, 26, 8, 0, tzinfo=UTC), Status.AVAILABLE),  # 09:00 CET
        (datetime(2026, 10, 26, 16, 0, tzinfo=UTC), Status.AWAY),
        (datetime(2026, 10, 27, 8, 0, tzinfo=UTC), Status.AVAILABLE),
    ]


def test_after_hours_across_the_spring_dst_change() -> None:
    engine, clock = make_engine(start=berlin(2026, 3, 27, 18, 0))
    assert engine.current.reason == "rule:afterHours"
    assert engine.next_wakeup() == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST


@pytest.mark.parametrize(
    ("steps", "text"),
    [
        ([IdleObserved(360)], "idle for 6 min"),
        ([IdleObserved(30), 273], "idle for 5 min"),
        ([CallObserved(True, "zoom"), 2], "on a call (zoom)"),
        ([CallObserved(True), 2], "on a call"),
        ([MeetingsObserved((meeting("Standup", -60, 15),))], "in a meeting: Standup"),
        ([LockObserved(True)], "screen locked"),
        ([9 * 3600.0], "outside working hours"),
        ([SleepObserved(True)], "computer asleep"),
        (
            [lambda e: e.set_manual(Status.DND, until=e.resolve_until("14:30"))],
            "set by you until 14:30",
        ),
        (
            [lambda e: e.set_manual(Status.DND, until=e.resolve_until("tomorrow"))],
            "set by you until Thu 09:00",
        ),
        ([lambda e: e.set_manual(Status.DND)], "set by you"),
        ([lambda e: e.pause(e.resolve_until("15:00"))], "updates paused until 15:00"),
        ([], "no rule applies"),
    ],
)
def test_reason_text(steps: list[object], text: str) -> None:
    engine, clock = make_engine()
    drive(engine, clock, steps)  # type: ignore[arg-type]
    assert engine.snapshot()["reason_text"] == text


def test_location_and_remote_reason_text() -> None:
    config = make_config(
        rules=(RuleSettings("location", "busy", location="hq"), RuleSettings("remote", "busy"))
    )
    engine, clock = make_engine(config)
    drive(engine, clock, [LocationObserved(HQ3)])
    assert engine.snapshot()["reason_text"] == "at HQ level 3"
    drive(engine, clock, [LocationObserved(None), 30])
    assert engine.snapshot()["reason_text"] == "not at a known location"


def test_snapshot_is_json_and_complete() -> None:
    import json

    engine, clock = make_engine()
    standup = meeting("Standup", 600, 15, join_url="https://meet.example/x")
    drive(
        engine,
        clock,
        [
            IdleObserved(12),
            LocationObserved(HQ3),
            MeetingsObserved((standup,)),
            CallObserved(True, "zoom"),
            3,
            lambda e: e.set_manual(Status.DND, "Focus", e.resolve_until("1h")),
            lambda e: e.pause(None),
        ],
    )
    snapshot = json.loads(json.dumps(engine.snapshot()))
    assert snapshot["override"] == {
        "status": "dnd",
        "message": "Focus",
        "until": (START + timedelta(seconds=3, hours=1)).isoformat(),
        "origin": None,
    }
    assert snapshot["paused"] is True and snapshot["paused_until"] is None
    assert snapshot["pinned_location"] is None
    assert snapshot["meeting"] is None
    assert snapshot["next_meeting"]["title"] == "Standup"
    assert snapshot["next_meeting"]["join_url"] == "https://meet.example/x"
    assert snapshot["signals"] == {
        "idle_seconds": 15.0,
        "locked": None,
        "in_call": True,
        "call_app": "zoom",
        "in_meeting": False,
        "after_hours": False,
        "location": {"id": "hq-3", "type": "level", "name": "HQ level 3"},
        "remote": False,
        "sleeping": False,
    }


def test_settings_problems_are_reported_and_fixed() -> None:
    config = Config(
        schedule=ScheduleSettings(timezone="Nowhere/Land", days=("mon", "funday"), start="9"),
        rules=(RuleSettings("bogus", "away"),),
    )
    from agent.config.schema import LocationSettings

    config = Config(
        schedule=config.schedule, rules=config.rules, location=LocationSettings(mode="street")
    )
    settings = EngineSettings.from_config(config)
    assert any(p.startswith("schedule.timezone: unknown time zone") for p in settings.problems)
    assert any(p.startswith("schedule.days: unknown day(s) funday") for p in settings.problems)
    assert any(p.startswith("schedule: '9' is not a time") for p in settings.problems)
    assert any(p.startswith("rules[0].condition") for p in settings.problems)
    assert any(p.startswith("location.mode") for p in settings.problems)
    assert settings.location_mode == "full" and settings.schedule.start == "09:00"

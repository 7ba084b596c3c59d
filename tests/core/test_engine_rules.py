"""Scenario tables: signals in, the status (and why) out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from agent.config.schema import CallSettings, IdleSettings, RuleSettings
from agent.core.model import Status
from agent.core.signals import (
    CallObserved,
    IdleObserved,
    LocationObserved,
    LockObserved,
    MeetingsObserved,
)

from .harness import HQ3, LAB, drive, make_config, make_engine, meeting

HOUR = 3600.0
STANDUP = meeting("Standup", 60, 15)
CANCELLED = meeting("Cancelled", 60, 15, cancelled=True)

DEFAULTS: list[Any] = [
    ("nothing known", [], (Status.AVAILABLE, "", "default")),
    ("unknown signals never match", [IdleObserved(None), LockObserved(None)], None),
    ("call of 1.9 s does not count", [CallObserved(True, "zoom"), 1.9], None),
    (
        "call of 2 s counts",
        [CallObserved(True, "zoom"), 2],
        (Status.BUSY, "On a call", "rule:activeCall"),
    ),
    (
        "call held 15 s after it ends",
        [CallObserved(True), 5, CallObserved(False), 14.9],
        (Status.BUSY, "On a call", "rule:activeCall"),
    ),
    ("call over after the hold", [CallObserved(True), 5, CallObserved(False), 15], None),
    (
        "meeting in progress",
        [MeetingsObserved((STANDUP,)), 60],
        (Status.BUSY, "In a meeting", "rule:activeMeeting"),
    ),
    ("meeting not yet started", [MeetingsObserved((STANDUP,)), 59], None),
    ("meeting over", [MeetingsObserved((STANDUP,)), 60 + 15 * 60], None),
    ("cancelled meeting ignored", [MeetingsObserved((CANCELLED,)), 120], None),
    ("locked", [LockObserved(True)], (Status.AWAY, "", "rule:locked")),
    ("unlocked is immediate", [LockObserved(True), 1, LockObserved(False)], None),
    ("idle below the threshold", [IdleObserved(299)], None),
    ("idle at the threshold", [IdleObserved(300)], (Status.AWAY, "", "rule:idle")),
    ("idle worked out waits for a reading", [IdleObserved(100), 202.9], None),
    ("idle grows with time", [IdleObserved(100), 203], (Status.AWAY, "", "rule:idle")),
    ("activity returns at once", [IdleObserved(400), 1, IdleObserved(0.5)], None),
    ("a pushed reading is not worked out", [IdleObserved(0.5, pushed=True), 3600], None),
    (
        "a pushed crossing counts at once",
        [IdleObserved(0.5, pushed=True), 299.5, IdleObserved(300, pushed=True)],
        (Status.AWAY, "", "rule:idle"),
    ),
    (
        "after hours",
        [9 * HOUR],  # 19:00
        (Status.AWAY, "Outside working hours", "rule:afterHours"),
    ),
    (
        "a call while idle stays busy",
        [IdleObserved(1000), CallObserved(True, "teams"), 3],
        (Status.BUSY, "On a call", "rule:activeCall"),
    ),
    (
        "a locked user on a call stays busy",
        [CallObserved(True), 3, LockObserved(True)],
        (Status.BUSY, "On a call", "rule:activeCall"),
    ),
    (
        "a call outranks a meeting",
        [MeetingsObserved((STANDUP,)), CallObserved(True), 61],
        (Status.BUSY, "On a call", "rule:activeCall"),
    ),
    (
        "locked outranks idle",
        [IdleObserved(1000), LockObserved(True)],
        (Status.AWAY, "", "rule:locked"),
    ),
    (
        "idle outranks after hours",
        [9 * HOUR, IdleObserved(1000)],
        (Status.AWAY, "", "rule:idle"),
    ),
]


@pytest.mark.parametrize(
    ("steps", "expected"), [pytest.param(s, e, id=name) for name, s, e in DEFAULTS]
)
def test_default_rules(steps: list[Any], expected: tuple[Status, str, str] | None) -> None:
    engine, clock = make_engine()
    drive(engine, clock, steps)
    state = engine.current
    assert (state.status, state.message, state.reason) == (
        expected or (Status.AVAILABLE, "", "default")
    )


CUSTOM: list[Any] = [
    (
        "lock is not away when told so",
        {"idle": IdleSettings(lock_is_away=False)},
        [LockObserved(True)],
        (Status.AVAILABLE, "default"),
    ),
    (
        "idle rule with its own threshold",
        {"rules": (RuleSettings("idle", "away", after=600.0),)},
        [IdleObserved(599)],
        (Status.AVAILABLE, "default"),
    ),
    (
        "idle rule with its own threshold, crossed",
        {"rules": (RuleSettings("idle", "away", after=600.0),)},
        [IdleObserved(599), 4],
        (Status.AWAY, "rule:idle"),
    ),
    (
        "location rule matches the place",
        {"rules": (RuleSettings("location", "dnd", location="lab"),)},
        [LocationObserved(LAB)],
        (Status.DND, "rule:location"),
    ),
    (
        "location rule matches a building from its level",
        {"rules": (RuleSettings("location", "dnd", location="hq"),)},
        [LocationObserved(HQ3)],
        (Status.DND, "rule:location"),
    ),
    (
        "location rule elsewhere",
        {"rules": (RuleSettings("location", "dnd", location="hq"),)},
        [LocationObserved(LAB)],
        (Status.AVAILABLE, "default"),
    ),
    (
        "remote",
        {"rules": (RuleSettings("remote", "busy", message="Remote"),)},
        [LocationObserved(None)],
        (Status.BUSY, "rule:remote"),
    ),
    (
        "remote needs a location reading",
        {"rules": (RuleSettings("remote", "busy"),)},
        [],
        (Status.AVAILABLE, "default"),
    ),
    (
        "location mode off never matches a place",
        {"rules": (RuleSettings("remote", "busy"),), "location": None},
        [LocationObserved(None)],
        (Status.AVAILABLE, "default"),
    ),
    (
        "first match wins",
        {"rules": (RuleSettings("locked", "dnd"), RuleSettings("locked", "away"))},
        [LockObserved(True)],
        (Status.DND, "rule:locked"),
    ),
    (
        "a meeting app capturing the microphone is a meeting",
        {"rules": (RuleSettings("activeMeeting", "dnd", message="In a meeting"),)},
        [CallObserved(True, "Zoom", meeting_app=True), 3],
        (Status.DND, "rule:activeMeeting"),
    ),
    (
        "any other app capturing the microphone is only a call",
        {"rules": (RuleSettings("activeMeeting", "dnd"),)},
        [CallObserved(True, "Dictation"), 3],
        (Status.AVAILABLE, "default"),
    ),
    (
        "custom call debounce",
        {"call": CallSettings(min_duration=10.0)},
        [CallObserved(True), 9],
        (Status.AVAILABLE, "default"),
    ),
]


@pytest.mark.parametrize(
    ("changes", "steps", "expected"),
    [pytest.param(c, s, e, id=name) for name, c, s, e in CUSTOM],
)
def test_configured_rules(
    changes: dict[str, Any], steps: list[Any], expected: tuple[Status, str]
) -> None:
    mode = "full"
    if "location" in changes and changes.pop("location") is None:
        mode = "off"
    engine, clock = make_engine(make_config(mode, **changes))
    drive(engine, clock, steps)
    assert (engine.current.status, engine.current.reason) == expected


def test_sleep_is_away_at_once_and_resume_forgets_idle() -> None:
    from agent.core.signals import SleepObserved

    engine, clock = make_engine()
    changes = drive(engine, clock, [IdleObserved(10), SleepObserved(True)])
    assert changes[-1].state.status is Status.AWAY and changes[-1].state.reason == "sleep"
    # Four hours later the pre-sleep reading would say "idle for 4 h": it is stale.
    drive(engine, clock, [4 * 3600, SleepObserved(False)])
    assert engine.current.status is Status.AVAILABLE
    assert engine.snapshot()["signals"]["idle_seconds"] is None
    drive(engine, clock, [IdleObserved(400)])
    assert engine.current.reason == "rule:idle"


def test_a_pushed_idle_reading_sets_no_wakeup_of_its_own() -> None:
    """The source pushes the crossing itself: the engine sleeps until something happens."""
    engine, clock = make_engine(make_config(mode="off"))
    drive(engine, clock, [IdleObserved(10, pushed=True)])
    assert engine.next_wakeup() is None or engine.next_wakeup() > clock.now() + timedelta(hours=1)
    drive(engine, clock, [IdleObserved(10)])
    assert engine.next_wakeup() == clock.now() + timedelta(seconds=300 + 3 - 10)

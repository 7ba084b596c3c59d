"""Properties over random signal sequences, choices and clock advances."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.config.schema import Config, RuleSettings
from agent.core.engine import EngineSettings
from agent.core.model import PresenceState, Status
from agent.core.signals import (
    CallObserved,
    IdleObserved,
    LocationObserved,
    LockObserved,
    Meeting,
    MeetingsObserved,
    SleepObserved,
)

from .harness import HQ, HQ3, LAB, START, make_config, make_engine

PLACES = st.sampled_from([None, HQ, HQ3, LAB])
# Whole milliseconds, so that halving an advance lands on the same microsecond.
MILLISECONDS = st.one_of(st.integers(0, 5_000), st.integers(0, 120_000), st.integers(0, 40_000_000))
DURATIONS = st.one_of(st.none(), st.floats(1, 20_000, allow_nan=False))

meetings = st.builds(
    lambda offset, minutes, cancelled, title: Meeting(
        uid=title,
        title=title,
        start=START + timedelta(seconds=offset),
        end=START + timedelta(seconds=offset, minutes=minutes),
        cancelled=cancelled,
    ),
    st.floats(-3600, 2 * 86400, allow_nan=False),
    st.integers(1, 120),
    st.booleans(),
    st.sampled_from(["Standup", "Review", "1:1"]),
)
observations = st.one_of(
    st.builds(IdleObserved, st.one_of(st.none(), st.floats(0, 5000, allow_nan=False))),
    st.builds(LockObserved, st.one_of(st.none(), st.booleans())),
    st.builds(CallObserved, st.booleans(), st.sampled_from([None, "zoom"])),
    st.builds(MeetingsObserved, st.lists(meetings, max_size=4).map(tuple)),
    st.builds(LocationObserved, PLACES),
    st.builds(SleepObserved, st.booleans()),
)
actions = st.one_of(
    st.tuples(st.just("advance"), MILLISECONDS),
    st.tuples(st.just("advance"), MILLISECONDS),
    st.tuples(st.just("observe"), observations),
    st.tuples(st.just("observe"), observations),
    st.tuples(st.just("manual"), st.sampled_from(list(Status)), DURATIONS),
    st.tuples(st.just("clear")),
    st.tuples(st.just("pause"), DURATIONS),
    st.tuples(st.just("resume")),
    st.tuples(st.just("pin"), PLACES),
    st.tuples(st.just("reconfigure"), st.sampled_from(["off", "site", "full"]), st.booleans()),
)
CUSTOM_RULES = (
    RuleSettings("location", "dnd", location="hq"),
    RuleSettings("remote", "invisible"),
    RuleSettings("idle", "offline", after=3600.0),
    RuleSettings("activeCall", "busy", message="Call"),
    RuleSettings("idle", "away", after=120.0),
    RuleSettings("afterHours", "away"),
)
configs = st.builds(
    lambda mode, custom: make_config(mode, rules=CUSTOM_RULES if custom else ()),
    st.sampled_from(["off", "site", "full"]),
    st.booleans(),
)

Visible = tuple[Any, ...]


@dataclass
class Run:
    changes: list[tuple[datetime, Visible, str]]
    wakeups: list[datetime | None]
    final: tuple[Visible, str]


def replay(config: Config, steps: list[tuple[Any, ...]], split: bool = False) -> Run:
    """Run ``steps``; check the per-step properties; ``split`` halves every advance."""
    engine, clock = make_engine(config)
    changes: list[tuple[datetime, Visible, str]] = []
    wakeups: list[datetime | None] = []
    override: tuple[Status, datetime | None] | None = None
    last: PresenceState | None = None

    def evaluate() -> None:
        nonlocal last, override
        change = engine.evaluate()
        now = clock.now()
        if change is not None:
            state = change.state
            # No two consecutive emitted states look the same to a backend.
            assert last is None or state.visible() != last.visible()
            # Never a location while invisible or offline.
            assert not (state.status.hides_location and state.location is not None)
            last = state
            changes.append((change.at, state.visible(), state.reason))
        if override is not None and override[1] is not None and override[1] <= now:
            override = None
        current = engine.current
        if override is not None:  # a manual override always wins until it expires
            assert (current.status, current.reason) == (override[0], "manual")
        else:
            assert current.reason != "manual"
        assert not (current.status.hides_location and current.location is not None)

    evaluate()
    for step in steps:
        kind = step[0]
        if kind == "advance":
            wake = engine.next_wakeup()
            wakeups.append(wake)
            millis = step[1]
            parts = [millis // 2, millis - millis // 2] if split else [millis]
            for part in parts:
                clock.advance(part / 1000)
                before = len(changes)
                evaluate()
                # Nothing changes before the announced wake-up (zero needless wake-ups
                # is only safe when no change is ever missed).
                if wake is None or clock.now() < wake:
                    assert len(changes) == before, (wake, clock.now())
            continue
        if kind == "observe":
            engine.observe(step[1])
        elif kind == "manual":
            status, duration = step[1], step[2]
            until = clock.now() + timedelta(seconds=duration) if duration else None
            engine.set_manual(status, "by hand", until)
            override = None if status is Status.AVAILABLE else (status, until)
        elif kind == "clear":
            engine.clear_manual()
            override = None
        elif kind == "pause":
            engine.pause(clock.now() + timedelta(seconds=step[1]) if step[1] else None)
        elif kind == "resume":
            engine.resume()
        elif kind == "pin":
            engine.pin_location(step[1])
        elif kind == "reconfigure":
            rules = CUSTOM_RULES if step[2] else ()
            engine.reconfigure(EngineSettings.from_config(make_config(step[1], rules=rules)))
        evaluate()
    return Run(changes, wakeups, (engine.current.visible(), engine.current.reason))


@settings(max_examples=150, deadline=None)
@given(config=configs, steps=st.lists(actions, max_size=40))
def test_properties_hold_and_replay_is_deterministic(
    config: Config, steps: list[tuple[Any, ...]]
) -> None:
    first = replay(config, steps)
    assert replay(config, steps) == first


@settings(max_examples=100, deadline=None)
@given(config=configs, steps=st.lists(actions, max_size=30))
def test_output_depends_on_signals_and_clock_not_on_how_often_asked(
    config: Config, steps: list[tuple[Any, ...]]
) -> None:
    assert replay(config, steps, split=True).final == replay(config, steps).final

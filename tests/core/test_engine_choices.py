"""What the user chooses by hand: overrides, pause, pinned place, and restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent.core.model import Status
from agent.core.signals import CallObserved, IdleObserved, LocationObserved, LockObserved

from .harness import BERLIN, HQ, HQ3, LAB, LOCATIONS, START, drive, make_config, make_engine

MINUTE = 60.0


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("30m", START + timedelta(minutes=30)),
        ("1h", START + timedelta(hours=1)),
        ("2h", START + timedelta(hours=2)),
        ("4h", START + timedelta(hours=4)),
        ("today", berlin(2026, 3, 25, 17, 0)),
        ("tomorrow", berlin(2026, 3, 26, 9, 0)),
        ("week", berlin(2026, 3, 27, 17, 0)),
        ("14:30", berlin(2026, 3, 25, 14, 30)),
        ("08:00", berlin(2026, 3, 26, 8, 0)),
        ("2026-03-30T12:00", berlin(2026, 3, 30, 12, 0)),
        ("2026-03-30T12:00+00:00", datetime(2026, 3, 30, 12, 0, tzinfo=UTC)),
        ("", None),
        ("never", None),
    ],
)
def test_resolve_until(spec: str, expected: datetime | None) -> None:
    engine, _ = make_engine()
    assert engine.resolve_until(spec) == expected


@pytest.mark.parametrize("spec", ["soon", "0m", "2020-01-01T00:00", "25:00", "-5m"])
def test_resolve_until_refuses(spec: str) -> None:
    engine, _ = make_engine()
    with pytest.raises(ValueError):
        engine.resolve_until(spec)


def test_today_after_work_is_midnight() -> None:
    engine, _ = make_engine(start=berlin(2026, 3, 25, 19, 0))
    assert engine.resolve_until("today") == berlin(2026, 3, 26, 0, 0)


@pytest.mark.parametrize("spec", ["30m", "1h", "2h", "4h", "today", "tomorrow", "week", "never"])
def test_override_wins_until_it_expires(spec: str) -> None:
    engine, clock = make_engine()
    until = engine.resolve_until(spec)
    changes = drive(
        engine, clock, [lambda e: e.set_manual(Status.DND, "Focus", until), LockObserved(True)]
    )
    assert changes[-1].state.status is Status.DND and changes[-1].state.until == until
    assert changes[-1].state.reason == "manual"
    if until is None:
        assert engine.next_wakeup() is None or engine.next_wakeup() != until
        drive(engine, clock, [30 * 24 * 3600.0])
        assert engine.current.status is Status.DND
        return
    assert engine.next_wakeup() == until
    clock.advance((until - clock.now()).total_seconds() - 1)
    assert engine.evaluate() is None
    clock.advance(1)
    change = engine.evaluate()
    assert change is not None
    assert change.state.status is Status.AWAY and change.state.reason == "rule:locked"
    assert change.previous is not None and change.previous.status is Status.DND
    assert engine.saved_state().override is None


def test_available_clears_the_override() -> None:
    engine, clock = make_engine()
    drive(engine, clock, [LockObserved(True), lambda e: e.set_manual(Status.BUSY)])
    assert engine.current.status is Status.BUSY
    drive(engine, clock, [lambda e: e.set_manual(Status.AVAILABLE, "ignored")])
    assert engine.current.status is Status.AWAY
    drive(engine, clock, [lambda e: e.set_manual(Status.DND), lambda e: e.clear_manual()])
    assert engine.current.reason == "rule:locked"


def test_override_in_the_past_is_no_override() -> None:
    engine, clock = make_engine()
    drive(engine, clock, [lambda e: e.set_manual(Status.BUSY, until=START - timedelta(1))])
    assert engine.current.status is Status.AVAILABLE


def test_naive_until_is_in_the_schedule_zone() -> None:
    engine, clock = make_engine()
    drive(engine, clock, [lambda e: e.set_manual(Status.BUSY, until=datetime(2026, 3, 25, 12))])
    assert engine.current.until == berlin(2026, 3, 25, 12, 0)


def test_override_survives_a_restart_with_the_remaining_time() -> None:
    engine, clock = make_engine()
    until = engine.resolve_until("2h")
    drive(engine, clock, [lambda e: e.set_manual(Status.DND, "Focus", until)])
    saved = type(engine.saved_state()).from_json(engine.saved_state().to_json())
    later = clock.now() + timedelta(minutes=45)
    restarted, clock2 = make_engine(start=later, saved=saved)
    change = restarted.evaluate()
    assert change is not None and change.previous is None
    assert change.state.status is Status.DND and change.state.until == until
    assert restarted.next_wakeup() == until
    # After expiry (while the agent was down) there is nothing left.
    gone, _ = make_engine(start=until + timedelta(seconds=1), saved=saved)
    assert gone.current.status is Status.AVAILABLE and gone.saved_state().override is None


def test_pause_keeps_the_status_whatever_the_signals_say() -> None:
    engine, clock = make_engine()
    drive(engine, clock, [IdleObserved(400)])
    assert engine.current.status is Status.AWAY
    until = engine.resolve_until("1h")
    changes = drive(engine, clock, [lambda e: e.pause(until), IdleObserved(0), CallObserved(True)])
    assert changes == []  # pausing changes nothing a backend sees
    drive(engine, clock, [10])
    assert engine.current.status is Status.AWAY and engine.current.reason == "paused"
    assert engine.next_wakeup() == until
    # A manual choice still works during the pause, and the pause holds after it.
    drive(engine, clock, [lambda e: e.set_manual(Status.DND)])
    assert engine.current.status is Status.DND
    drive(engine, clock, [lambda e: e.clear_manual()])
    assert engine.current.status is Status.AWAY
    clock.advance((until - clock.now()).total_seconds())
    change = engine.evaluate()
    assert change is not None and change.state.reason == "rule:activeCall"


def test_resume_and_pause_persistence() -> None:
    engine, clock = make_engine()
    drive(engine, clock, [LockObserved(True), lambda e: e.pause(None), LockObserved(False)])
    assert engine.current.status is Status.AWAY
    saved = engine.saved_state()
    restarted, _ = make_engine(start=clock.now() + timedelta(hours=3), saved=saved)
    assert restarted.current.status is Status.AWAY and restarted.current.reason == "paused"
    drive(engine, clock, [lambda e: e.resume()])
    assert engine.current.status is Status.AVAILABLE
    drive(engine, clock, [lambda e: e.pause(START - timedelta(1))])
    assert engine.saved_state().pause is None


def test_location_debounce_and_modes() -> None:
    engine, clock = make_engine()
    drive(engine, clock, [LocationObserved(HQ3)])
    assert engine.current.location == HQ3  # the first reading counts at once
    drive(engine, clock, [LocationObserved(LAB), 29])
    assert engine.current.location == HQ3
    assert engine.next_wakeup() == clock.now() + timedelta(seconds=1)
    drive(engine, clock, [1])
    assert engine.current.location == LAB
    drive(engine, clock, [LocationObserved(None), 30])
    assert engine.current.location is None

    site, clock = make_engine(make_config("site"))
    drive(site, clock, [LocationObserved(HQ3)])
    assert site.current.location == HQ
    off, clock = make_engine(make_config("off"))
    drive(off, clock, [LocationObserved(HQ3), LocationObserved(LAB)])
    assert off.current.location is None
    assert off.next_wakeup() == berlin(2026, 3, 25, 17, 0)  # end of work; no location wait


@pytest.mark.parametrize("status", [Status.INVISIBLE, Status.OFFLINE])
def test_no_location_while_invisible_or_offline(status: Status) -> None:
    engine, clock = make_engine()
    drive(engine, clock, [LocationObserved(HQ3)])
    changes = drive(engine, clock, [lambda e: e.set_manual(status)])
    assert changes[-1].state.location is None
    assert engine.current.location is None


def test_pinned_location_holds_until_the_network_changes() -> None:
    engine, clock = make_engine()
    drive(engine, clock, [LocationObserved(HQ3), lambda e: e.pin_location(LAB)])
    assert engine.current.location == LAB
    drive(engine, clock, [LocationObserved(HQ3), 60])  # same network view: pin stays
    assert engine.current.location == LAB
    saved = engine.saved_state()
    assert saved.pin is not None and saved.pin.network == "hq-3"
    drive(engine, clock, [LocationObserved(None)])  # the network changed: detect again
    assert engine.saved_state().pin is None
    assert engine.current.location == HQ3  # the new reading still has to settle
    drive(engine, clock, [30])
    assert engine.current.location is None
    drive(engine, clock, [lambda e: e.pin_location(LAB), lambda e: e.pin_location(None)])
    assert engine.saved_state().pin is None


def test_pin_survives_restart_on_the_same_network() -> None:
    engine, clock = make_engine()
    drive(engine, clock, [LocationObserved(HQ3), lambda e: e.pin_location(LAB)])
    restarted, clock = make_engine(saved=engine.saved_state())
    drive(restarted, clock, [LocationObserved(HQ3)])
    assert restarted.current.location == LAB


def test_reconfigure_keeps_choices_and_drops_a_removed_pin() -> None:
    from agent.config.schema import IdleSettings
    from agent.core.engine import EngineSettings

    engine, clock = make_engine()
    drive(engine, clock, [IdleObserved(200), lambda e: e.pin_location(LAB)])
    assert engine.current.status is Status.AVAILABLE
    engine.reconfigure(EngineSettings.from_config(make_config(idle=IdleSettings(away_after=120))))
    drive(engine, clock, [0])
    assert engine.current.status is Status.AWAY and engine.current.location == LAB
    engine.reconfigure(EngineSettings.from_config(make_config(locations=LOCATIONS[:1])))
    assert engine.saved_state().pin is None


def test_an_adopted_status_says_so_and_yields_to_the_next_manual_choice() -> None:
    """Issue 15: "Do not disturb — set on another device", until the user chooses."""
    engine, clock = make_engine()
    drive(engine, clock, [lambda e: e.set_manual(Status.DND, "", None, origin="audian")])
    snapshot = engine.snapshot()
    assert snapshot["reason_text"] == "set on another device"
    assert snapshot["override"]["origin"] == "audian"
    drive(engine, clock, [lambda e: e.set_manual(Status.BUSY, "Focus")])
    assert engine.snapshot()["reason_text"] == "set by you"
    assert engine.snapshot()["override"]["origin"] is None

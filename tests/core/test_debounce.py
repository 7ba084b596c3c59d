from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agent.core.debounce import Hysteresis, Settled

T0 = datetime(2026, 3, 25, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_hysteresis_needs_min_duration_and_holds_after() -> None:
    call = Hysteresis(2.0, 15.0)
    assert call.settle(at(0)) is None
    call.update(True, at(0))
    assert call.settle(at(1.9)) is False
    assert call.pending() == at(2)
    assert call.settle(at(2)) is True
    call.update(False, at(10))
    assert call.settle(at(24.9)) is True
    assert call.pending() == at(25)
    assert call.settle(at(25)) is False
    assert call.pending() is None


def test_hysteresis_ignores_blips() -> None:
    call = Hysteresis(2.0, 15.0)
    call.update(False, at(0))
    call.update(True, at(1))
    call.update(False, at(2.5))  # 1.5 s of capture: never a call
    assert call.settle(at(100)) is False
    call.update(True, at(100))
    call.update(False, at(110))
    call.update(True, at(111))  # back within the hold: one continuous call
    assert call.settle(at(111.5)) is True
    assert call.pending() is None


def test_hysteresis_zero_delays_follow_at_once() -> None:
    call = Hysteresis(0.0, 0.0)
    call.update(True, at(0))
    assert call.settle(at(0)) is True


def test_settled_first_reading_counts_at_once_then_needs_stability() -> None:
    place: Settled[str] = Settled(30.0)
    assert not place.known
    place.update("hq", at(0))
    assert place.settle(at(0)) == "hq"
    place.update("lab", at(10))
    assert place.settle(at(39)) == "hq"
    assert place.pending() == at(40)
    place.update("lab", at(20))  # the same new reading again does not restart the wait
    assert place.settle(at(40)) == "lab"
    place.update(None, at(50))
    place.update("lab", at(60))  # back before it settled: the change is cancelled
    assert place.pending() is None
    assert place.settle(at(1000)) == "lab"


def test_settled_a_different_candidate_restarts_the_wait() -> None:
    place: Settled[str] = Settled(30.0)
    place.update("hq", at(0))
    place.update("lab", at(10))
    place.update("home", at(20))
    assert place.pending() == at(50)
    assert place.settle(at(45)) == "hq"
    assert place.settle(at(50)) == "home"

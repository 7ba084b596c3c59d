"""Sleep detection against a mock logind: PrepareForSleep with a delay inhibitor."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import dbus
import pytest

from agent.core.signals import Observation, SleepObserved
from agent.detectors.sleep import SleepDetector
from agent.detectors.source_selection import Candidate
from agent.platform.linux.dbus_sleep import LogindSleep
from tests.platform.dbus_mocks import MANAGER_IFACE, logind_mock, private_system_bus
from tests.platform.loop_thread import LoopThread
from tests.support import wait_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="logind")


@pytest.fixture
def manager() -> Iterator[Any]:
    with private_system_bus(), logind_mock() as (manager, _session):
        yield manager


def held(manager: Any) -> int:
    return int(manager.InhibitorsHeld(dbus_interface=MANAGER_IFACE))


def prepare_for_sleep(manager: Any, sleeping: bool) -> None:
    manager.EmitSignal(MANAGER_IFACE, "PrepareForSleep", "b", [dbus.Boolean(sleeping)])


def sleeps(seen: list[Observation]) -> list[bool]:
    return [o.sleeping for o in seen if isinstance(o, SleepObserved)]


def test_inhibitor_held_until_ready_then_retaken_after_resume(
    manager: Any, loop: LoopThread
) -> None:
    seen: list[Observation] = []
    detector = SleepDetector([Candidate("logind", LogindSleep.open)])
    loop.run(detector.start(seen.append))
    try:
        wait_until(lambda: held(manager) == 1, what="delay inhibitor taken")
        calls = manager.GetMethodCalls("Inhibit")
        assert [str(a) for a in calls[0][1]][::3] == ["sleep", "delay"]
        prepare_for_sleep(manager, True)
        wait_until(lambda: sleeps(seen) == [True], what="about to sleep")
        assert held(manager) == 1  # the machine waits for us
        ready = seen[0].ready  # type: ignore[union-attr]
        assert ready is not None
        ready()  # the agent has sent "away"
        wait_until(lambda: held(manager) == 0, what="inhibitor released")
        prepare_for_sleep(manager, False)
        wait_until(lambda: sleeps(seen) == [True, False], what="resumed")
        wait_until(lambda: held(manager) == 1, what="inhibitor taken again")
    finally:
        loop.run(detector.stop())
    wait_until(lambda: held(manager) == 0, what="released on stop")


def test_inhibitor_released_after_the_hold_limit(manager: Any, loop: LoopThread) -> None:
    seen: list[Observation] = []
    detector = SleepDetector([Candidate("logind", LogindSleep.open)], hold_max=0.2)
    loop.run(detector.start(seen.append))
    try:
        wait_until(lambda: held(manager) == 1)
        prepare_for_sleep(manager, True)
        wait_until(lambda: sleeps(seen) == [True])
        wait_until(lambda: held(manager) == 0, timeout=3, what="released without ready()")
    finally:
        loop.run(detector.stop())


def test_no_logind_means_degraded_and_nothing_pushed(loop: LoopThread) -> None:
    with private_system_bus():
        seen: list[Observation] = []
        detector = SleepDetector([Candidate("logind", LogindSleep.open)])
        loop.run(detector.start(seen.append))
        wait_until(lambda: detector.report()[0].detail.startswith("not available"))
        assert detector.degraded and seen == []
        loop.run(detector.stop())

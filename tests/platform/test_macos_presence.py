"""macOS idle, lock and power sources with Quartz and the notification centres faked."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from agent.core.signals import LockObserved, Observation
from agent.detectors.lock import LockDetector
from agent.detectors.source_selection import Candidate
from agent.platform.macos.idle import QuartzIdle
from agent.platform.macos.lock import LOCKED, UNLOCKED, MacLock, screen_locked
from agent.platform.macos.notifications import DISTRIBUTED, WORKSPACE, Callbacks
from agent.platform.macos.power import DID_WAKE, WILL_SLEEP, MacPower
from tests.platform.loop_thread import LoopThread
from tests.support import wait_until


class FakeCenter:
    """Records the observed names; the test posts notifications from a thread."""

    def __init__(self) -> None:
        self.center = ""
        self.callbacks: Callbacks = {}
        self.stopped = False

    def observe(self, center: str, callbacks: Callbacks) -> Callable[[], None]:
        self.center = center
        self.callbacks = callbacks

        def stop() -> None:
            self.stopped = True

        return stop

    def post(self, name: str) -> threading.Thread:
        thread = threading.Thread(target=self.callbacks[name])
        thread.start()
        return thread


def test_missing_lock_key_means_unlocked() -> None:
    assert screen_locked({"kCGSSessionOnConsoleKey": True}) is False
    assert screen_locked({"CGSSessionScreenIsLocked": True}) is True
    with pytest.raises(OSError):
        screen_locked(None)  # no GUI session at all: the probe fails


def test_quartz_idle_and_its_errors(loop: LoopThread) -> None:
    source = loop.run(QuartzIdle.open(lambda: 12.5))
    assert loop.run(source.idle_seconds()) == 12.5
    with pytest.raises(OSError):
        loop.run(QuartzIdle.open(lambda: -1.0))


def test_mac_lock_from_session_then_distributed_notifications(loop: LoopThread) -> None:
    center = FakeCenter()

    async def open_() -> MacLock:
        return await MacLock.open(lambda: {}, center.observe)

    seen: list[Observation] = []
    detector = LockDetector([Candidate("macos-session", open_)])
    loop.run(detector.start(seen.append))
    wait_until(lambda: seen == [LockObserved(False, "macos-session")])
    assert center.center == DISTRIBUTED
    center.post(LOCKED).join()
    wait_until(lambda: seen[-1] == LockObserved(True, "macos-session"))
    center.post(UNLOCKED).join()
    wait_until(lambda: seen[-1] == LockObserved(False, "macos-session"))
    loop.run(detector.stop())
    assert center.stopped


def test_mac_sleep_holds_the_observer_until_released(loop: LoopThread) -> None:
    center = FakeCenter()
    source = loop.run(MacPower.open(center.observe, hold_limit=10))
    assert center.center == WORKSPACE
    sleeping = center.post(WILL_SLEEP)
    assert loop.run(source.next_event()) is True
    assert sleeping.is_alive()
    source.release()
    sleeping.join(5)
    assert not sleeping.is_alive()
    center.post(DID_WAKE).join()
    assert loop.run(source.next_event()) is False
    loop.run(source.close())
    assert center.stopped

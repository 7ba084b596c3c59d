"""Windows idle, lock and power sources with the OS calls replaced by fakes."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from agent.core.signals import IdleObserved, LockObserved, Observation, SleepObserved
from agent.detectors.idle import IdleDetector
from agent.detectors.lock import LockDetector
from agent.detectors.sleep import SleepDetector
from agent.detectors.source_selection import Candidate
from agent.platform.windows.idle import WindowsIdle, idle_milliseconds
from agent.platform.windows.lock import WindowsLock
from agent.platform.windows.power import WindowsPower
from agent.platform.windows.session_window import (
    PBT_APMRESUMEAUTOMATIC,
    PBT_APMRESUMESUSPEND,
    PBT_APMSUSPEND,
    WINDOW_GONE,
    WM_POWERBROADCAST,
    WM_WTSSESSION_CHANGE,
    WTS_SESSION_LOCK,
    WTS_SESSION_UNLOCK,
    Handler,
)
from tests.platform.loop_thread import LoopThread
from tests.support import wait_until

DAY_MS = 86_400_000


def test_idle_plain_difference() -> None:
    assert idle_milliseconds(1_000, 6_000) == 5_000


def test_idle_across_the_32_bit_tick_wrap() -> None:
    # GetTickCount64 is past 2**32 (49.7 days up); dwTime wrapped to a small number,
    # or was taken just before the wrap.
    assert idle_milliseconds(0xFFFF_FF00, (1 << 32) + 0x100) == 0x200
    now = 100 * DAY_MS
    assert idle_milliseconds((now - 3_000) & 0xFFFF_FFFF, now) == 3_000


def test_windows_idle_source_reads_seconds(loop: LoopThread) -> None:
    now = [200 * DAY_MS]
    source = loop.run(WindowsIdle.open(lambda: (now[0] - 7_500) & 0xFFFF_FFFF, lambda: now[0]))
    assert loop.run(source.idle_seconds()) == 7.5


def test_windows_idle_error_fails_the_probe_and_falls_back(loop: LoopThread) -> None:
    def failing() -> int:
        raise OSError("GetLastInputInfo failed")

    async def broken() -> WindowsIdle:
        return await WindowsIdle.open(failing, lambda: 0)

    async def spare() -> WindowsIdle:
        return await WindowsIdle.open(lambda: 0, lambda: 1_000)

    seen: list[Observation] = []
    detector = IdleDetector(
        [Candidate("windows-lastinput", broken), Candidate("spare", spare)], thresholds=[300]
    )
    loop.run(detector.start(seen.append))
    wait_until(lambda: seen)
    assert seen[0] == IdleObserved(1.0, "spare")
    assert "GetLastInputInfo failed" in detector.report()[0].detail
    loop.run(detector.stop())


class FakeWindow:
    """Stands in for the hidden window: the test delivers messages on a thread."""

    def __init__(self) -> None:
        self.handler: Handler | None = None
        self.stopped = False

    def watch(self, handler: Handler) -> Callable[[], None]:
        self.handler = handler

        def stop() -> None:
            self.stopped = True

        return stop

    def send(self, message: int, wparam: int) -> threading.Thread:
        assert self.handler is not None
        thread = threading.Thread(target=self.handler, args=(message, wparam))
        thread.start()
        return thread


def test_windows_lock_state_at_start_then_wts_notifications(loop: LoopThread) -> None:
    window = FakeWindow()

    async def open_() -> WindowsLock:
        return await WindowsLock.open(lambda: True, window.watch)

    seen: list[Observation] = []
    detector = LockDetector([Candidate("windows-wts", open_)])
    loop.run(detector.start(seen.append))
    wait_until(lambda: seen == [LockObserved(True, "windows-wts")], what="locked at start")
    window.send(WM_WTSSESSION_CHANGE, WTS_SESSION_UNLOCK).join()
    wait_until(lambda: seen[-1] == LockObserved(False, "windows-wts"))
    window.send(WM_WTSSESSION_CHANGE, 0x5).join()  # WTS_SESSION_LOGON: not a lock change
    window.send(WM_WTSSESSION_CHANGE, WTS_SESSION_LOCK).join()
    wait_until(lambda: seen[-1] == LockObserved(True, "windows-wts"))
    window.send(WINDOW_GONE, 0).join()
    wait_until(lambda: seen[-1] == LockObserved(None, "none"), what="window gone: unknown")
    assert window.stopped and detector.degraded
    loop.run(detector.stop())


def test_windows_lock_probe_error(loop: LoopThread) -> None:
    def failing() -> bool:
        raise OSError("OpenInputDesktop failed")

    window = FakeWindow()
    with pytest.raises(OSError):
        loop.run(WindowsLock.open(failing, window.watch))
    assert window.stopped


def test_windows_suspend_is_held_until_ready(loop: LoopThread) -> None:
    window = FakeWindow()

    async def open_() -> WindowsPower:
        return await WindowsPower.open(window.watch, hold_limit=10)

    seen: list[Observation] = []
    detector = SleepDetector([Candidate("windows-power", open_)])
    loop.run(detector.start(seen.append))
    wait_until(lambda: window.handler is not None)
    suspend = window.send(WM_POWERBROADCAST, PBT_APMSUSPEND)
    wait_until(lambda: seen, what="about to sleep")
    assert isinstance(seen[0], SleepObserved) and seen[0].sleeping
    assert suspend.is_alive()  # the window procedure has not returned: Windows waits
    assert seen[0].ready is not None
    seen[0].ready()
    suspend.join(5)
    assert not suspend.is_alive()
    window.send(WM_POWERBROADCAST, PBT_APMRESUMEAUTOMATIC).join()
    window.send(WM_POWERBROADCAST, PBT_APMRESUMESUSPEND).join()
    wait_until(lambda: len(seen) == 2)
    assert seen[1] == SleepObserved(False)
    again = window.send(WM_POWERBROADCAST, PBT_APMSUSPEND)
    wait_until(lambda: len(seen) == 3)
    assert [o.sleeping for o in seen if isinstance(o, SleepObserved)] == [True, False, True]
    seen[2].ready()  # type: ignore[union-attr]
    again.join(5)
    loop.run(detector.stop())


def test_windows_suspend_hold_has_a_limit(loop: LoopThread) -> None:
    window = FakeWindow()
    source = loop.run(WindowsPower.open(window.watch, hold_limit=0.1))
    window.send(WM_POWERBROADCAST, PBT_APMSUSPEND).join(5)  # returns without release()
    assert loop.run(source.next_event()) is True
    loop.run(source.close())

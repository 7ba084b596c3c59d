"""The lock and power watchers together, each on its own real hidden window (Wine lane).

Under Wine both watchers used to share one window class: the second ``RegisterClassW``
failed with error 1410 and its window ran the first watcher's procedure, so a lock arrived
twice and a suspend never reached the sleep source.
"""

from __future__ import annotations

import asyncio
import sys

import pytest

from agent.platform.windows.lock import WindowsLock
from agent.platform.windows.power import WindowsPower
from agent.platform.windows.session_window import (
    PBT_APMRESUMEAUTOMATIC,
    PBT_APMSUSPEND,
    WM_POWERBROADCAST,
    WM_WTSSESSION_CHANGE,
    WTS_SESSION_LOCK,
    WTS_SESSION_UNLOCK,
    watch_messages,
)
from tests.platform.loop_thread import LoopThread

pytestmark = pytest.mark.skipif(sys.platform != "win32", reason="real windows: the Wine lane")


def test_lock_and_power_watchers_each_get_their_own_messages(loop: LoopThread) -> None:
    from tests.platform.windows.win32_messages import broadcast, session_windows

    lock = loop.run(WindowsLock.open(is_locked=lambda: False))
    power = loop.run(WindowsPower.open(hold_limit=0.5))
    try:
        assert len(session_windows()) == 2
        broadcast(WM_WTSSESSION_CHANGE, WTS_SESSION_LOCK)
        assert loop.run(asyncio.wait_for(lock.changed(), 10)) is True
        broadcast(WM_POWERBROADCAST, PBT_APMSUSPEND)
        assert loop.run(asyncio.wait_for(power.next_event(), 10)) is True
        power.release()
        broadcast(WM_POWERBROADCAST, PBT_APMRESUMEAUTOMATIC)
        assert loop.run(asyncio.wait_for(power.next_event(), 10)) is False
        broadcast(WM_WTSSESSION_CHANGE, WTS_SESSION_UNLOCK)
        # The next lock event is the unlock: the lock was not delivered twice.
        assert loop.run(asyncio.wait_for(lock.changed(), 10)) is False
    finally:
        loop.run(lock.close())
        loop.run(power.close())
    assert session_windows() == []


def test_stopping_ends_the_thread_and_reports_the_window_gone() -> None:
    from agent.platform.windows.session_window import WINDOW_GONE

    seen: list[int] = []
    stops = [watch_messages(lambda message, _w: seen.append(message)) for _ in range(3)]
    for stop in stops:
        stop()
    assert seen.count(WINDOW_GONE) == 3

"""The idle detector on real sources: Xvfb with xdotool input, and a mock Mutter (push)."""

from __future__ import annotations

import sys
import time

import pytest

from agent.core.signals import IdleObserved, Observation
from agent.detectors.idle import IdleDetector
from agent.detectors.source_selection import Candidate
from agent.platform.linux.dbus_idle import MutterIdle
from agent.platform.linux.x11_idle import X11Idle
from tests.platform.dbus_mocks import mutter_mock
from tests.platform.loop_thread import LoopThread
from tests.platform.x_input import move_mouse
from tests.support import wait_until

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="X11 and D-Bus"),
    pytest.mark.usefixtures("x11_session"),
]


def idle_values(seen: list[Observation]) -> list[float | None]:
    return [o.idle_seconds for o in seen if isinstance(o, IdleObserved)]


def test_x11_goes_idle_and_notices_return_within_a_second(xvfb: object, loop: LoopThread) -> None:
    move_mouse()
    seen: list[Observation] = []
    detector = IdleDetector([Candidate("x11-screensaver", X11Idle.open)], thresholds=[0.8])
    loop.run(detector.start(seen.append))
    try:
        wait_until(lambda: any(v and v >= 0.8 for v in idle_values(seen)), what="idle")
        assert all(o.source == "x11-screensaver" for o in seen if isinstance(o, IdleObserved))
        count = len(seen)
        moved = time.monotonic()
        move_mouse()
        wait_until(lambda: any(v is not None and v < 0.8 for v in idle_values(seen)[count:]))
        assert time.monotonic() - moved < 1.0
        assert not detector.degraded
    finally:
        loop.run(detector.stop())


def test_mutter_push_wakes_the_detector_on_return(loop: LoopThread) -> None:
    with mutter_mock() as mutter:
        mutter.set_idle(600_000)
        seen: list[Observation] = []
        detector = IdleDetector([Candidate("gnome-mutter", MutterIdle.open)], thresholds=[300])
        loop.run(detector.start(seen.append))
        try:
            wait_until(lambda: mutter.calls("AddUserActiveWatch"), what="user-active watch")
            assert seen == [IdleObserved(600.0, "gnome-mutter")]  # no polling while idle
            mutter.set_idle(20)
            mutter.fire(1)
            wait_until(lambda: IdleObserved(0.02, "gnome-mutter") in seen, what="return")
        finally:
            loop.run(detector.stop())

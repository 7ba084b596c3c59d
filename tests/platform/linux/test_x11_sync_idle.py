"""The SYNC IDLETIME source on a real Xvfb: pushed away and back, no polling, no crash on loss.

Input is real: ``xdotool key`` goes through XTEST like a keyboard, ``xdotool mousemove``
moves the pointer. "No polling" is proven by the source's own counters: while the user
stays away for a while, the detector makes no read and the X connection never wakes
the loop.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from agent.core.signals import IdleObserved, Observation
from agent.detectors.idle import IdleDetector
from agent.detectors.source_selection import Candidate
from agent.platform.linux.x11_sync_idle import X11SyncIdle
from tests.benchmarks.desktop import _free_display
from tests.platform.idle_push_checks import Opened, away_then_back, idle_values
from tests.platform.loop_thread import LoopThread
from tests.platform.x_input import move_mouse
from tests.support import wait_until

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="X11"),
    pytest.mark.usefixtures("x11_session"),
]
THRESHOLD = 0.8


def tap_key() -> None:
    subprocess.run(["xdotool", "key", "shift"], check=True, timeout=10)


@pytest.fixture
def detector(
    xvfb: object, loop: LoopThread
) -> Iterator[tuple[IdleDetector, Opened, list[Observation]]]:
    opened = Opened(X11SyncIdle.open)
    detector = IdleDetector([Candidate("x11-sync", opened)], thresholds=[THRESHOLD])
    seen: list[Observation] = []
    move_mouse()
    loop.run(detector.start(seen.append))
    yield detector, opened, seen
    loop.run(detector.stop())


def test_away_after_the_threshold_is_read_at_or_past_it(
    detector: tuple[IdleDetector, Opened, list[Observation]],
) -> None:
    _, opened, seen = detector
    moved = time.monotonic()
    move_mouse()
    wait_until(lambda: any(v >= THRESHOLD for v in idle_values(seen)), what="away")
    late = time.monotonic() - moved - THRESHOLD
    assert late < 0.25, f"{late:.3f} s late"
    first = idle_values(seen)[0]
    assert first < THRESHOLD
    assert idle_values(seen)[1] >= THRESHOLD  # the engine counts it at once
    assert opened.source is not None and opened.source.reads == 3  # probe, start, crossing


def test_back_on_an_xtest_key_tap_without_polling(
    detector: tuple[IdleDetector, Opened, list[Observation]],
) -> None:
    _, opened, seen = detector
    away_then_back(seen, opened, THRESHOLD, tap_key)


def test_back_on_a_pointer_move_without_polling(
    detector: tuple[IdleDetector, Opened, list[Observation]],
) -> None:
    detector_, opened, seen = detector
    away_then_back(seen, opened, THRESHOLD, move_mouse)
    away_then_back(seen, opened, THRESHOLD, move_mouse)  # re-armed: the second round works alike
    assert all(o.source == "x11-sync" for o in seen if isinstance(o, IdleObserved))
    assert not detector_.degraded


def test_an_active_user_costs_one_read_per_threshold(
    detector: tuple[IdleDetector, Opened, list[Observation]],
) -> None:
    _, opened, seen = detector
    assert opened.source is not None
    wait_until(lambda: idle_values(seen), what="first reading")
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:  # the user keeps working: input every 0.2 s
        move_mouse()
        time.sleep(0.2)  # the pace of the simulated user, not a wait on the code
    # Never idle for the threshold: the one alarm armed never fired, nothing was read.
    assert opened.source.reads == 2 and opened.source.wakeups == 0
    assert len(idle_values(seen)) == 1


def test_a_killed_x_server_breaks_the_source_and_the_agent_lives(loop: LoopThread) -> None:
    number = _free_display()
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-noreset", "-nolisten", "tcp"], stderr=subprocess.DEVNULL
    )
    try:
        wait_until(lambda: os.path.exists(f"/tmp/.X11-unix/X{number}"), what="Xvfb")
        opened = Opened(lambda: X11SyncIdle.open(f":{number}"))
        detector = IdleDetector([Candidate("x11-sync", opened)], thresholds=[300])
        seen: list[Observation] = []
        loop.run(detector.start(seen.append))
        wait_until(lambda: idle_values(seen), what="first reading")
        server.kill()
        server.wait(10)
        wait_until(lambda: IdleObserved(None, "none") in seen, what="unknown after the loss")
        (row, _none) = detector.report()
        assert row.detail == "failed while running: lost the connection to the X server"
        loop.run(detector.stop())
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)


def test_refused_in_a_wayland_session(loop: LoopThread, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    with pytest.raises(RuntimeError, match="Wayland session"):
        loop.run(X11SyncIdle.open())

"""The Wayland idle sources on real compositors, driven by real input.

``org_kde_kwin_idle`` under Debian 12's headless sway 1.7 with ``wtype`` as the
keyboard; ``ext_idle_notifier_v1`` under the pywayland stand-in compositor (sway 1.7
does not offer it). Away after the threshold, back on input, and no reads while away:
the source's own counters prove that nothing polls.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.config.schema import Config, IdleSettings
from agent.core.signals import IdleObserved, Observation
from agent.detectors.idle import IdleDetector, idle_candidates
from agent.detectors.source_selection import Candidate
from agent.platform.linux.wayland_idle import ExtIdleNotify, KdeIdle
from tests.platform.idle_push_checks import Opened, away_then_back, idle_values
from tests.platform.loop_thread import LoopThread
from tests.platform.wayland_session import (
    IdleNotifyServer,
    headless_sway,
    idle_notify_server,
    type_key,
)
from tests.support import wait_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Wayland")
THRESHOLD = 0.8


@pytest.fixture(scope="module")
def sway() -> Iterator[Path]:
    with headless_sway() as socket:
        yield socket


@pytest.fixture
def compositor() -> Iterator[IdleNotifyServer]:
    with idle_notify_server() as server:
        yield server


def run_detector(
    loop: LoopThread, opened: Opened, name: str, thresholds: list[float]
) -> tuple[IdleDetector, list[Observation]]:
    detector = IdleDetector([Candidate(name, opened)], thresholds=thresholds)
    seen: list[Observation] = []
    loop.run(detector.start(seen.append))
    return detector, seen


def test_sway_kde_idle_away_and_back_on_wtype(
    sway: Path, loop: LoopThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", str(sway))
    opened = Opened(KdeIdle.open)
    type_key(sway)
    began = time.monotonic()
    detector, seen = run_detector(loop, opened, "wayland-kde-idle", [THRESHOLD])
    try:
        wait_until(lambda: any(v >= THRESHOLD for v in idle_values(seen)), what="away")
        assert time.monotonic() - began >= THRESHOLD
        away_then_back(seen, opened, THRESHOLD, lambda: type_key(sway))
        away_then_back(seen, opened, THRESHOLD, lambda: type_key(sway))
        assert all(o.source == "wayland-kde-idle" for o in seen if isinstance(o, IdleObserved))
    finally:
        loop.run(detector.stop())


def test_sway_is_served_by_kde_idle_and_doctor_says_why(
    sway: Path, loop: LoopThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", str(sway))
    detector = IdleDetector(idle_candidates(), thresholds=[300])
    loop.run(detector.start(lambda _o: None))
    try:
        rows = {r.source: r for r in detector.report()}
        assert rows["wayland-kde-idle"].in_use
        assert rows["wayland-ext-idle-notify"].detail == (
            "not available: the compositor does not offer ext_idle_notifier_v1"
        )
        assert rows["gnome-mutter"].detail.startswith("not available")
        assert rows["x11-sync"].detail == "not needed: wayland-kde-idle works"
        assert not detector.degraded
    finally:
        loop.run(detector.stop())


def test_ext_idle_notify_away_at_each_threshold_and_back_on_input(
    compositor: IdleNotifyServer, loop: LoopThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", str(compositor.socket))
    opened = Opened(ExtIdleNotify.open)
    detector, seen = run_detector(loop, opened, "wayland-ext-idle-notify", [0.4, THRESHOLD])
    try:
        wait_until(lambda: compositor.saw("idled 800"), what="the second threshold")
        wait_until(lambda: len(idle_values(seen)) == 3, what="a reading per crossing")
        first, at_small, at_large = idle_values(seen)
        assert first < 0.4 <= at_small < THRESHOLD <= at_large
        # Input-only notifications (version 2): an inhibitor is not the user at the keys.
        assert compositor.saw("notification 400 input") and compositor.saw("notification 800 input")
        away_then_back(seen, opened, THRESHOLD, compositor.user_input)
        wait_until(lambda: compositor.saw("resumed 400"), what="both resumed")
    finally:
        loop.run(detector.stop())
    wait_until(lambda: compositor.saw("destroyed 800"), what="notifications released on stop")


def test_new_thresholds_get_new_notifications(
    compositor: IdleNotifyServer, loop: LoopThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", str(compositor.socket))
    detector, _ = run_detector(loop, Opened(ExtIdleNotify.open), "wayland-ext-idle-notify", [300])
    try:
        wait_until(lambda: compositor.saw("notification 300000 input"), what="armed")
        config = Config(idle=IdleSettings(away_after=600.0))
        loop.loop.call_soon_threadsafe(detector.reconfigure, config)  # as the agent does
        wait_until(lambda: compositor.saw("notification 600000 input"), what="re-armed")
        wait_until(lambda: compositor.saw("destroyed 300000"), what="the old one released")
    finally:
        loop.run(detector.stop())


def test_a_killed_compositor_breaks_the_source_and_the_agent_lives(
    compositor: IdleNotifyServer, loop: LoopThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", str(compositor.socket))
    opened = Opened(ExtIdleNotify.open)
    detector, seen = run_detector(loop, opened, "wayland-ext-idle-notify", [300])
    try:
        wait_until(lambda: compositor.saw("notification 300000 input"), what="armed")
        compositor.process.kill()
        wait_until(lambda: IdleObserved(None, "none") in seen, what="unknown after the loss")
        row = detector.report()[0]
        assert row.detail.startswith("failed while running: lost the Wayland compositor")
    finally:
        loop.run(detector.stop())


def test_refused_without_a_wayland_display(
    loop: LoopThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    for kind in (ExtIdleNotify, KdeIdle):
        with pytest.raises(RuntimeError, match="not a Wayland session"):
            loop.run(kind.open())

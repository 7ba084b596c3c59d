"""The idle detector's schedule, fallback and report, with scripted sources."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence

import pytest

from agent.config.schema import Config, IdleSettings, RuleSettings
from agent.core.signals import IdleObserved, Observation
from agent.detectors.idle import IdleDetector, create_idle_detector, idle_thresholds, next_check
from agent.detectors.source_selection import Candidate, SourceBroken
from tests.platform.loop_thread import LoopThread
from tests.support import wait_until


def test_thresholds_come_from_away_after_and_idle_rules() -> None:
    config = Config(
        idle=IdleSettings(away_after=300.0),
        rules=(
            RuleSettings("idle", "away", after=900.0),
            RuleSettings("locked", "away", after=60.0),
            RuleSettings("idle", "away"),
        ),
    )
    assert idle_thresholds(config) == (300.0, 900.0)


def test_next_check_sleeps_until_the_first_crossing() -> None:
    assert next_check(10.0, (300.0, 900.0)) == (290.0, False)
    assert next_check(300.0, (300.0, 900.0)) == (600.0, True)
    assert next_check(1000.0, (300.0, 900.0)) == (None, True)
    assert next_check(299.999, (300.0,))[0] == pytest.approx(0.05)  # never a busy loop


class Scripted:
    """An idle source answering from a list; raises when told to."""

    def __init__(self, values: list[float | Exception]) -> None:
        self.values = values
        self.reads = 0
        self.closed = False

    async def idle_seconds(self) -> float:
        value = self.values[min(self.reads, len(self.values) - 1)]
        self.reads += 1
        if isinstance(value, Exception):
            raise value
        return value

    async def close(self) -> None:
        self.closed = True


def opener(source: Scripted | Exception):  # type: ignore[no-untyped-def]
    async def open_() -> Scripted:
        if isinstance(source, Exception):
            raise source
        return source

    return open_


def run(loop: LoopThread, detector: IdleDetector) -> list[Observation]:
    seen: list[Observation] = []
    loop.run(detector.start(seen.append))
    return seen


def test_active_user_is_read_once_per_threshold_not_polled(loop: LoopThread) -> None:
    source = Scripted([0.0])
    detector = IdleDetector([Candidate("fake", opener(source))], thresholds=[0.3])
    seen = run(loop, detector)
    wait_until(lambda: source.reads >= 3, what="re-reads at the threshold")
    loop.run(detector.stop())
    # three reads take at least 0.6 s: one per threshold period, no fixed-rate polling
    assert all(o == IdleObserved(0.0, "fake") for o in seen)
    assert source.closed


def test_past_the_threshold_it_polls_for_the_return(loop: LoopThread) -> None:
    source = Scripted([5.0, 5.5, 6.0, 0.1])
    detector = IdleDetector([Candidate("fake", opener(source))], thresholds=[2.0], away_poll=0.01)
    seen = run(loop, detector)
    wait_until(lambda: IdleObserved(0.1, "fake") in seen, what="return noticed")
    loop.run(detector.stop())
    assert seen[:4] == [IdleObserved(v, "fake") for v in (5.0, 5.5, 6.0, 0.1)]


def test_broken_source_is_replaced_without_restart(loop: LoopThread) -> None:
    broken = Scripted([1.0, SourceBroken("X server gone")])
    spare = Scripted([2.0])
    detector = IdleDetector(
        [
            Candidate("mutter", opener(RuntimeError("not GNOME"))),
            Candidate("x11", opener(broken)),
            Candidate("logind", opener(spare)),
        ],
        thresholds=[0.05],
        away_poll=0.01,
    )
    seen = run(loop, detector)
    wait_until(lambda: IdleObserved(2.0, "logind") in seen, what="fallback source")
    assert detector.degraded
    report = {r.source: r for r in detector.report()}
    assert report["logind"].in_use
    assert "X server gone" in report["x11"].detail
    assert "not GNOME" in report["mutter"].detail
    assert broken.closed
    loop.run(detector.stop())


def test_no_working_source_reads_unknown_never_active(loop: LoopThread) -> None:
    detector = IdleDetector([Candidate("x11", opener(OSError("no display")))], thresholds=[300])
    seen = run(loop, detector)
    wait_until(lambda: seen, what="an observation")
    assert seen[0] == IdleObserved(None, "none")
    assert detector.degraded
    assert detector.report()[-1].source == "none"
    loop.run(detector.stop())


def test_reconfigure_wakes_the_detector(loop: LoopThread) -> None:
    source = Scripted([10.0])
    detector = IdleDetector([Candidate("fake", opener(source))], thresholds=[3600.0])
    run(loop, detector)
    wait_until(lambda: source.reads == 1)
    loop.loop.call_soon_threadsafe(
        detector.reconfigure, Config(idle=IdleSettings(away_after=7200.0))
    )
    wait_until(lambda: source.reads == 2, what="a read with the new thresholds")
    loop.run(detector.stop())


def test_factory_builds_a_detector_with_this_os_sources() -> None:
    names = [r.source for r in create_idle_detector(Config()).report()]
    if sys.platform == "linux":
        assert names[:7] == [
            "gnome-mutter",
            "wayland-ext-idle-notify",
            "wayland-kde-idle",
            "x11-sync",
            "x11-screensaver",
            "freedesktop-screensaver",
            "logind",
        ]
    assert names[-2:] == ["pynput-input", "none"]  # last resort, and nothing before start


def test_refresh_reads_again_at_once(loop: LoopThread) -> None:
    source = Scripted([10.0])
    detector = IdleDetector([Candidate("fake", opener(source))], thresholds=[3600.0])
    run(loop, detector)
    wait_until(lambda: source.reads == 1)
    loop.loop.call_soon_threadsafe(detector.refresh)
    wait_until(lambda: source.reads == 2, what="a fresh read after resume")
    loop.run(detector.stop())


class ScriptedPush(Scripted):
    """A push source: ``wait_change`` returns only when the test pushes an event."""

    def __init__(self, values: list[float | Exception]) -> None:
        super().__init__(values)
        self.waits: list[tuple[float, tuple[float, ...]]] = []
        self.pushed: asyncio.Event | None = None

    async def wait_change(self, idle: float, thresholds: Sequence[float]) -> None:
        self.waits.append((idle, tuple(thresholds)))
        self.pushed = asyncio.Event()
        await self.pushed.wait()


def test_a_push_source_is_read_only_when_it_pushes(loop: LoopThread) -> None:
    source = ScriptedPush([0.0, 0.3, 0.01])
    detector = IdleDetector([Candidate("push", opener(source))], thresholds=[0.3, 0.6])
    seen = run(loop, detector)
    wait_until(lambda: source.waits == [(0.0, (0.3, 0.6))], what="the first wait")
    # Past both thresholds with no push: the detector does not read on its own timer.
    time.sleep(0.7)  # longer than any threshold: a measurement window, not a wait
    assert source.reads == 1
    for expected in ((0.3, (0.3, 0.6)), (0.01, (0.3, 0.6))):
        pushed = source.pushed
        assert pushed is not None
        loop.loop.call_soon_threadsafe(pushed.set)
        wait_until(lambda e=expected: source.waits[-1] == e, what=f"a wait after {expected}")
    assert [o for o in seen if isinstance(o, IdleObserved)] == [
        IdleObserved(0.0, "push", pushed=True),
        IdleObserved(0.3, "push", pushed=True),
        IdleObserved(0.01, "push", pushed=True),
    ]
    loop.run(detector.stop())
    assert source.closed

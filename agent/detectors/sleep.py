"""The machine going to sleep and waking up, with time to say "away" before it sleeps.

On "about to sleep" the detector pushes ``SleepObserved(True, ready=...)`` and keeps the
sleep waiting until ``ready`` is called or ``HOLD_MAX`` seconds pass, whichever is first.
On resume it takes its hold again and pushes ``SleepObserved(False)``, so the agent
re-reads its signals instead of trusting what it knew before the sleep.

Threading: runs on the agent's asyncio loop; ``ready`` may be called from any thread.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import Protocol

from agent.config.schema import Config
from agent.core.signals import SleepObserved
from agent.detectors.base import Sink
from agent.detectors.source_selection import Candidate, SupervisedDetector

HOLD_MAX = 5.0
"""Longest the machine is kept from sleeping (logind's default InhibitDelayMaxSec)."""


class SleepSource(Protocol):
    """Sleep (``True``) and resume (``False``) events, and the hold that delays sleeping."""

    async def next_event(self) -> bool: ...

    def release(self) -> None:
        """Let the pending sleep go ahead."""
        ...

    async def rearm(self) -> None:
        """Take the hold again after a resume."""
        ...

    async def close(self) -> None: ...


class SleepDetector(SupervisedDetector[SleepSource]):
    """Pushes ``SleepObserved`` around each sleep."""

    signal = "sleep"

    def __init__(
        self, candidates: Sequence[Candidate[SleepSource]], hold_max: float = HOLD_MAX
    ) -> None:
        super().__init__(candidates)
        self._hold_max = hold_max

    async def start(self, sink: Sink) -> None:
        await self._supervise(lambda n, s: self._watch(s, sink), lambda: None)

    async def _watch(self, source: SleepSource, sink: Sink) -> None:
        loop = asyncio.get_running_loop()
        hold: _Hold | None = None
        try:
            while True:
                if await source.next_event():
                    hold = _Hold(source, loop, self._hold_max)
                    sink(SleepObserved(True, ready=hold.ready))
                else:
                    if hold is not None:
                        hold.drop()
                    await source.rearm()
                    sink(SleepObserved(False))
        finally:
            await source.close()


class _Hold:
    """One pending sleep: released by ``ready`` or the deadline, once; dropped on resume."""

    def __init__(
        self, source: SleepSource, loop: asyncio.AbstractEventLoop, seconds: float
    ) -> None:
        self._source = source
        self._loop = loop
        self._open = True
        self._timer = loop.call_later(seconds, self._settle)

    def ready(self) -> None:
        self._loop.call_soon_threadsafe(self._settle)

    def drop(self) -> None:
        self._open = False
        self._timer.cancel()

    def _settle(self) -> None:
        if self._open:
            self.drop()
            self._source.release()


def create_sleep_detector(config: Config) -> SleepDetector:
    """The sleep detector with this OS's power notifications."""
    return SleepDetector(sleep_candidates())


def sleep_candidates() -> list[Candidate[SleepSource]]:
    if sys.platform == "win32":
        from agent.platform.windows.power import WindowsPower

        return [Candidate("windows-power", WindowsPower.open)]
    if sys.platform == "darwin":
        from agent.platform.macos.power import MacPower

        return [Candidate("macos-workspace", MacPower.open)]
    from agent.platform.linux.dbus_sleep import LogindSleep

    return [Candidate("logind", LogindSleep.open)]

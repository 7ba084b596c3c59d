"""Whether the session's screen is locked, pushed when it changes (no polling).

Threading: runs on the agent's asyncio loop; OS sources that listen on a thread of
their own hand their events to the loop themselves.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import Protocol

from agent.config.schema import Config
from agent.core.signals import LockObserved
from agent.detectors.base import Sink
from agent.detectors.source_selection import NO_SOURCE, Candidate, SupervisedDetector


class LockSource(Protocol):
    """The lock state now, and the state after each change; raises once broken."""

    async def locked(self) -> bool: ...

    async def changed(self) -> bool: ...

    async def close(self) -> None: ...


class LockDetector(SupervisedDetector[LockSource]):
    """Pushes ``LockObserved`` at start and whenever the lock state changes."""

    signal = "lock"

    def __init__(self, candidates: Sequence[Candidate[LockSource]]) -> None:
        super().__init__(candidates)
        self._refresh = asyncio.Event()

    async def start(self, sink: Sink) -> None:
        def unknown() -> None:
            sink(LockObserved(None, NO_SOURCE))

        await self._supervise(lambda n, s: self._watch(n, s, sink), unknown)

    def refresh(self) -> None:
        """Read the state again now and push it (after a resume)."""
        self._refresh.set()

    async def _watch(self, name: str, source: LockSource, sink: Sink) -> None:
        try:
            self._refresh.clear()
            last = await source.locked()
            sink(LockObserved(last, name))
            while True:
                state = await self._next_state(source)
                if state is None:
                    last = await source.locked()
                    sink(LockObserved(last, name))
                elif state != last:
                    last = state
                    sink(LockObserved(state, name))
        finally:
            await source.close()

    async def _next_state(self, source: LockSource) -> bool | None:
        """The next change from the source, or ``None`` when asked to refresh first."""
        change = asyncio.ensure_future(source.changed())
        refresh = asyncio.ensure_future(self._refresh.wait())
        try:
            await asyncio.wait({change, refresh}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            refresh.cancel()
            if not change.done():
                change.cancel()
            await asyncio.wait({change, refresh})
        if refresh.done() and not refresh.cancelled():
            self._refresh.clear()
        if change.done() and not change.cancelled():
            return change.result()
        return None


def create_lock_detector(config: Config) -> LockDetector:
    """The lock detector with this OS's sources in order of preference."""
    return LockDetector(lock_candidates())


def lock_candidates() -> list[Candidate[LockSource]]:
    if sys.platform == "win32":
        from agent.platform.windows.lock import WindowsLock

        return [Candidate("windows-wts", WindowsLock.open)]
    if sys.platform == "darwin":
        from agent.platform.macos.lock import MacLock

        return [Candidate("macos-session", MacLock.open)]
    from agent.platform.linux.dbus_lock import LogindLock, ScreenSaverLock

    return [
        Candidate("logind", LogindLock.open),
        Candidate("gnome-screensaver", ScreenSaverLock.open_gnome),
        Candidate("freedesktop-screensaver", ScreenSaverLock.open_freedesktop),
    ]

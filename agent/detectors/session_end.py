"""The user's session ending (log-out, restart, shutdown) as each OS announces it.

The agent reacts by taking its one clean stop path, which reports ``offline`` before
exiting; a source may hold the OS back meanwhile (logind's delay inhibitor, the macOS
observer thread) until :meth:`SessionEndWatcher.release`. SIGTERM and SIGINT reach
the same stop path through the signal handlers, the tray's Quit through IPC ``quit``.
Windows' ``WM_QUERYENDSESSION``/``WM_ENDSESSION`` and console-control events are
delivered by the session window in ``agent/platform/windows``, which calls the same
stop path.

Threading: everything here runs on the agent's asyncio loop; ``on_end`` is called on
it, at most once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

log = logging.getLogger(__name__)

OPEN_SECONDS = 5.0


class SessionEndSource(Protocol):
    """One OS's announcement that the session ends."""

    async def wait(self) -> str:
        """Return what ends (``"shutdown"``, ``"log-out"``, ``"power-off"``) when it does."""
        ...

    def release(self) -> None:
        """Let the OS go ahead (the agent has reported, or gave up waiting)."""
        ...

    async def close(self) -> None: ...


Opener = tuple[str, Callable[[], Awaitable[SessionEndSource]]]


class SessionEndWatcher:
    """Runs the first source that opens; tells ``on_end`` once when the session ends."""

    def __init__(self, openers: Sequence[Opener]) -> None:
        self._openers = openers
        self._source: SessionEndSource | None = None
        self._task: asyncio.Task[None] | None = None
        self.source_name = "none"
        self.notes: list[str] = []

    async def start(self, on_end: Callable[[str], None]) -> None:
        for name, open_source in self._openers:
            try:
                async with asyncio.timeout(OPEN_SECONDS):
                    self._source = await open_source()
            except Exception as error:
                self.notes.append(f"{name}: {error or type(error).__name__}")
                continue
            self.source_name = name
            self._task = asyncio.create_task(self._watch(self._source, on_end), name="session-end")
            return
        if self.notes:
            log.info("session end: no source (%s); quit and SIGTERM still go offline", self.notes)

    async def _watch(self, source: SessionEndSource, on_end: Callable[[str], None]) -> None:
        try:
            what = await source.wait()
        except Exception as error:  # the bus went away: SIGTERM still covers log-out
            log.warning("session end: %s stopped (%s)", self.source_name, error)
            return
        log.info("the session ends (%s, from %s)", what, self.source_name)
        on_end(what)

    def release(self) -> None:
        if self._source is not None:
            self._source.release()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task], timeout=1.0)
            self._task = None
        source, self._source = self._source, None
        if source is not None:
            with contextlib.suppress(Exception):
                await source.close()


def create_session_end_watcher() -> SessionEndWatcher:
    """The watcher with this OS's source (Windows: the session window's own hooks)."""
    return SessionEndWatcher(session_end_openers())


def session_end_openers() -> list[Opener]:
    if sys.platform == "win32":
        return []
    if sys.platform == "darwin":
        from agent.platform.macos.power_off import MacPowerOff

        return [("macos-workspace", MacPowerOff.open)]
    from agent.platform.linux.dbus_session_end import LogindSessionEnd

    return [("logind", LogindSessionEnd.open)]

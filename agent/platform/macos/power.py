"""Sleep and wake on macOS from ``NSWorkspaceWillSleepNotification``/``DidWake``.

The notification does not let an app veto sleep, but macOS waits for observers to
return before it proceeds, so the observer thread holds briefly while the agent sends.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from agent.platform.macos.notifications import WORKSPACE, Observe, observe

WILL_SLEEP = "NSWorkspaceWillSleepNotification"
DID_WAKE = "NSWorkspaceDidWakeNotification"
HOLD_LIMIT = 5.0


class MacPower:
    """Workspace notifications as sleep (``True``) / wake (``False``) events."""

    def __init__(self, loop: asyncio.AbstractEventLoop, hold_limit: float) -> None:
        self._loop = loop
        self._hold_limit = hold_limit
        self._events: asyncio.Queue[bool] = asyncio.Queue()
        self._released = threading.Event()
        self._stop: Callable[[], None] | None = None

    @classmethod
    async def open(
        cls, observe_with: Observe | None = None, hold_limit: float = HOLD_LIMIT
    ) -> MacPower:
        source = cls(asyncio.get_running_loop(), hold_limit)
        callbacks = {WILL_SLEEP: source._will_sleep, DID_WAKE: source._did_wake}
        source._stop = await asyncio.to_thread(observe_with or observe, WORKSPACE, callbacks)
        return source

    def _will_sleep(self) -> None:
        """On the observer thread: report, then hold until released (or the limit)."""
        self._released.clear()
        self._loop.call_soon_threadsafe(self._events.put_nowait, True)
        self._released.wait(self._hold_limit)

    def _did_wake(self) -> None:
        self._loop.call_soon_threadsafe(self._events.put_nowait, False)

    async def next_event(self) -> bool:
        return await self._events.get()

    def release(self) -> None:
        self._released.set()

    async def rearm(self) -> None:
        return None  # the hold is taken per notification

    async def close(self) -> None:
        self.release()
        stop, self._stop = self._stop, None
        if stop is not None:
            await asyncio.to_thread(stop)

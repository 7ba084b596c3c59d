"""Log-out, restart and shutdown on macOS: ``NSWorkspaceWillPowerOffNotification``.

macOS waits for observers to return before it goes on, so the observer thread holds
(at most ``HOLD_LIMIT`` seconds) until the agent has reported ``offline``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from agent.platform.macos.notifications import WORKSPACE, Observe, observe

WILL_POWER_OFF = "NSWorkspaceWillPowerOffNotification"
HOLD_LIMIT = 4.0


class MacPowerOff:
    """The workspace's power-off notification as one awaited event."""

    def __init__(self, loop: asyncio.AbstractEventLoop, hold_limit: float) -> None:
        self._loop = loop
        self._hold_limit = hold_limit
        self._ended: asyncio.Future[str] = loop.create_future()
        self._released = threading.Event()
        self._stop: Callable[[], None] | None = None

    @classmethod
    async def open(
        cls, observe_with: Observe | None = None, hold_limit: float = HOLD_LIMIT
    ) -> MacPowerOff:
        source = cls(asyncio.get_running_loop(), hold_limit)
        callbacks = {WILL_POWER_OFF: source._will_power_off}
        source._stop = await asyncio.to_thread(observe_with or observe, WORKSPACE, callbacks)
        return source

    def _will_power_off(self) -> None:
        """On the observer thread: report, then hold until released (or the limit)."""
        self._loop.call_soon_threadsafe(self._end)
        self._released.wait(self._hold_limit)

    def _end(self) -> None:
        if not self._ended.done():
            self._ended.set_result("power-off")

    async def wait(self) -> str:
        return await asyncio.shield(self._ended)

    def release(self) -> None:
        self._released.set()

    async def close(self) -> None:
        self.release()
        stop, self._stop = self._stop, None
        if stop is not None:
            await asyncio.to_thread(stop)

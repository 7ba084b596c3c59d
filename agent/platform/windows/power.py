"""Sleep and resume on Windows from ``WM_POWERBROADCAST``.

Windows suspends once the window procedure returns from ``PBT_APMSUSPEND`` (it allows
about two seconds), so the window thread waits there until the agent is ready.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from agent.platform.windows.session_window import (
    PBT_APMRESUMEAUTOMATIC,
    PBT_APMRESUMESUSPEND,
    PBT_APMSUSPEND,
    WINDOW_GONE,
    WM_POWERBROADCAST,
    Watch,
    watch_messages,
)

HOLD_LIMIT = 2.0
"""Longest the window thread holds a suspend: Windows does not wait much longer."""


class WindowsPower:
    """Power broadcasts as sleep (``True``) / resume (``False``) events."""

    def __init__(self, loop: asyncio.AbstractEventLoop, hold_limit: float = HOLD_LIMIT) -> None:
        self._loop = loop
        self._hold_limit = hold_limit
        self._events: asyncio.Queue[bool | None] = asyncio.Queue()
        self._released = threading.Event()
        self._asleep = False
        self._stop: Callable[[], None] | None = None

    @classmethod
    async def open(cls, watch: Watch | None = None, hold_limit: float = HOLD_LIMIT) -> WindowsPower:
        source = cls(asyncio.get_running_loop(), hold_limit)
        source._stop = await asyncio.to_thread(watch or watch_messages, source._on_message)
        return source

    def _on_message(self, message: int, wparam: int) -> None:
        """On the window thread; blocks on suspend until released (or the limit)."""
        if message == WINDOW_GONE:
            self._loop.call_soon_threadsafe(self._events.put_nowait, None)
        elif message != WM_POWERBROADCAST:
            return
        elif wparam == PBT_APMSUSPEND and not self._asleep:
            self._asleep = True
            self._released.clear()
            self._loop.call_soon_threadsafe(self._events.put_nowait, True)
            self._released.wait(self._hold_limit)
        elif wparam in (PBT_APMRESUMEAUTOMATIC, PBT_APMRESUMESUSPEND) and self._asleep:
            self._asleep = False  # both arrive after a user-initiated resume: report once
            self._loop.call_soon_threadsafe(self._events.put_nowait, False)

    async def next_event(self) -> bool:
        event = await self._events.get()
        if event is None:
            raise ConnectionError("the power notification window closed")
        return event

    def release(self) -> None:
        self._released.set()

    async def rearm(self) -> None:
        return None  # the hold is taken per suspend message

    async def close(self) -> None:
        self.release()
        stop, self._stop = self._stop, None
        if stop is not None:
            await asyncio.to_thread(stop)

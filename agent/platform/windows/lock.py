"""Screen lock on Windows: WTS lock/unlock notifications, and the input desktop at start.

While the workstation is locked the input desktop is Winlogon's: ``OpenInputDesktop``
fails, or ``SwitchDesktop`` to it does (for elevated processes that may open it).
"""

from __future__ import annotations

import asyncio
import ctypes
import sys
from collections.abc import Callable

from agent.platform.windows.session_window import (
    WINDOW_GONE,
    WM_WTSSESSION_CHANGE,
    WTS_SESSION_LOCK,
    WTS_SESSION_UNLOCK,
    Watch,
    watch_messages,
)


class WindowsLock:
    """Lock state pushed from the session window; the OS calls are injectable."""

    def __init__(self, is_locked: Callable[[], bool], loop: asyncio.AbstractEventLoop) -> None:
        self._is_locked = is_locked
        self._loop = loop
        self._events: asyncio.Queue[bool | None] = asyncio.Queue()
        self._stop: Callable[[], None] | None = None

    @classmethod
    async def open(
        cls, is_locked: Callable[[], bool] | None = None, watch: Watch | None = None
    ) -> WindowsLock:
        source = cls(is_locked or input_desktop_locked, asyncio.get_running_loop())
        source._stop = await asyncio.to_thread(watch or watch_messages, source._on_message)
        try:
            await source.locked()
        except BaseException:
            await source.close()
            raise
        return source

    def _on_message(self, message: int, wparam: int) -> None:
        """On the window thread: keep lock, unlock and the window's end."""
        if message == WINDOW_GONE:
            self._loop.call_soon_threadsafe(self._events.put_nowait, None)
        elif message == WM_WTSSESSION_CHANGE and wparam in (WTS_SESSION_LOCK, WTS_SESSION_UNLOCK):
            locked = wparam == WTS_SESSION_LOCK
            self._loop.call_soon_threadsafe(self._events.put_nowait, locked)

    async def locked(self) -> bool:
        return await asyncio.to_thread(self._is_locked)

    async def changed(self) -> bool:
        state = await self._events.get()
        if state is None:
            raise ConnectionError("the session notification window closed")
        return state

    async def close(self) -> None:
        stop, self._stop = self._stop, None
        if stop is not None:
            await asyncio.to_thread(stop)


def input_desktop_locked() -> bool:
    if sys.platform != "win32":
        raise OSError("OpenInputDesktop exists only on Windows")
    user32 = ctypes.WinDLL("user32", use_last_error=True)
    desktop_switchdesktop = 0x0100
    handle = user32.OpenInputDesktop(0, False, desktop_switchdesktop)
    if not handle:
        return True
    try:
        return not user32.SwitchDesktop(handle)
    finally:
        user32.CloseDesktop(handle)

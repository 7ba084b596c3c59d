"""Idle time from the X server's MIT-SCREEN-SAVER extension, through python-xlib.

Refused under Wayland: XWayland only sees input sent to X applications, so its idle
time would grow while the user types into native Wayland windows.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any


class X11Idle:
    """``XScreenSaverQueryInfo(root).idle``; connecting and closing run off the loop."""

    def __init__(self, display: Any, executor: ThreadPoolExecutor) -> None:
        self._display = display
        self._executor = executor

    @classmethod
    async def open(cls, display_name: str | None = None) -> X11Idle:
        if os.environ.get("WAYLAND_DISPLAY"):
            raise RuntimeError("Wayland session: XWayland does not see all input")
        executor = ThreadPoolExecutor(1, thread_name_prefix="x11-idle")
        loop = asyncio.get_running_loop()
        try:
            display = await loop.run_in_executor(executor, _connect, display_name)
            source = cls(display, executor)
            await source.idle_seconds()
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return source

    async def idle_seconds(self) -> float:
        # On the loop thread: one round trip to the local X server takes well under a
        # millisecond, while a hop through the executor costs some ten context switches
        # (GIL hand-offs and the loop's self-pipe) on every 0.5 s poll of an away user.
        # A dead server fails at once (connection closed), so the loop never hangs on it.
        return self._query()

    def _query(self) -> float:
        info = self._display.screen().root.screensaver_query_info()
        return float(info.idle) / 1000.0

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, self._display.close)
        except Exception:  # the server may already be gone; nothing left to release
            pass
        finally:
            self._executor.shutdown(wait=False)


def _connect(display_name: str | None) -> Any:
    from Xlib import display as xdisplay
    from Xlib.ext import screensaver  # noqa: F401  (registers screensaver_query_info)

    display = xdisplay.Display(display_name)
    if not display.has_extension("MIT-SCREEN-SAVER"):
        display.close()
        raise RuntimeError("the X server has no MIT-SCREEN-SAVER extension")
    return display

"""Idle time on Windows: ``GetLastInputInfo`` against ``GetTickCount64``.

``LASTINPUTINFO.dwTime`` is a 32-bit tick count that wraps every 49.7 days, while
``GetTickCount64`` does not: the difference is taken modulo 2**32 so that idle time
stays right across the wrap (the bug aw-watcher-afk and others hit after 49 days up).
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

_WRAP = 1 << 32


def idle_milliseconds(last_input_tick: int, now_tick64: int) -> int:
    """Milliseconds since the last input, given a 32-bit input tick and the 64-bit now."""
    return (now_tick64 - last_input_tick) % _WRAP


class WindowsIdle:
    """The session's idle time; both OS calls are injectable."""

    def __init__(self, last_input_tick: Callable[[], int], tick_count64: Callable[[], int]) -> None:
        self._last_input_tick = last_input_tick
        self._tick_count64 = tick_count64

    @classmethod
    async def open(
        cls,
        last_input_tick: Callable[[], int] | None = None,
        tick_count64: Callable[[], int] | None = None,
    ) -> WindowsIdle:
        if last_input_tick is None or tick_count64 is None:
            last_input_tick, tick_count64 = _ctypes_calls()
        source = cls(last_input_tick, tick_count64)
        await source.idle_seconds()
        return source

    async def idle_seconds(self) -> float:
        return idle_milliseconds(self._last_input_tick(), self._tick_count64()) / 1000.0

    async def close(self) -> None:
        return None


def _ctypes_calls() -> tuple[Callable[[], int], Callable[[], int]]:
    if sys.platform != "win32":
        raise OSError("GetLastInputInfo exists only on Windows")
    from ctypes import wintypes

    class LASTINPUTINFO(ctypes.Structure):
        _fields_ = [("cbSize", wintypes.UINT), ("dwTime", wintypes.DWORD)]

    user32 = ctypes.WinDLL("user32", use_last_error=True)
    kernel32 = ctypes.WinDLL("kernel32")
    kernel32.GetTickCount64.restype = ctypes.c_ulonglong

    def last_input_tick() -> int:
        info = LASTINPUTINFO(ctypes.sizeof(LASTINPUTINFO), 0)
        if not user32.GetLastInputInfo(ctypes.byref(info)):
            raise ctypes.WinError(ctypes.get_last_error())
        return int(info.dwTime)

    def tick_count64() -> int:
        return int(kernel32.GetTickCount64())

    return last_input_tick, tick_count64

"""A hidden window on its own thread that receives session and power messages.

Windows tells a desktop app about lock/unlock (``WM_WTSSESSION_CHANGE``, after
``WTSRegisterSessionNotification``) and sleep/resume (``WM_POWERBROADCAST``) only through
a window's message queue. Power broadcasts skip message-only windows, so this is a
hidden top-level window. ``watch_messages`` is the only function here that calls Win32;
sources take it as a parameter so tests can feed messages by hand.

Threading: handlers run on the window's thread; they must hand results to the asyncio
loop with ``loop.call_soon_threadsafe``. A handler may block briefly (up to a few
seconds) to delay a suspend while the agent sends "away".
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections.abc import Callable
from typing import Any

WM_POWERBROADCAST = 0x0218
WM_WTSSESSION_CHANGE = 0x02B1
WTS_SESSION_LOCK = 0x7
WTS_SESSION_UNLOCK = 0x8
PBT_APMSUSPEND = 0x4
PBT_APMRESUMESUSPEND = 0x7
PBT_APMRESUMEAUTOMATIC = 0x12
WINDOW_GONE = 0
"""Message number handed to every handler when the window thread ends."""

Handler = Callable[[int, int], None]  # (message, wparam)
Watch = Callable[[Handler], Callable[[], None]]  # start watching; returns "stop"


def watch_messages(handler: Handler) -> Callable[[], None]:
    """Start the window thread; returns a function that closes the window."""
    if sys.platform != "win32":
        raise OSError("session notifications exist only on Windows")
    from ctypes import wintypes

    user32 = ctypes.WinDLL("user32", use_last_error=True)
    wtsapi32 = ctypes.WinDLL("wtsapi32", use_last_error=True)
    lresult = ctypes.c_ssize_t
    wndproc_type = ctypes.WINFUNCTYPE(
        lresult, wintypes.HWND, wintypes.UINT, wintypes.WPARAM, wintypes.LPARAM
    )
    user32.DefWindowProcW.restype = lresult
    user32.DefWindowProcW.argtypes = [
        wintypes.HWND,
        wintypes.UINT,
        wintypes.WPARAM,
        wintypes.LPARAM,
    ]
    user32.CreateWindowExW.restype = wintypes.HWND

    class WNDCLASSW(ctypes.Structure):
        _fields_ = [
            ("style", wintypes.UINT),
            ("lpfnWndProc", wndproc_type),
            ("cbClsExtra", ctypes.c_int),
            ("cbWndExtra", ctypes.c_int),
            ("hInstance", wintypes.HINSTANCE),
            ("hIcon", wintypes.HICON),
            ("hCursor", wintypes.HANDLE),
            ("hbrBackground", wintypes.HBRUSH),
            ("lpszMenuName", wintypes.LPCWSTR),
            ("lpszClassName", wintypes.LPCWSTR),
        ]

    wm_destroy, wm_close = 0x0002, 0x0010
    started = threading.Event()
    state: dict[str, Any] = {}

    def wndproc(hwnd: int, msg: int, wparam: int, lparam: int) -> int:
        if msg in (WM_WTSSESSION_CHANGE, WM_POWERBROADCAST):
            handler(msg, int(wparam))
            return 1 if msg == WM_POWERBROADCAST else 0
        if msg == wm_destroy:
            wtsapi32.WTSUnRegisterSessionNotification(hwnd)
            user32.PostQuitMessage(0)
            return 0
        return int(user32.DefWindowProcW(hwnd, msg, wparam, lparam))

    callback = wndproc_type(wndproc)  # kept alive by this closure for the thread's life

    def run() -> None:
        try:
            wc = WNDCLASSW(lpfnWndProc=callback, lpszClassName="PresenceAgentSessionWindow")
            user32.RegisterClassW(ctypes.byref(wc))
            hwnd = user32.CreateWindowExW(
                0, wc.lpszClassName, "", 0, 0, 0, 0, 0, None, None, None, None
            )
            if not hwnd:
                raise ctypes.WinError(ctypes.get_last_error())
            state["hwnd"] = hwnd
            wtsapi32.WTSRegisterSessionNotification(hwnd, 0)  # NOTIFY_FOR_THIS_SESSION
        except OSError as exc:
            state["error"] = exc
            started.set()
            return
        started.set()
        msg = wintypes.MSG()
        while user32.GetMessageW(ctypes.byref(msg), None, 0, 0) > 0:
            user32.TranslateMessage(ctypes.byref(msg))
            user32.DispatchMessageW(ctypes.byref(msg))
        handler(WINDOW_GONE, 0)

    thread = threading.Thread(target=run, name="session-window", daemon=True)
    thread.start()
    started.wait(5)
    if "error" in state:
        raise state["error"]

    def stop() -> None:
        user32.PostMessageW(state.get("hwnd"), wm_close, 0, 0)
        thread.join(5)

    return stop

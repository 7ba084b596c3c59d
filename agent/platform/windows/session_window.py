"""A hidden window on its own thread that receives session and power messages.

Windows tells a desktop app about lock/unlock (``WM_WTSSESSION_CHANGE``, after
``WTSRegisterSessionNotification``) and sleep/resume (``WM_POWERBROADCAST``) only through
a window's message queue. Power broadcasts skip message-only windows, so this is a
hidden top-level window. ``watch_messages`` is the only function here that calls Win32;
sources take it as a parameter so tests can feed messages by hand.

Each watcher registers a window class of its own: with one shared name the second
``RegisterClassW`` fails (error 1410, class exists) and its window would run the first
watcher's handler, so one watcher got every message twice and the other none.

Threading: handlers run on the window's thread; they must hand results to the asyncio
loop with ``loop.call_soon_threadsafe``. A handler may block briefly (up to a few
seconds) to delay a suspend while the agent sends "away".
"""

from __future__ import annotations

import ctypes
import itertools
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

WM_QUERYENDSESSION = 0x0011
WM_ENDSESSION = 0x0016
WM_POWERBROADCAST = 0x0218
WM_WTSSESSION_CHANGE = 0x02B1
WTS_SESSION_LOCK = 0x7
WTS_SESSION_UNLOCK = 0x8
PBT_APMSUSPEND = 0x4
PBT_APMRESUMESUSPEND = 0x7
PBT_APMRESUMEAUTOMATIC = 0x12
WINDOW_GONE = 0
"""Message number handed to every handler when the window thread ends."""

CLASS_PREFIX = "PresenceAgentSessionWindow"
FORWARDED = (WM_WTSSESSION_CHANGE, WM_POWERBROADCAST, WM_QUERYENDSESSION, WM_ENDSESSION)
"""The messages handed to the handler; every other one gets the default processing."""

Handler = Callable[[int, int], None]  # (message, wparam)
Watch = Callable[[Handler], Callable[[], None]]  # start watching; returns "stop"

_window_numbers = itertools.count(1)


def window_class_name() -> str:
    """A class name no other watcher in any process uses (the pid and a counter)."""
    return f"{CLASS_PREFIX}.{os.getpid()}.{next(_window_numbers)}"


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
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.GetModuleHandleW.restype = wintypes.HMODULE
    kernel32.GetModuleHandleW.argtypes = [wintypes.LPCWSTR]
    user32.CreateWindowExW.restype = wintypes.HWND
    user32.CreateWindowExW.argtypes = [
        wintypes.DWORD,
        wintypes.LPCWSTR,
        wintypes.LPCWSTR,
        wintypes.DWORD,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        wintypes.HWND,
        wintypes.HMENU,
        wintypes.HINSTANCE,
        wintypes.LPVOID,
    ]
    user32.RegisterClassW.restype = wintypes.ATOM
    user32.UnregisterClassW.argtypes = [wintypes.LPCWSTR, wintypes.HINSTANCE]
    user32.PostMessageW.argtypes = [wintypes.HWND, wintypes.UINT, wintypes.WPARAM, wintypes.LPARAM]
    user32.GetMessageW.argtypes = [
        ctypes.POINTER(wintypes.MSG),
        wintypes.HWND,
        wintypes.UINT,
        wintypes.UINT,
    ]
    user32.TranslateMessage.argtypes = [ctypes.POINTER(wintypes.MSG)]
    user32.DispatchMessageW.argtypes = [ctypes.POINTER(wintypes.MSG)]
    user32.DispatchMessageW.restype = lresult
    user32.DestroyWindow.argtypes = [wintypes.HWND]
    wtsapi32.WTSRegisterSessionNotification.argtypes = [wintypes.HWND, wintypes.DWORD]
    wtsapi32.WTSUnRegisterSessionNotification.argtypes = [wintypes.HWND]

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
        if msg in FORWARDED:
            handler(msg, int(wparam or 0))
            return 1 if msg in (WM_POWERBROADCAST, WM_QUERYENDSESSION) else 0
        if msg == wm_destroy:
            wtsapi32.WTSUnRegisterSessionNotification(hwnd)
            user32.PostQuitMessage(0)
            return 0
        return int(user32.DefWindowProcW(hwnd, msg, wparam, lparam))

    callback = wndproc_type(wndproc)  # kept alive by this closure for the thread's life

    class_name = window_class_name()
    instance = kernel32.GetModuleHandleW(None)

    def run() -> None:
        try:
            wc = WNDCLASSW(lpfnWndProc=callback, hInstance=instance, lpszClassName=class_name)
            if not user32.RegisterClassW(ctypes.byref(wc)):
                raise ctypes.WinError(ctypes.get_last_error())
            hwnd = user32.CreateWindowExW(
                0, class_name, "Presence Agent", 0, 0, 0, 0, 0, None, None, instance, None
            )
            if not hwnd:
                error = ctypes.WinError(ctypes.get_last_error())
                user32.UnregisterClassW(class_name, instance)
                raise error
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
        user32.UnregisterClassW(class_name, instance)
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

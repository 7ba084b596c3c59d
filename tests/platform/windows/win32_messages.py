"""Sending window messages the way Windows does, for tests under Wine (Windows only)."""

from __future__ import annotations

import ctypes
import os

from agent.platform.windows.session_window import CLASS_PREFIX

HWND_BROADCAST = 0xFFFF


def _user32() -> ctypes.WinDLL:
    from ctypes import wintypes

    user32 = ctypes.WinDLL("user32", use_last_error=True)
    user32.PostMessageW.argtypes = [wintypes.HWND, wintypes.UINT, wintypes.WPARAM, wintypes.LPARAM]
    user32.SendMessageTimeoutW.argtypes = [
        wintypes.HWND,
        wintypes.UINT,
        wintypes.WPARAM,
        wintypes.LPARAM,
        wintypes.UINT,
        wintypes.UINT,
        ctypes.POINTER(ctypes.c_size_t),
    ]
    user32.GetClassNameW.argtypes = [wintypes.HWND, wintypes.LPWSTR, ctypes.c_int]
    user32.GetWindowThreadProcessId.argtypes = [wintypes.HWND, ctypes.POINTER(wintypes.DWORD)]
    return user32


def broadcast(message: int, wparam: int) -> None:
    """Post to every top-level window, as the system posts power broadcasts."""
    if not _user32().PostMessageW(HWND_BROADCAST, message, wparam, 0):
        raise ctypes.WinError(ctypes.get_last_error())


def session_windows(pid: int | None = None) -> list[int]:
    """The agent's session windows in process ``pid`` (default: this one)."""
    from ctypes import wintypes

    user32 = _user32()
    wanted = os.getpid() if pid is None else pid
    found: list[int] = []
    enum_type = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)

    def visit(hwnd: int, _lparam: int) -> bool:
        owner = wintypes.DWORD()
        user32.GetWindowThreadProcessId(hwnd, ctypes.byref(owner))
        name = ctypes.create_unicode_buffer(256)
        user32.GetClassNameW(hwnd, name, 256)
        if owner.value == wanted and name.value.startswith(CLASS_PREFIX):
            found.append(int(hwnd))
        return True

    user32.EnumWindows(enum_type(visit), 0)
    return found


def send(hwnd: int, message: int, wparam: int, timeout_ms: int = 10_000) -> int:
    """SendMessage with a deadline; returns the window procedure's result."""
    result = ctypes.c_size_t()
    smto_abortifhung = 0x0002
    if not _user32().SendMessageTimeoutW(
        hwnd, message, wparam, 0, smto_abortifhung, timeout_ms, ctypes.byref(result)
    ):
        raise ctypes.WinError(ctypes.get_last_error())
    return result.value


_CONSOLE_EVENT_SENDER = """
import ctypes, sys
from ctypes import wintypes
kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
kernel32.SetConsoleCtrlHandler.argtypes = [wintypes.LPVOID, wintypes.BOOL]
kernel32.FreeConsole()
if not kernel32.AttachConsole(int(sys.argv[1])):
    sys.exit(f"AttachConsole: error {ctypes.get_last_error()}")
# The sender shares the console and must live: ignore CTRL_C without a Python callback
# (one would run on Wine's event thread while this interpreter is already exiting).
kernel32.SetConsoleCtrlHandler(None, True)
if not kernel32.GenerateConsoleCtrlEvent(int(sys.argv[2]), int(sys.argv[3])):
    sys.exit(f"GenerateConsoleCtrlEvent: error {ctypes.get_last_error()}")
"""


def send_console_event(pid: int, event: int, group: int = 0) -> None:
    """Deliver CTRL_C/CTRL_BREAK to the console of ``pid`` (started with a console of its own).

    ``group`` 0 is every process on that console; a process group id (the pid of a process
    started with ``CREATE_NEW_PROCESS_GROUP``) only that group.

    A helper process attaches to that console and raises the event there, as pressing the
    keys in that console window would.
    """
    import subprocess
    import sys

    sent = subprocess.run(
        [sys.executable, "-c", _CONSOLE_EVENT_SENDER, str(pid), str(event), str(group)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sent.returncode == 0, f"console event {event}: {sent.stderr}{sent.stdout}"

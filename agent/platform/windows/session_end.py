"""The end of the agent's life on Windows: console control events and session-end messages.

Windows has no SIGTERM for the agent: a console sends CTRL_C/CTRL_BREAK (Ctrl+C, or
``GenerateConsoleCtrlEvent`` from the process that started it), closing the console window
sends CTRL_CLOSE, and logging off or shutting down sends CTRL_LOGOFF/CTRL_SHUTDOWN to console
processes and ``WM_QUERYENDSESSION``/``WM_ENDSESSION`` to windows (a process that loaded
user32 gets only the messages). Each of them asks the agent to stop the way the IPC ``quit``
request does.

Threading: ``request_stop`` is called on the console handler's thread (Windows starts one per
event) or on the session window's thread; it must only hand the request to the agent's loop.
For CTRL_CLOSE/LOGOFF/SHUTDOWN and ``WM_ENDSESSION`` Windows ends the process as soon as the
handler returns, so the handler waits (up to ``FINISH_LIMIT``) for :meth:`SessionEnd.close`,
which the agent calls once it has stopped.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections.abc import Callable

from agent.platform.windows.session_window import (
    WM_ENDSESSION,
    WM_QUERYENDSESSION,
    Watch,
    watch_messages,
)

CTRL_C_EVENT = 0
CTRL_BREAK_EVENT = 1
CTRL_CLOSE_EVENT = 2
CTRL_LOGOFF_EVENT = 5
CTRL_SHUTDOWN_EVENT = 6
ENDING_EVENTS = (CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT)
FINISH_LIMIT = 4.5
"""How long an ending handler holds the process: Windows kills it after 5 s (CTRL_CLOSE)."""

ConsoleHandlerInstaller = Callable[[Callable[[int], bool]], Callable[[], None]]


class SessionEnd:
    """Turns control events and session-end messages into one ``request_stop`` call."""

    def __init__(self, request_stop: Callable[[], None], finish_limit: float = FINISH_LIMIT):
        self._request_stop = request_stop
        self._finish_limit = finish_limit
        self._finished = threading.Event()
        self._requested = threading.Event()
        self._undo: list[Callable[[], None]] = []

    @classmethod
    def watch(
        cls,
        request_stop: Callable[[], None],
        watch: Watch | None = None,
        install_console_handler: ConsoleHandlerInstaller | None = None,
        finish_limit: float = FINISH_LIMIT,
    ) -> SessionEnd:
        """Start listening; a part that cannot start is skipped (the other still works)."""
        ending = cls(request_stop, finish_limit)
        try:
            ending._undo.append((install_console_handler or set_console_handler)(ending.on_control))
        except OSError:
            pass  # no console API (never on real Windows): the window remains
        try:
            ending._undo.append((watch or watch_messages)(ending.on_message))
        except OSError:
            pass  # no window station (a service session): the console handler remains
        return ending

    def _stop_once(self) -> None:
        if not self._requested.is_set():
            self._requested.set()
            self._request_stop()

    def on_control(self, event: int) -> bool:
        """The console control handler: ``True`` means handled (no default termination)."""
        self._stop_once()
        if event in ENDING_EVENTS:
            self._finished.wait(self._finish_limit)
        return True

    def on_message(self, message: int, wparam: int) -> None:
        """On the session window's thread."""
        if message == WM_ENDSESSION and wparam:
            self._stop_once()
            self._finished.wait(self._finish_limit)
        elif message == WM_QUERYENDSESSION:
            pass  # the window answers TRUE: the agent never holds up a log-off

    @property
    def requested(self) -> bool:
        return self._requested.is_set()

    def close(self) -> None:
        """The agent has stopped: release a waiting handler, then stop listening."""
        self._finished.set()
        undo, self._undo = self._undo, []
        for step in reversed(undo):
            step()


def set_console_handler(handler: Callable[[int], bool]) -> Callable[[], None]:
    """``SetConsoleCtrlHandler``; returns the function that removes the handler again."""
    if sys.platform != "win32":
        raise OSError("console control handlers exist only on Windows")
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    routine_type = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.DWORD)
    kernel32.SetConsoleCtrlHandler.argtypes = [routine_type, wintypes.BOOL]
    kernel32.SetConsoleCtrlHandler.restype = wintypes.BOOL

    def routine(event: int) -> bool:
        try:
            return handler(int(event))
        except Exception:
            return False  # let the next handler (Python's own) decide

    callback = routine_type(routine)
    if not kernel32.SetConsoleCtrlHandler(callback, True):
        raise ctypes.WinError(ctypes.get_last_error())

    def remove() -> None:
        kernel32.SetConsoleCtrlHandler(callback, False)  # also keeps ``callback`` alive

    return remove

"""Cancelling a read that another thread has blocked in a named pipe.

A client opens the agent's pipe for synchronous I/O; Windows serialises I/O on such a
handle, so closing it while a thread waits in ``ReadFile`` blocks until the agent next
writes (the tray froze on Quit). ``CancelIoEx`` ends that read at once (the reader gets
``ERROR_OPERATION_ABORTED``) and the close goes through.
"""

from __future__ import annotations

import ctypes
import sys

ERROR_NOT_FOUND = 1168
"""CancelIoEx's answer when no I/O was pending: nothing to cancel, not a failure."""


def cancel_pending_io(fileno: int) -> None:
    """Cancel every pending I/O on the file descriptor's handle, from any thread."""
    if sys.platform != "win32":
        raise OSError("CancelIoEx exists only on Windows")
    import msvcrt
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.CancelIoEx.argtypes = [wintypes.HANDLE, wintypes.LPVOID]
    kernel32.CancelIoEx.restype = wintypes.BOOL
    if not kernel32.CancelIoEx(msvcrt.get_osfhandle(fileno), None):
        error = ctypes.get_last_error()
        if error != ERROR_NOT_FOUND:
            raise ctypes.WinError(error)

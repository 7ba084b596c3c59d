"""Camera sources: which apps use a camera right now, per OS.

``users()`` blocks (it reads ``/proc``, the registry or CoreMediaIO); the call
detector runs it on a worker thread, rarely.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from agent.detectors.capture import Capture


class CameraSource(Protocol):
    name: str

    def users(self) -> list[Capture]:
        """Apps holding a camera; raises when the source cannot be read."""
        ...


class ProcCameraSource:
    """Linux: processes with ``/dev/video*`` open, from a ``/proc`` scan."""

    name = "proc-video"

    def __init__(self, proc_root: Path = Path("/proc"), own_pid: int | None = None) -> None:
        self._proc_root = proc_root
        self._own_pid = own_pid

    def users(self) -> list[Capture]:
        from agent.platform.linux.proc_camera import camera_users

        return [
            Capture(app=user.name, binary=user.name)
            for user in camera_users(self._proc_root)
            if user.pid != self._own_pid
        ]


class FunctionCameraSource:
    """A camera source backed by one OS call (Windows ConsentStore, macOS CoreMediaIO)."""

    def __init__(self, name: str, read: Callable[[], list[Capture]]) -> None:
        self.name = name
        self._read = read

    def users(self) -> list[Capture]:
        return self._read()

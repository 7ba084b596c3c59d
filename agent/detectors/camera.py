"""Camera sources: which apps use a camera right now, per OS.

``users()`` blocks (it reads ``/proc``, the registry or CoreMediaIO); the call
detector runs it on a worker thread, rarely.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from agent.detectors.call_apps import Capture


class CameraSource(Protocol):
    name: str

    def users(self) -> list[Capture]:
        """Apps holding a camera; raises when the source cannot be read."""
        ...

    def watch(self, wake: Callable[[], None]) -> Callable[[], None] | None:
        """Call ``wake`` (on the running loop) when camera use may have changed.

        Returns the function that stops watching, or ``None`` when this source
        cannot notice changes (the caller then reads it on a timer).
        """
        ...


class ProcCameraSource:
    """Linux: processes with ``/dev/video*`` open, from a ``/proc`` scan."""

    name = "proc-video"

    def __init__(
        self,
        proc_root: Path = Path("/proc"),
        own_pid: int | None = None,
        device_dir: Path = Path("/dev"),
    ) -> None:
        self._proc_root = proc_root
        self._own_pid = own_pid
        self._device_dir = device_dir
        self.watch_problem = ""

    def users(self) -> list[Capture]:
        from agent.platform.linux.proc_camera import camera_users

        return [
            Capture(app=user.name, binary=user.name)
            for user in camera_users(self._proc_root)
            if user.pid != self._own_pid
        ]

    def watch(self, wake: Callable[[], None]) -> Callable[[], None] | None:
        """Watch ``/dev/video*`` with inotify: scan only after a camera opens or closes."""
        from agent.platform.linux.video_watch import VideoWatcher

        try:
            watcher = VideoWatcher(wake, self._device_dir)
        except OSError as error:
            self.watch_problem = str(error)
            return None
        return watcher.close


class FunctionCameraSource:
    """A camera source backed by one OS call (Windows ConsentStore, macOS CoreMediaIO)."""

    def __init__(self, name: str, read: Callable[[], list[Capture]]) -> None:
        self.name = name
        self._read = read

    def users(self) -> list[Capture]:
        return self._read()

    def watch(self, wake: Callable[[], None]) -> Callable[[], None] | None:
        return None

"""Which processes hold a camera open, read from ``/proc/<pid>/fd`` symlinks.

A full scan reads every file descriptor of every process, which costs real time on
a busy desktop: callers run it rarely and off the event loop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CameraUser:
    pid: int
    name: str


def _process_name(proc: Path) -> str:
    try:
        return (proc / "comm").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _holds_camera(fd_dir: Path, device_prefix: str) -> bool:
    try:
        entries = os.scandir(fd_dir)
    except OSError:  # the process ended, or belongs to someone we may not inspect
        return False
    with entries:
        for entry in entries:
            try:
                if os.readlink(entry.path).startswith(device_prefix):
                    return True
            except OSError:
                continue
    return False


def camera_users(
    proc_root: Path = Path("/proc"), device_prefix: str = "/dev/video"
) -> list[CameraUser]:
    """Processes with a ``/dev/video*`` device open, in pid order."""
    users = []
    try:
        pids = sorted(int(name) for name in os.listdir(proc_root) if name.isdigit())
    except OSError:
        return []
    for pid in pids:
        proc = proc_root / str(pid)
        if _holds_camera(proc / "fd", device_prefix):
            users.append(CameraUser(pid=pid, name=_process_name(proc)))
    return users

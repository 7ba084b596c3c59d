"""Notice when any process opens or closes a camera device, through inotify.

inotify marks sit on the device inode, so opens from other mount namespaces
(Flatpak, snaps) are seen too. The event says *that* a camera was opened, not by
whom: the caller then runs the (expensive) ``/proc`` scan once, instead of
scanning on a timer. New devices (a USB camera plugged in) are picked up from
``IN_CREATE`` on the device directory.

Threading: ``wake`` is called on the asyncio loop that created the watcher.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import struct
from collections.abc import Callable
from pathlib import Path

IN_OPEN = 0x00000020
IN_CLOSE_WRITE = 0x00000008
IN_CLOSE_NOWRITE = 0x00000010
IN_CREATE = 0x00000100
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then the name)


class VideoWatcher:
    """Calls ``wake`` after a camera device is opened or closed (or a new one appears)."""

    def __init__(self, wake: Callable[[], None], device_dir: Path = Path("/dev")) -> None:
        self._wake = wake
        self._dir = device_dir
        self._libc = ctypes.CDLL(None, use_errno=True)
        fd = self._libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self._fd = fd
        self._watched: set[str] = set()
        self._loop = asyncio.get_running_loop()
        try:
            self._add(self._dir, IN_CREATE)
            for device in sorted(self._dir.glob("video*")):
                self._watch_device(device)
        except OSError:
            os.close(fd)
            raise
        self._loop.add_reader(fd, self._readable)

    def _add(self, path: Path, mask: int) -> None:
        if self._libc.inotify_add_watch(self._fd, os.fsencode(path), mask) < 0:
            error = ctypes.get_errno()
            raise OSError(error, f"cannot watch {path}: {os.strerror(error)}")

    def _watch_device(self, device: Path) -> None:
        if device.name in self._watched:
            return
        try:
            self._add(device, IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)
        except OSError:
            return  # gone again, or not ours to watch: the periodic scan still covers it
        self._watched.add(device.name)

    def _readable(self) -> None:
        try:
            data = os.read(self._fd, 64 * 1024)
        except BlockingIOError:
            return
        offset, relevant = 0, False
        while offset + _EVENT.size <= len(data):
            _wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
            name = data[offset + _EVENT.size : offset + _EVENT.size + length].rstrip(b"\0")
            offset += _EVENT.size + length
            if mask & IN_CREATE:
                if name.startswith(b"video"):
                    self._watch_device(self._dir / os.fsdecode(name))
                    relevant = True
            else:
                relevant = True
        if relevant:
            self._wake()

    def close(self) -> None:
        if self._fd >= 0:
            self._loop.remove_reader(self._fd)
            os.close(self._fd)
            self._fd = -1

"""Whether a camera is running somewhere on macOS (CoreMediaIO).

CoreMediaIO says *that* a device runs, not for whom, so no app name comes from
here. The device reads go through :class:`CameraReader` so the logic is testable.
"""

from __future__ import annotations

import ctypes
from typing import Any, Protocol

from agent.platform.macos.coreaudio import SCOPE_GLOBAL, fourcc

SYSTEM_OBJECT = 1
HARDWARE_DEVICES = fourcc("dev#")
DEVICE_IS_RUNNING_SOMEWHERE = fourcc("gone")


class CameraReader(Protocol):
    def devices(self) -> list[int]: ...

    def running_somewhere(self, device: int) -> bool: ...


def camera_in_use(reader: CameraReader | None = None) -> bool:
    reader = reader or CoreMediaIOReader()
    return any(reader.running_somewhere(device) for device in reader.devices())


class _Address(ctypes.Structure):
    _fields_ = [
        ("selector", ctypes.c_uint32),
        ("scope", ctypes.c_uint32),
        ("element", ctypes.c_uint32),
    ]


class CoreMediaIOReader:
    """``CMIOObjectGetPropertyData`` through ctypes (macOS only)."""

    def __init__(self) -> None:
        self._lib: Any = ctypes.CDLL("/System/Library/Frameworks/CoreMediaIO.framework/CoreMediaIO")

    def _get(self, obj: int, selector: int, buffer: Any) -> bool:
        address = _Address(selector, SCOPE_GLOBAL, 0)
        used = ctypes.c_uint32(0)
        status = self._lib.CMIOObjectGetPropertyData(
            ctypes.c_uint32(obj),
            ctypes.byref(address),
            0,
            None,
            ctypes.c_uint32(ctypes.sizeof(buffer)),
            ctypes.byref(used),
            ctypes.byref(buffer),
        )
        return bool(status == 0)

    def devices(self) -> list[int]:
        address = _Address(HARDWARE_DEVICES, SCOPE_GLOBAL, 0)
        size = ctypes.c_uint32(0)
        status = self._lib.CMIOObjectGetPropertyDataSize(
            ctypes.c_uint32(SYSTEM_OBJECT), ctypes.byref(address), 0, None, ctypes.byref(size)
        )
        count = size.value // 4
        if status != 0 or count == 0:
            return []
        items = (ctypes.c_uint32 * count)()
        return list(items) if self._get(SYSTEM_OBJECT, HARDWARE_DEVICES, items) else []

    def running_somewhere(self, device: int) -> bool:
        value = ctypes.c_uint32(0)
        return self._get(device, DEVICE_IS_RUNNING_SOMEWHERE, value) and value.value != 0

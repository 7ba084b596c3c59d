"""Who records from a microphone on macOS, through CoreAudio property reads.

macOS 14+ lists audio *process objects* with ``kAudioProcessPropertyIsRunningInput``,
the PID and bundle id. Older systems only say whether an input device is running
somewhere (no app name). The property reads go through :class:`PropertyReader` so
the selection logic is testable anywhere; :class:`CoreAudioReader` is the ctypes one.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any, Protocol


def fourcc(code: str) -> int:
    """CoreAudio's four-character constants ('prs#') as the integer the API takes."""
    return int.from_bytes(code.encode("ascii"), "big")


SYSTEM_OBJECT = 1
SCOPE_GLOBAL = fourcc("glob")
SCOPE_INPUT = fourcc("inpt")
PROCESS_OBJECT_LIST = fourcc("prs#")
PROCESS_PID = fourcc("ppid")
PROCESS_BUNDLE_ID = fourcc("pbid")
PROCESS_IS_RUNNING_INPUT = fourcc("piri")
HARDWARE_DEVICES = fourcc("dev#")
DEVICE_STREAMS = fourcc("stm#")
DEVICE_IS_RUNNING_SOMEWHERE = fourcc("gone")


class PropertyReader(Protocol):
    def has(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> bool: ...

    def object_list(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> list[int]: ...

    def uint32(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> int | None: ...

    def string(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> str | None: ...


@dataclass(frozen=True)
class AudioProcess:
    pid: int
    bundle_id: str


def recording_processes(reader: PropertyReader | None = None) -> list[AudioProcess] | None:
    """Processes capturing audio input; ``None`` before macOS 14 (no process objects)."""
    reader = reader or CoreAudioReader()
    if not reader.has(SYSTEM_OBJECT, PROCESS_OBJECT_LIST):
        return None
    processes = []
    for process in reader.object_list(SYSTEM_OBJECT, PROCESS_OBJECT_LIST):
        if reader.uint32(process, PROCESS_IS_RUNNING_INPUT) == 1:
            pid = reader.uint32(process, PROCESS_PID) or 0
            bundle = reader.string(process, PROCESS_BUNDLE_ID) or ""
            processes.append(AudioProcess(pid=pid, bundle_id=bundle))
    return processes


def input_running_somewhere(reader: PropertyReader | None = None) -> bool:
    """Whether any device with input streams is running for some process."""
    reader = reader or CoreAudioReader()
    for device in reader.object_list(SYSTEM_OBJECT, HARDWARE_DEVICES):
        if not reader.object_list(device, DEVICE_STREAMS, SCOPE_INPUT):
            continue
        if reader.uint32(device, DEVICE_IS_RUNNING_SOMEWHERE) == 1:
            return True
    return False


class _Address(ctypes.Structure):
    _fields_ = [
        ("selector", ctypes.c_uint32),
        ("scope", ctypes.c_uint32),
        ("element", ctypes.c_uint32),
    ]


_UTF8 = 0x08000100


class CoreAudioReader:
    """``AudioObjectGetPropertyData`` through ctypes (macOS only)."""

    def __init__(self) -> None:
        self._lib: Any = ctypes.CDLL("/System/Library/Frameworks/CoreAudio.framework/CoreAudio")
        self._cf: Any = ctypes.CDLL(
            "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation"
        )
        self._cf.CFStringGetCString.restype = ctypes.c_bool
        self._cf.CFStringGetCString.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_long,
            ctypes.c_uint32,
        ]
        self._cf.CFRelease.argtypes = [ctypes.c_void_p]

    def _read(self, obj: int, selector: int, scope: int, buffer: Any) -> bool:
        address = _Address(selector, scope, 0)
        size = ctypes.c_uint32(ctypes.sizeof(buffer))
        status = self._lib.AudioObjectGetPropertyData(
            ctypes.c_uint32(obj),
            ctypes.byref(address),
            0,
            None,
            ctypes.byref(size),
            ctypes.byref(buffer),
        )
        return bool(status == 0)

    def has(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> bool:
        address = _Address(selector, scope, 0)
        return bool(self._lib.AudioObjectHasProperty(ctypes.c_uint32(obj), ctypes.byref(address)))

    def object_list(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> list[int]:
        address = _Address(selector, scope, 0)
        size = ctypes.c_uint32(0)
        status = self._lib.AudioObjectGetPropertyDataSize(
            ctypes.c_uint32(obj), ctypes.byref(address), 0, None, ctypes.byref(size)
        )
        count = size.value // 4
        if status != 0 or count == 0:
            return []
        items = (ctypes.c_uint32 * count)()
        return list(items) if self._read(obj, selector, scope, items) else []

    def uint32(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> int | None:
        value = ctypes.c_uint32(0)
        return int(value.value) if self._read(obj, selector, scope, value) else None

    def string(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> str | None:
        ref = ctypes.c_void_p(None)
        if not self._read(obj, selector, scope, ref) or not ref.value:
            return None
        try:
            buffer = ctypes.create_string_buffer(1024)
            if not self._cf.CFStringGetCString(ref, buffer, len(buffer), _UTF8):
                return None
            return buffer.value.decode("utf-8")
        finally:
            self._cf.CFRelease(ref)

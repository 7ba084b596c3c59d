"""macOS CoreAudio / CoreMediaIO readers with injected property readers."""

from __future__ import annotations

from agent.platform.macos import camera, coreaudio
from agent.platform.macos.coreaudio import (
    DEVICE_IS_RUNNING_SOMEWHERE,
    DEVICE_STREAMS,
    HARDWARE_DEVICES,
    PROCESS_BUNDLE_ID,
    PROCESS_IS_RUNNING_INPUT,
    PROCESS_OBJECT_LIST,
    PROCESS_PID,
    SCOPE_GLOBAL,
    SCOPE_INPUT,
    SYSTEM_OBJECT,
    AudioProcess,
)


class FakeReader:
    def __init__(self, values: dict[tuple[int, int, int], object]) -> None:
        self.values = values

    def has(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> bool:
        return (obj, selector, scope) in self.values

    def object_list(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> list[int]:
        value = self.values.get((obj, selector, scope), [])
        assert isinstance(value, list)
        return value

    def uint32(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> int | None:
        value = self.values.get((obj, selector, scope))
        return value if isinstance(value, int) else None

    def string(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> str | None:
        value = self.values.get((obj, selector, scope))
        return value if isinstance(value, str) else None


G = SCOPE_GLOBAL


def test_process_objects_name_the_recording_apps() -> None:
    reader = FakeReader(
        {
            (SYSTEM_OBJECT, PROCESS_OBJECT_LIST, G): [70, 71],
            (70, PROCESS_IS_RUNNING_INPUT, G): 1,
            (70, PROCESS_PID, G): 501,
            (70, PROCESS_BUNDLE_ID, G): "us.zoom.xos",
            (71, PROCESS_IS_RUNNING_INPUT, G): 0,
            (71, PROCESS_PID, G): 502,
        }
    )
    assert coreaudio.recording_processes(reader) == [AudioProcess(501, "us.zoom.xos")]


def test_before_macos_14_there_are_no_process_objects() -> None:
    assert coreaudio.recording_processes(FakeReader({})) is None


def test_input_device_running_somewhere() -> None:
    values: dict[tuple[int, int, int], object] = {
        (SYSTEM_OBJECT, HARDWARE_DEVICES, G): [80, 81],
        (80, DEVICE_STREAMS, SCOPE_INPUT): [],  # speakers: no input streams
        (80, DEVICE_IS_RUNNING_SOMEWHERE, G): 1,
        (81, DEVICE_STREAMS, SCOPE_INPUT): [90],
        (81, DEVICE_IS_RUNNING_SOMEWHERE, G): 0,
    }
    assert not coreaudio.input_running_somewhere(FakeReader(values))
    values[(81, DEVICE_IS_RUNNING_SOMEWHERE, G)] = 1
    assert coreaudio.input_running_somewhere(FakeReader(values))


class FakeCameras:
    def __init__(self, running: dict[int, bool]) -> None:
        self.running = running

    def devices(self) -> list[int]:
        return list(self.running)

    def running_somewhere(self, device: int) -> bool:
        return self.running[device]


def test_camera_running_somewhere() -> None:
    assert not camera.camera_in_use(FakeCameras({1: False, 2: False}))
    assert camera.camera_in_use(FakeCameras({1: False, 2: True}))
    assert coreaudio.fourcc("gone") == 0x676F6E65

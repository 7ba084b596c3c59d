"""The Linux /proc camera scan, on a hand-made /proc tree."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from agent.detectors.call_apps import Capture
from agent.detectors.camera import ProcCameraSource
from agent.platform.linux.proc_camera import CameraUser, camera_users
from agent.platform.linux.video_watch import VideoWatcher
from tests.support import until


def fake_process(root: Path, pid: int, name: str, targets: list[str]) -> None:
    proc = root / str(pid)
    (proc / "fd").mkdir(parents=True)
    (proc / "comm").write_text(name + "\n")
    for number, target in enumerate(targets):
        os.symlink(target, proc / "fd" / str(number))


def test_processes_holding_a_video_device_are_found(tmp_path: Path) -> None:
    fake_process(tmp_path, 10, "zoom", ["/dev/null", "/dev/video0"])
    fake_process(tmp_path, 9, "cheese", ["/dev/video2", "socket:[123]"])
    fake_process(tmp_path, 11, "bash", ["/dev/pts/0", "/dev/null"])
    fake_process(tmp_path, 12, "agent", ["/dev/video0"])
    (tmp_path / "13").mkdir()  # a process that went away mid-scan: no fd dir
    (tmp_path / "self").mkdir()  # not a pid
    (tmp_path / "uptime").write_text("1 1")
    assert camera_users(tmp_path) == [
        CameraUser(9, "cheese"),
        CameraUser(10, "zoom"),
        CameraUser(12, "agent"),
    ]
    source = ProcCameraSource(proc_root=tmp_path, own_pid=12)
    assert source.users() == [Capture("cheese", "cheese"), Capture("zoom", "zoom")]


def test_missing_proc_root_means_nobody(tmp_path: Path) -> None:
    assert camera_users(tmp_path / "nope") == []


def test_real_proc_scan_runs() -> None:
    assert isinstance(camera_users(), list)


def test_inotify_wakes_on_open_close_and_new_devices(tmp_path: Path) -> None:
    async def scenario() -> None:
        (tmp_path / "video0").write_bytes(b"")
        wakes: list[int] = []
        watcher = VideoWatcher(lambda: wakes.append(1), tmp_path)
        try:
            (tmp_path / "video0").read_bytes()  # open + close
            await until(lambda: wakes)
            wakes.clear()
            (tmp_path / "video1").write_bytes(b"")  # a camera plugged in
            await until(lambda: wakes)
            wakes.clear()
            (tmp_path / "video1").read_bytes()
            await until(lambda: wakes)
        finally:
            watcher.close()

    asyncio.run(scenario())


def test_proc_source_watch_fails_softly(tmp_path: Path) -> None:
    async def scenario() -> None:
        source = ProcCameraSource(proc_root=tmp_path, device_dir=tmp_path / "missing")
        assert source.watch(lambda: None) is None

    asyncio.run(scenario())

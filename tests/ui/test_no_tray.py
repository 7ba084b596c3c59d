"""Without any system tray the app shows a status window and says why; it never exits."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from agent.config.paths import Paths
from tests.support import wait_until


@pytest.fixture
def bare_display() -> Iterator[str]:
    """A second X server with no tray host on it."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-noreset", "-screen", "0", "800x600x24"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=5)


def _window_names(display: str) -> str:
    done = subprocess.run(
        ["xwininfo", "-root", "-tree", "-display", display],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout


def test_status_window_when_there_is_no_tray(
    bare_display: str, agent_paths: Paths, config_file: Any
) -> None:
    env = dict(os.environ, DISPLAY=bare_display)
    tray = subprocess.Popen([sys.executable, "-m", "tests.ui.tray_process"], env=env)
    try:
        wait_until(
            lambda: '"Presence Agent"' in _window_names(bare_display),
            timeout=15,
            what="the status window",
        )
        assert tray.poll() is None
    finally:
        tray.terminate()
        assert tray.wait(timeout=10) == 0

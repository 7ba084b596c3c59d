"""Fixtures for the tray tests: a real XEmbed tray host, and the tray attached to a real agent.

The tray starts the agent daemon itself, as in use (:data:`DAEMON`: the service with
no detectors, in its own process), one per test so every test starts from a fresh
state; :func:`close_all` stops it again.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.config.paths import Paths
from tests.support import wait_until
from tests.ui.daemon_process import DAEMON

CONFIG = """\
# My presence settings (this comment must survive a save from the settings window)
[user]
email = "ada@example.com"

[idle]
away_after = "5m"  # five minutes

[schedule]
enabled = false  # so the tests do not depend on the hour they run at

[[locations]]
id = "hq-3"
type = "level"
name = "HQ level 3"
subnet = ["10.3.0.0/16"]

[[locations]]
id = "home-office"
name = "Home office"
ssid = ["ada-home"]

[[backends]]
name = "local"
type = "local"
"""


def _tray_owner() -> int:
    from Xlib import display

    d = display.Display()
    try:
        screen = d.get_default_screen()
        owner = d.get_selection_owner(d.intern_atom(f"_NET_SYSTEM_TRAY_S{screen}"))
        return int(owner.id) if owner else 0
    finally:
        d.close()


@pytest.fixture(scope="session")
def tray_host() -> Iterator[subprocess.Popen[bytes]]:
    """``trayer``, a real XEmbed system tray, on the test X server."""
    trayer = shutil.which("trayer")
    if trayer is None:
        pytest.fail("trayer is not installed (tests/system-deps.sh installs it)")
    process = subprocess.Popen(
        [trayer, "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "24"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(_tray_owner, timeout=10, what="trayer to own the system tray selection")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=5)


@pytest.fixture
def config_file(agent_paths: Paths) -> Path:
    agent_paths.config_file.write_text(CONFIG, encoding="utf-8")
    return agent_paths.config_file


@pytest.fixture
def controller(qtbot: Any, agent_paths: Paths, config_file: Path, tray_host: Any) -> Iterator[Any]:
    """The tray controller on a real agent daemon (local backend, no detectors)."""
    from agent.ui.tray import TrayController

    tray = TrayController(agent_paths, DAEMON)
    tray.start(first_run=False)
    wait_for(qtbot, lambda: tray.snapshot and tray.config is not None, "the first snapshot")
    yield tray
    close_all(tray)


def close_all(tray: Any) -> None:
    windows = (tray.message_dialog, tray.settings_window, tray.wizard, tray.status_window)
    for window in (*windows, tray.details_window, tray.dnd_dialog):
        if window is not None:
            window.hide()  # close() would ask about unsaved settings in a modal dialog
    tray.tray.hide()
    tray.link.quit_agent(wait=10.0)
    tray.link.stop()


def wait_for(qtbot: Any, condition: Any, what: str, timeout: float = 10.0) -> Any:
    """Wait on a condition while the Qt event loop keeps running (signals get delivered)."""
    result: list[Any] = []

    def check() -> None:
        value = condition()
        assert value, f"waiting for {what}"
        result.append(value)

    qtbot.waitUntil(check, timeout=int(timeout * 1000))
    return result[-1]

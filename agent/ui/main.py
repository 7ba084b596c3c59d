"""Entry point of the tray app (``presence-agent run`` without ``--headless``)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.config.paths import Paths


def hand_off(paths: Paths) -> bool:
    """Ask an already running agent to show itself; True if one answered."""
    from agent import ipc

    try:
        ipc.request(paths.socket_path, {"cmd": "activate"}, timeout=3.0)
    except ipc.AgentNotRunning:
        return False
    return True


def run_tray(paths: Paths) -> int:
    """Run the tray app until the user quits; returns the process exit code.

    A second launch hands off to the first (which opens its settings) and exits 0.
    """
    if hand_off(paths):
        print("Presence Agent is already running; it has been asked to show itself.")
        return 0
    from PySide6.QtWidgets import QApplication

    from agent.ui.tray import TrayController

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("presence-agent")
    app.setApplicationDisplayName("Presence Agent")
    app.setDesktopFileName("presence-agent")
    app.setQuitOnLastWindowClosed(False)
    controller = TrayController(paths)
    controller.start(first_run=not paths.config_file.exists())
    return app.exec()

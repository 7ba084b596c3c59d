"""Entry point of the tray app (``presence-agent run`` without ``--headless``)."""

from __future__ import annotations

import logging
import signal
import socket
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.config.paths import Paths
    from agent.ui.tray import TrayController

log = logging.getLogger(__name__)


def hand_off(paths: Paths) -> bool:
    """Ask a running agent's tray to show itself; True if a tray is there to do it.

    An agent running without a tray (headless, or its tray crashed) says so, and this
    launch becomes its tray.
    """
    from agent import ipc

    try:
        reply = ipc.request(paths.socket_path, {"cmd": "activate"}, timeout=3.0)
    except ipc.AgentNotRunning:
        return False
    except (OSError, ValueError) as error:  # hung or broken: start, the tray reports it
        log.warning("could not ask a running agent to show itself: %s", error)
        return False
    return bool(reply.get("ui"))


def start_tray(paths: Paths, agent_command: Sequence[str] | None = None) -> TrayController:
    """Create the application and the tray, and reach the agent (no event loop yet)."""
    from PySide6.QtWidgets import QApplication

    from agent.ui.tray import TrayController

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("presence-agent")
    app.setApplicationDisplayName("Presence Agent")
    app.setDesktopFileName("presence-agent")
    app.setQuitOnLastWindowClosed(False)
    controller = TrayController(paths, agent_command)
    _quit_on_signals(controller)
    controller.start(first_run=not paths.config_file.exists())
    return controller


def run_tray(paths: Paths) -> int:
    """Run the tray app until the user quits; returns the process exit code.

    A second launch hands off to the first (which opens its settings) and exits 0.
    """
    if hand_off(paths):
        print("Presence Agent is already running; it has been asked to show itself.")
        return 0
    from PySide6.QtWidgets import QApplication

    from agent.logs import setup_logging

    setup_logging(paths, level="info")
    start_tray(paths)
    return QApplication.exec()


def _quit_on_signals(controller: TrayController) -> None:
    """Quit cleanly on SIGTERM/SIGINT (log-out, ``kill``) without a polling timer.

    Python runs signal handlers only when it gets control, which the Qt event loop
    does not give it; the signal's wake-up byte on a socket pair wakes Qt instead.
    """
    if sys.platform == "win32":
        return
    from PySide6.QtCore import QSocketNotifier

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: None)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, controller)

    def quit_now() -> None:
        reader.recv(64)
        controller.quit()

    notifier.activated.connect(quit_now)
    controller.setProperty("signalSockets", (reader, writer, notifier))

"""Runs the tray app in its own process for tests that need a fresh Qt (SNI, no tray).

Like ``run_tray``, but the agent it starts has no detectors, so the status depends
only on what the test asks for.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from agent.config.paths import Paths
from agent.ui.main import start_tray
from tests.ui.daemon_process import DAEMON


def main() -> int:
    start_tray(Paths.from_environment(), agent_command=DAEMON)
    return QApplication.exec()


if __name__ == "__main__":
    raise SystemExit(main())

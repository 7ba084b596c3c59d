"""Runs the tray app in its own process for tests that need a fresh Qt (SNI, no tray).

Like ``run_tray`` but with no detectors, so the status depends only on what the
test asks for.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from agent.config.paths import Paths
from agent.ui.main import start_tray


def main() -> int:
    start_tray(Paths.from_environment(), detectors=[])
    return QApplication.exec()


if __name__ == "__main__":
    raise SystemExit(main())

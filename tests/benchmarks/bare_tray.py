"""The floor for any Qt tray app: a bare PySide6 program that only shows a tray icon.

The benchmark runner compares the tray app's memory and idle cost with this process.
It loads the same SVG icon the agent starts with, so the SVG plugin counts on both sides.
Run: ``python tests/benchmarks/bare_tray.py`` (needs DISPLAY and a tray host).
"""

from __future__ import annotations

import sys
from pathlib import Path

ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "status-offline.svg"


def main() -> int:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    tray = QSystemTrayIcon(QIcon(str(ICON)))
    tray.setToolTip("bare tray")
    tray.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())

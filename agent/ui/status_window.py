"""A small window that stands in for the tray icon where the desktop has no tray.

Some Wayland desktops have no StatusNotifier host: rather than run invisibly (or exit
silently), the agent shows its status here, says why, and offers the same menu.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from agent.ui import describe
from agent.ui.menu import TrayMenu


class StatusWindow(QWidget):
    def __init__(self, menu: TrayMenu, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Presence Agent")
        self.setObjectName("statusWindow")
        self.status = QLabel("Starting…")
        self.status.setWordWrap(True)
        font = self.status.font()
        font.setBold(True)
        self.status.setFont(font)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        button = QPushButton("Change status…")
        button.setMenu(menu)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.reason)
        layout.addWidget(button)
        self.resize(360, 160)

    def set_snapshot(self, snapshot: dict[str, Any]) -> None:
        if snapshot:
            self.status.setText(describe.tooltip(snapshot))

    def set_reason(self, why: str) -> None:
        self.reason.setText(why)

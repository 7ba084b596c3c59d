"""A small window that stands in for the tray icon where the desktop has no tray.

Some Wayland desktops have no StatusNotifier host: rather than run invisibly (or exit
silently), the agent shows its status here, says why, and offers the same menu. The
window grows with its text (labels wrap; the layout sets the size), so nothing is cut.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLayout, QPushButton, QVBoxLayout, QWidget

from agent.protocol import Snapshot
from agent.ui import describe
from agent.ui.menu import TrayMenu

WIDTH = 420


class StatusWindow(QWidget):
    def __init__(self, menu: TrayMenu, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Presence Agent")
        self.setObjectName("statusWindow")
        self.status = QLabel("Starting…")
        self.status.setObjectName("statusHeadline")
        self.status.setWordWrap(True)
        font = self.status.font()
        font.setBold(True)
        self.status.setFont(font)
        self.details = QLabel()
        self.details.setObjectName("statusDetails")
        self.details.setWordWrap(True)
        self.reason = QLabel()
        self.reason.setObjectName("statusReason")
        self.reason.setWordWrap(True)
        button = QPushButton("Change status…")
        button.setMenu(menu)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        for widget in (self.status, self.details, self.reason):
            widget.setFixedWidth(WIDTH)
            layout.addWidget(widget)
        layout.addWidget(button)

    def set_snapshot(self, snapshot: Snapshot) -> None:
        if snapshot:
            self.status.setText(describe.headline(snapshot))
            lines = describe.detail_lines(snapshot)
            health = describe.health_line(snapshot).removesuffix(describe.DETAILS_SUFFIX)
            self.details.setText("\n".join([*lines, *([health] if health else [])]))
            self.details.setVisible(bool(self.details.text()))
            self.adjustSize()

    def set_reason(self, why: str) -> None:
        self.reason.setText(why)
        self.adjustSize()

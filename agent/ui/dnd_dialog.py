"""Do not disturb until a time the user picks (the menu's "Until a time…")."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)


class DndDialog(QDialog):
    request = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dndDialog")
        self.setWindowTitle("Do not disturb")
        self.until = QDateTimeEdit()
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat("ddd d MMM yyyy HH:mm")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Do not disturb until:"))
        layout.addWidget(self.until)
        layout.addWidget(buttons)

    def prepare(self) -> None:
        now = QDateTime.currentDateTime()
        self.until.setMinimumDateTime(now)
        self.until.setDateTime(now.addSecs(3 * 3600))

    def accept(self) -> None:
        chosen = self.until.dateTime().toPython()
        assert isinstance(chosen, datetime)
        self.request.emit(
            {
                "cmd": "set",
                "status": "dnd",
                "for": chosen.astimezone().isoformat(timespec="minutes"),
            }
        )
        super().accept()

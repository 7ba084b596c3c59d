"""The "Set a status message…" dialog: text, a status, and when to clear it.

Recent messages (from the agent's history) and the configured presets are one click away;
emoji are plain text here. The dialog only emits a ``set`` request; the service
decides what it means (see contracts.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from agent.core.model import Status
from agent.protocol import Snapshot
from agent.ui import describe
from agent.ui.icons import status_icon
from agent.ui.menu import STATUS_HINTS

CLEAR_AFTER = (
    ("Don't clear", ""),
    ("30 minutes", "30m"),
    ("1 hour", "1h"),
    ("4 hours", "4h"),
    ("Today", "today"),
    ("This week", "week"),
    ("Choose a time…", "at"),
)
MESSAGE_STATUSES = tuple(s for s in Status if s is not Status.AVAILABLE)
MAX_LENGTH = 200


class MessageDialog(QDialog):
    request = Signal(dict)

    def __init__(self, presets: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Status message")
        self.setObjectName("messageDialog")
        self._presets = list(presets)
        self.text = QLineEdit()
        self.text.setMaxLength(MAX_LENGTH)
        self.text.setPlaceholderText("What's your status?")
        self.text.setClearButtonEnabled(True)
        self.suggestions = QListWidget()
        self.suggestions.setMaximumHeight(150)
        self.suggestions.itemClicked.connect(self._use_suggestion)
        self.status = QComboBox()
        for status in MESSAGE_STATUSES:
            self.status.addItem(status_icon(status), status.label, status.value)
            hint = STATUS_HINTS.get(status)
            if hint:
                self.status.setItemData(self.status.count() - 1, hint, Qt.ItemDataRole.ToolTipRole)
        self.clear_after = QComboBox()
        for text, spec in CLEAR_AFTER:
            self.clear_after.addItem(text, spec)
        self.at = QDateTimeEdit()
        self.at.setCalendarPopup(True)
        self.at.setDisplayFormat("ddd d MMM yyyy HH:mm")
        self.at.setEnabled(False)
        self.clear_after.currentIndexChanged.connect(
            lambda: self.at.setEnabled(self.clear_after.currentData() == "at")
        )
        form = QFormLayout()
        form.addRow("Status", self.status)
        form.addRow("Clear after", self.clear_after)
        form.addRow("", self.at)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.suggestions)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._recent: list[str] = []
        self._fill_suggestions()

    def prepare(self, snapshot: Snapshot) -> None:
        """Start from what is set now: its message and status (Busy when available)."""
        self.text.setText(str(snapshot.get("message") or ""))
        status = describe.status_of(snapshot)
        if status is Status.AVAILABLE:
            status = Status.BUSY
        self.status.setCurrentIndex(max(0, self.status.findData(status.value)))
        self.clear_after.setCurrentIndex(0)
        self.at.setDateTime(QDateTime.currentDateTime().addSecs(3600))
        self.text.setFocus()

    def set_recent(self, messages: Sequence[str]) -> None:
        """Recent messages, newest first; duplicates and presets are dropped."""
        recent: list[str] = []
        for message in messages:
            if message not in recent:
                recent.append(message)
        self._recent = recent[:5]
        self._fill_suggestions()

    def _fill_suggestions(self) -> None:
        self.suggestions.clear()
        for message in self._recent:
            item = QListWidgetItem(message)
            item.setData(Qt.ItemDataRole.UserRole, message)
            item.setToolTip("Used recently")
            font = item.font()
            font.setItalic(True)
            item.setFont(font)
            self.suggestions.addItem(item)
        for message in self._presets:
            if message not in self._recent:
                item = QListWidgetItem(message)
                item.setData(Qt.ItemDataRole.UserRole, message)
                self.suggestions.addItem(item)

    def _use_suggestion(self, item: QListWidgetItem) -> None:
        self.text.setText(str(item.data(Qt.ItemDataRole.UserRole)))

    def clear_after_spec(self) -> str:
        """The request's ``for``: a duration word, or an ISO time for a chosen time."""
        spec = str(self.clear_after.currentData())
        if spec != "at":
            return spec
        chosen = self.at.dateTime().toPython()
        assert isinstance(chosen, datetime)
        return chosen.astimezone().isoformat(timespec="minutes")

    def accept(self) -> None:
        self.request.emit(
            {
                "cmd": "set",
                "status": str(self.status.currentData()),
                "message": self.text.text().strip(),
                "for": self.clear_after_spec(),
            }
        )
        super().accept()

"""The window behind the menu's health line: what is wrong, in sentences, and what to do.

The menu has room for one short line; this says everything, one plain sentence per
problem, without file paths or error dumps (those are in ``doctor`` and the log).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

ALL_WELL = "Everything is working: your status reaches every presence system."


class DetailsWindow(QWidget):
    settings_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsWindow")
        self.setWindowTitle("Presence Agent — what needs attention")
        self.text = QLabel()
        self.text.setObjectName("detailsText")
        self.text.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.settings_button = QPushButton("Open Settings")
        buttons.addButton(self.settings_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.settings_button.clicked.connect(self.settings_requested)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def set_lines(self, lines: list[str]) -> None:
        self.text.setText("\n\n".join(lines) if lines else ALL_WELL)
        self.adjustSize()

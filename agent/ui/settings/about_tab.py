"""About and diagnostics: version, where things live, and the ``doctor`` report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agent import __version__

if TYPE_CHECKING:
    from agent.config.loader import LoadedConfig
    from agent.config.paths import Paths
    from agent.ui.settings.document import ConfigDocument
    from agent.ui.settings.host import Secrets, SettingsHost


class AboutTab(QWidget):
    title = "About"
    name = "about"

    def __init__(self, host: SettingsHost) -> None:
        super().__init__()
        self._host = host
        paths = host.paths
        facts = QFormLayout()
        facts.addRow("Version", QLabel(__version__))
        for label, path in (
            ("Settings file", paths.config_file),
            ("Data", paths.data_dir),
            ("Logs", paths.log_dir),
        ):
            value = QLabel(str(path))
            value.setTextInteractionFlags(value.textInteractionFlags() | _selectable())
            facts.addRow(label, value)
        self.managed = QLabel()
        facts.addRow("", self.managed)
        self.report = QPlainTextEdit()
        self.report.setObjectName("doctorReport")
        self.report.setReadOnly(True)
        self.report.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.report.setPlaceholderText("Run diagnostics to see what works on this computer.")
        self.run_button = QPushButton("Run diagnostics")
        self.run_button.setObjectName("runDoctor")
        self.run_button.clicked.connect(self.run_doctor)
        self.copy_button = QPushButton("Copy to clipboard")
        self.copy_button.setObjectName("copyReport")
        self.copy_button.clicked.connect(self.copy_report)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(facts)
        layout.addWidget(self.report, 1)
        layout.addLayout(buttons)

    def load(self, doc: ConfigDocument, loaded: LoadedConfig | None) -> None:
        managed_by = loaded.config.general.managed_by if loaded else ""
        self.managed.setText(f"Managed by {managed_by}" if managed_by else "")

    def has_changes(self) -> bool:
        return False

    def can_change(self) -> bool:
        return False

    def store(self, doc: ConfigDocument, secrets: Secrets) -> None:
        """Nothing to save here."""

    def run_doctor(self) -> None:
        self.run_button.setEnabled(False)
        self.report.setPlainText("Checking…")
        paths = self._host.paths
        self._host.background(lambda: doctor_report(paths), self._show_report)

    def _show_report(self, report: Any) -> None:
        self.run_button.setEnabled(True)
        self.report.setPlainText(str(report or "The diagnostics could not run."))

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report.toPlainText())


def doctor_report(paths: Paths) -> str:
    """The text of ``presence-agent doctor`` (blocking: run it off the GUI thread)."""
    from agent import doctor

    lines: list[str] = []
    code = doctor.run(paths, out=lines.append)
    lines.append("")
    lines.append("No blocking problems." if code == 0 else "Some problems block the agent.")
    return "\n".join(lines)


def _selectable() -> Any:
    from PySide6.QtCore import Qt

    return Qt.TextInteractionFlag.TextSelectableByMouse

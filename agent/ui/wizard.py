"""The first-run wizard: shown when there is no config file yet.

Pick a backend (or "just on this computer"), enter its fields and secret, test it,
choose the idle timeout and start at login. The agent already runs on the built-in
defaults meanwhile; finishing writes the file (checked by the loader, secrets to the
keyring) and reloads the agent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from agent.backends.registry import BACKEND_TYPES
from agent.core.durations import format_duration
from agent.ui.settings.backend_fields import label_for, option_fields, secret_fields
from agent.ui.settings.document import ConfigDocument
from agent.ui.settings.window import SaveResult, Secrets, save_settings

if TYPE_CHECKING:
    from agent.ui.tray import TrayController

PAGE_BACKEND, PAGE_FIELDS, PAGE_TEST, PAGE_PREFERENCES = range(4)
SERVER_TYPES = tuple(t for t in BACKEND_TYPES if t != "local")


class BackendPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Welcome to Presence Agent")
        self.setSubTitle("Where should your status go?")
        self.local = QRadioButton("Just on this computer (no server; changes are journaled)")
        self.local.setObjectName("wizardLocal")
        self.server = QRadioButton("To my organization's presence system:")
        self.server.setObjectName("wizardServer")
        self.kind = QComboBox()
        self.kind.setObjectName("wizardKind")
        self.kind.addItems(list(SERVER_TYPES))
        self.local.setChecked(True)
        self.kind.setEnabled(False)
        self.server.toggled.connect(self.kind.setEnabled)
        layout = QVBoxLayout(self)
        layout.addWidget(self.local)
        layout.addWidget(self.server)
        layout.addWidget(self.kind)

    def chosen(self) -> str:
        return self.kind.currentText() if self.server.isChecked() else "local"

    def nextId(self) -> int:
        return PAGE_PREFERENCES if self.chosen() == "local" else PAGE_FIELDS


class FieldsPage(QWizardPage):
    def __init__(self, backend: BackendPage) -> None:
        super().__init__()
        self._backend = backend
        self.setTitle("Connection")
        self.form = QFormLayout(self)
        self.widgets: dict[str, QLineEdit | QCheckBox] = {}

    def initializePage(self) -> None:
        kind = self._backend.chosen()
        self.setSubTitle(f"The details of your {kind} server. Secrets go to the keyring.")
        while self.form.rowCount():
            self.form.removeRow(0)
        self.widgets = {}
        self._row("base_url", "Server URL", QLineEdit())
        for field in option_fields(kind):
            widget: QLineEdit | QCheckBox
            if field.kind == "boolean":
                widget = QCheckBox()
                widget.setChecked(bool(field.default))
            else:
                widget = QLineEdit(
                    "" if field.kind in ("table", "texts") else str(field.default or "")
                )
            self._row(field.key, label_for(field.key) + (" *" if field.required else ""), widget)
        for secret in secret_fields(kind):
            edit = QLineEdit()
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            self._row(f"secret:{secret}", f"{label_for(secret)} (secret)", edit)

    def _row(self, key: str, label: str, widget: QLineEdit | QCheckBox) -> None:
        widget.setObjectName(key)
        self.widgets[key] = widget
        self.form.addRow(label, widget)

    def entry_and_secrets(self, name: str) -> tuple[dict[str, Any], Secrets]:
        entry: dict[str, Any] = {"name": name, "type": self._backend.chosen()}
        secrets: Secrets = []
        for key, widget in self.widgets.items():
            if isinstance(widget, QCheckBox):
                entry[key] = widget.isChecked()
            elif key.startswith("secret:"):
                if widget.text():
                    secrets.append((name, key.removeprefix("secret:"), widget.text()))
            elif widget.text().strip():
                entry[key] = widget.text().strip()
        return entry, secrets


class TestPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Test the connection")
        self.setSubTitle("Optional: saves these settings and asks the server.")
        self.button = QPushButton("Test connection")
        self.button.setObjectName("wizardTest")
        self.button.clicked.connect(wizard.test_connection)
        self.result = QLabel()
        self.result.setObjectName("wizardTestResult")
        self.result.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.button)
        layout.addWidget(self.result)


class PreferencesPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your preferences")
        self.idle = QSpinBox()
        self.idle.setObjectName("wizardIdle")
        self.idle.setRange(1, 240)
        self.idle.setValue(5)
        self.idle.setSuffix(" min")
        self.autostart = QCheckBox("Start Presence Agent when I log in")
        self.autostart.setObjectName("wizardAutostart")
        self.autostart.setChecked(True)
        form = QFormLayout(self)
        form.addRow("Away after idle for", self.idle)
        form.addRow("", self.autostart)


class FirstRunWizard(QWizard):
    def __init__(self, controller: TrayController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunWizard")
        self.setWindowTitle("Set up")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.controller = controller
        self.backend_page = BackendPage()
        self.fields_page = FieldsPage(self.backend_page)
        self.test_page = TestPage(self)
        self.preferences_page = PreferencesPage()
        self.setPage(PAGE_BACKEND, self.backend_page)
        self.setPage(PAGE_FIELDS, self.fields_page)
        self.setPage(PAGE_TEST, self.test_page)
        self.setPage(PAGE_PREFERENCES, self.preferences_page)
        self.result_message = ""
        self.finished_saving = False
        self.resize(560, 420)

    def document(self) -> tuple[ConfigDocument, Secrets]:
        kind = self.backend_page.chosen()
        doc = ConfigDocument()
        secrets: Secrets = []
        if kind == "local":
            entry: dict[str, Any] = {"name": "local", "type": "local"}
        else:
            entry, secrets = self.fields_page.entry_and_secrets(kind)
        doc.set_entries("backends", [entry])
        doc.set("idle.away_after", format_duration(self.preferences_page.idle.value() * 60))
        return doc, secrets

    def _write(self, on_done: Any) -> None:
        doc, secrets = self.document()
        text = doc.text()
        paths = self.controller.paths
        self.controller.service.background(lambda: save_settings(paths, text, secrets), on_done)

    def test_connection(self) -> None:
        self.test_page.result.setText("Saving and testing…")
        name = self.backend_page.chosen()

        def saved(result: SaveResult | None) -> None:
            if result is None or result.problems:
                problems = result.problems if result else ["saving failed"]
                self.test_page.result.setText("✗ " + "\n".join(problems))
                return
            self.controller.service.call({"cmd": "reload"}, lambda _: probe())

        def probe() -> None:
            self.controller.service.call({"cmd": "test_backend", "name": name}, self._show_probe)

        self._write(saved)

    def _show_probe(self, reply: dict[str, Any]) -> None:
        if not reply.get("ok"):
            self.test_page.result.setText(f"✗ {reply.get('error')}")
            return
        probe = reply.get("probe") or {}
        text = f"{probe.get('status')}: {probe.get('detail', '')}"
        self.test_page.result.setText(text + (f"\n{probe['fix']}" if probe.get("fix") else ""))

    def accept(self) -> None:
        """Write the settings, reload the agent, set start at login; close when done."""
        autostart = self.preferences_page.autostart.isChecked()
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)

        def saved(result: SaveResult | None) -> None:
            self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
            if result is None or result.problems:
                problems = result.problems if result else ["saving failed"]
                self.result_message = "\n".join(problems)
                self.currentPage().setSubTitle("Not saved: " + self.result_message)
                return
            self.controller.service.call(
                {"cmd": "reload"}, lambda _: self.controller.reload_config()
            )
            loaded = self.controller.config
            policy = loaded.config.general.autostart if loaded else "user-decides"
            self.controller.service.background(
                lambda: _autostart(autostart, policy), lambda _: None
            )
            self.finished_saving = True
            QWizard.accept(self)

        self._write(saved)


def _autostart(enabled: bool, policy: str) -> None:
    from agent.autostart import PolicyForbids, entry_for_platform, set_enabled

    try:
        set_enabled(entry_for_platform(), enabled, policy)
    except PolicyForbids:
        pass  # the organisation decides; the wizard only offers the choice

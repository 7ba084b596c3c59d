"""The first-run wizard: shown when there is no config file yet.

Pick a presence system (or "only this computer"), fill in its fields and secret —
checked as they are typed —, test it, choose the idle time and start at login. The
agent already runs on the built-in defaults meanwhile; finishing writes the file
(checked by the loader, secrets to the keyring) and reloads the agent. Testing writes
the file too (the agent probes what it runs), so Cancel removes what the test wrote:
the wizard comes back next time.
"""

from __future__ import annotations

from typing import Any

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

from agent.backends.http import host_and_port
from agent.backends.registry import BACKEND_TYPES
from agent.core.durations import format_duration
from agent.protocol import Reply
from agent.ui.settings.backend_fields import OptionField, option_fields, secret_fields
from agent.ui.settings.document import ConfigDocument
from agent.ui.settings.host import Secrets, SettingsApp
from agent.ui.settings.window import SaveResult
from agent.ui.vendor_words import (
    SERVER_EXAMPLES,
    field_words,
    probe_words,
    setup_problem,
    url_problem,
    vendor_name,
)
from agent.ui.wizard_trace import WizardTrace

PAGE_BACKEND, PAGE_FIELDS, PAGE_TEST, PAGE_PREFERENCES = range(4)
SERVER_TYPES = tuple(t for t in BACKEND_TYPES if t != "local")
CHOOSE = "Choose your presence system…"
HINT_COLOUR = "palette(placeholder-text)"
ERROR_COLOUR = "#b3261e"


def hint(text: str) -> QLabel:
    """A one-line explanation under a field, in the palette's quieter colour."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setObjectName("hint")
    label.setStyleSheet(f"color: {HINT_COLOUR};")
    return label


class BackendPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Welcome to Presence Agent")
        self.setSubTitle("Where should your status be shown?")
        self.local = QRadioButton("Only on this computer")
        self.local.setObjectName("wizardLocal")
        self.server = QRadioButton("In my organization's presence system")
        self.server.setObjectName("wizardServer")
        self.kind = QComboBox()
        self.kind.setObjectName("wizardKind")
        self.kind.addItem(CHOOSE, "")
        for kind in SERVER_TYPES:
            self.kind.addItem(vendor_name(kind), kind)
        self.local.setChecked(True)
        self.kind.setEnabled(False)
        self.server.toggled.connect(self.kind.setEnabled)
        self.server.toggled.connect(self.completeChanged)
        self.kind.currentIndexChanged.connect(self.completeChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(self.local)
        layout.addWidget(
            hint("Your status shows in the tray and is kept in a log on this computer.")
        )
        layout.addSpacing(8)
        layout.addWidget(self.server)
        layout.addWidget(self.kind)
        layout.addWidget(
            hint("Your colleagues see your status there. Your administrator can tell you which.")
        )
        layout.addStretch(1)

    def chosen(self) -> str:
        return str(self.kind.currentData() or "") if self.server.isChecked() else "local"

    def isComplete(self) -> bool:
        return bool(self.chosen())

    def nextId(self) -> int:
        return PAGE_PREFERENCES if self.chosen() == "local" else PAGE_FIELDS


class FieldsPage(QWizardPage):
    """The chosen system's fields, each with an example and a line saying what it is for."""

    def __init__(self, backend: BackendPage) -> None:
        super().__init__()
        self._backend = backend
        self.setTitle("Connection")
        self.form = QFormLayout(self)
        self.widgets: dict[str, QLineEdit | QCheckBox | QComboBox] = {}
        self.notes: dict[str, QLabel] = {}
        self._fields: dict[str, OptionField] = {}
        self._required_secret = ""

    def initializePage(self) -> None:
        kind = self._backend.chosen()
        self.setSubTitle(
            f"Your {vendor_name(kind)} details. Passwords and tokens are kept in this "
            "computer's keyring, never in a file."
        )
        while self.form.rowCount():
            self.form.removeRow(0)
        self.widgets, self.notes = {}, {}
        self._fields = {f.key: f for f in option_fields(kind)}
        url = QLineEdit()
        url.setPlaceholderText("e.g. " + SERVER_EXAMPLES.get(kind, "https://presence.example.com"))
        self._row("base_url", url, required=True)
        for field in self._fields.values():
            self._row(field.key, self._widget(field), field.required)
        secrets = secret_fields(kind)
        self._required_secret = secrets[0] if len(secrets) == 1 else ""
        for secret in secrets:
            edit = QLineEdit()
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            self._row(f"secret:{secret}", edit, secret == self._required_secret)
        if len(secrets) > 1:
            self.form.addRow(
                hint("Fill in the secret your administrator gave you; leave the others empty.")
            )
        self.completeChanged.emit()

    def _widget(self, field: OptionField) -> QLineEdit | QCheckBox | QComboBox:
        if field.kind == "boolean":
            box = QCheckBox()
            box.setChecked(bool(field.default))
            return box
        if field.kind == "choice":
            combo = QComboBox()
            combo.addItems(list(field.choices))
            combo.setCurrentText(str(field.default))
            return combo
        edit = QLineEdit(
            "" if field.kind in ("table", "texts") or not field.default else str(field.default)
        )
        example = field_words(field.key).example
        if example:
            edit.setPlaceholderText("e.g. " + example)
        return edit

    def _row(self, key: str, widget: QLineEdit | QCheckBox | QComboBox, required: bool) -> None:
        words = field_words(key.removeprefix("secret:"))
        widget.setObjectName(key)
        widget.setProperty("required", required)
        self.widgets[key] = widget
        # One line under the field: what it is for, or (in red) what is wrong as typed.
        # Swapping the text keeps the page's layout still while the user types.
        note = hint(words.help or " ")
        note.setProperty("help", words.help or " ")
        self.notes[key] = note
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        column.addWidget(note)
        self.form.addRow(words.label + ("" if required else " (optional)"), box)
        if isinstance(widget, QLineEdit):
            widget.textChanged.connect(lambda _=None, k=key: self._typed(k))

    def _typed(self, key: str) -> None:
        problem = self.problem(key)
        note = self.notes[key]
        note.setText(problem or str(note.property("help")))
        note.setStyleSheet(f"color: {ERROR_COLOUR if problem else HINT_COLOUR};")
        self.completeChanged.emit()

    def problem(self, key: str) -> str:
        """What is wrong with one field as typed, in words; "" when it is fine."""
        widget = self.widgets[key]
        if not isinstance(widget, QLineEdit):
            return ""
        text = widget.text().strip()
        label = field_words(key.removeprefix("secret:")).label
        if key == "base_url":
            return url_problem(text)
        if not text:
            return f"Enter the {label.lower()}." if widget.property("required") else ""
        field = self._fields.get(key)
        if field is not None and field.kind == "integer" and not text.isdigit():
            return f"The {label.lower()} is a number, e.g. {field_words(key).example or 42}."
        return ""

    def isComplete(self) -> bool:
        return all(not self.problem(key) for key in self.widgets)

    def entry_and_secrets(self, name: str) -> tuple[dict[str, Any], Secrets]:
        entry: dict[str, Any] = {"name": name, "type": self._backend.chosen()}
        secrets: Secrets = []
        for key, widget in self.widgets.items():
            if isinstance(widget, QCheckBox):
                entry[key] = widget.isChecked()
            elif isinstance(widget, QComboBox):
                entry[key] = widget.currentText()
            elif key.startswith("secret:"):
                if widget.text():
                    secrets.append((name, key.removeprefix("secret:"), widget.text()))
            elif widget.text().strip():
                entry[key] = self._value(key, widget.text().strip())
        return entry, secrets

    def _value(self, key: str, text: str) -> Any:
        kind = self._fields[key].kind if key in self._fields else "text"
        if kind == "integer":
            return int(text)
        if kind == "texts":
            return [part.strip() for part in text.split(",") if part.strip()]
        return text

    def secret_labels(self) -> list[str]:
        return [
            field_words(k.removeprefix("secret:")).label
            for k, w in self.widgets.items()
            if k.startswith("secret:") and isinstance(w, QLineEdit) and w.text()
        ]


class TestPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Test the connection")
        self.setSubTitle("Optional: checks that the server answers and accepts your details.")
        self.button = QPushButton("Test connection")
        self.button.setObjectName("wizardTest")
        self.button.clicked.connect(wizard.test_connection)
        self.result = QLabel()
        self.result.setObjectName("wizardTestResult")
        self.result.setWordWrap(True)
        self.outcome = ""
        layout = QVBoxLayout(self)
        layout.addWidget(self.button)
        layout.addWidget(self.result)
        layout.addStretch(1)

    def show_result(self, outcome: str, text: str) -> None:
        self.outcome = outcome
        self.result.setText(text)
        self.button.setEnabled(True)


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
        form.addRow("Away after no use for", self.idle)
        form.addRow(
            "", hint("Your status turns to Away when you have not used the computer this long.")
        )
        form.addRow("", self.autostart)


class FirstRunWizard(QWizard):
    def __init__(self, controller: SettingsApp, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunWizard")
        self.setWindowTitle("Set up Presence Agent")
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
        self.cleaned_up = False
        self._written: WizardTrace = WizardTrace()
        self.resize(640, 540)

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
        trace = self._written
        self.controller.link.background(lambda: trace.save(paths, text, secrets), on_done)

    def test_connection(self) -> None:
        self.test_page.button.setEnabled(False)
        self.test_page.show_result("", "Testing…")
        self.test_page.button.setEnabled(False)
        name = self.backend_page.chosen()

        def saved(result: SaveResult | None) -> None:
            if result is None or result.problems:
                problems = result.problems if result else []
                words = (
                    setup_problem(problems[0]) if problems else "The settings could not be saved."
                )
                self.test_page.show_result("problem", words)
                return
            self.controller.link.call({"cmd": "reload"}, lambda _: probe())

        def probe() -> None:
            self.controller.link.call({"cmd": "test_backend", "name": name}, self._show_probe)

        self._write(saved)

    def _show_probe(self, reply: Reply) -> None:
        kind = self.backend_page.chosen()
        url = self.fields_page.widgets["base_url"]
        where = host_and_port(url.text().strip()) if isinstance(url, QLineEdit) else ""
        if not reply.get("ok"):
            self.test_page.show_result(
                "problem",
                "Presence Agent could not run the test. Click Test connection to try again.",
            )
            return
        probe = reply.get("probe") or {"status": "", "detail": "", "fix": ""}
        status = probe["status"]
        self.test_page.show_result(
            status,
            probe_words(
                status,
                probe["detail"],
                vendor_name(kind),
                where,
                self.fields_page.secret_labels()
                or [field_words(s).label for s in secret_fields(kind)[:1]],
            ),
        )

    def reject(self) -> None:
        """Cancel: take back what a test wrote, so the wizard shows again next time."""
        trace = self._written
        paths = self.controller.paths

        def undone(_: Any) -> None:
            self.cleaned_up = True
            self.controller.link.call({"cmd": "reload"}, lambda _: None)

        if trace.touched:
            self.controller.link.background(lambda: trace.undo(paths), undone)
        else:
            self.cleaned_up = True
        QWizard.reject(self)

    def accept(self) -> None:
        """Write the settings, reload the agent, set start at login; close when done."""
        autostart = self.preferences_page.autostart.isChecked()
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)

        def saved(result: SaveResult | None) -> None:
            self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
            if result is None or result.problems:
                problems = result.problems if result else []
                self.result_message = (
                    setup_problem(problems[0]) if problems else "The settings could not be saved."
                )
                self.currentPage().setSubTitle("Not saved: " + self.result_message)
                return
            self.controller.link.call({"cmd": "reload"}, lambda _: self.controller.reload_config())
            loaded = self.controller.config
            policy = loaded.config.general.autostart if loaded else "user-decides"
            self.controller.link.background(lambda: _autostart(autostart, policy), lambda _: None)
            self.finished_saving = True
            QWizard.accept(self)

        self._write(saved)


def _autostart(enabled: bool, policy: str) -> None:
    from agent.autostart import PolicyForbids, entry_for_platform, set_enabled

    try:
        set_enabled(entry_for_platform(), enabled, policy)
    except PolicyForbids:
        pass  # the organisation decides; the wizard only offers the choice

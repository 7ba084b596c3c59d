"""The Backends tab: add and edit each presence system, its fields and its secrets.

The fields per type come from the backend modules themselves (see backend_fields).
Secrets are typed into password fields and go straight to the keyring when saving,
never into the file. "Test connection" saves, reloads the agent and probes.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from agent.backends.http import host_and_port
from agent.backends.registry import BACKEND_TYPES
from agent.ui.settings.backend_fields import (
    OptionField,
    option_fields,
    secret_fields,
)
from agent.ui.settings.form import LOCKED_TEXT, is_locked, locked_label, locked_text
from agent.ui.vendor_words import field_words, probe_words, vendor_name

if TYPE_CHECKING:
    from agent.config.loader import LoadedConfig
    from agent.protocol import Reply
    from agent.ui.settings.document import ConfigDocument
    from agent.ui.settings.host import Secrets, SettingsHost

BASE_KEYS = ("name", "type", "base_url", "enabled")
STORED_PLACEHOLDER = "stored in the keyring (type to replace)"


class BackendsTab(QWidget):
    title = "Backends"
    name = "backends"

    def __init__(self, host: SettingsHost) -> None:
        super().__init__()
        self._host = host
        self._entries: list[dict[str, Any]] = []
        self._secrets: dict[tuple[str, str], str] = {}
        self._stored: set[tuple[str, str]] = set()
        self._current = -1
        self._locked = False
        self._locked_text = LOCKED_TEXT
        self.dirty = False
        self.list = QListWidget()
        self.list.setObjectName("backendList")
        self.list.setMaximumWidth(180)
        self.list.currentRowChanged.connect(self._select)
        self.add_button = QPushButton("Add")
        add_menu = QMenu(self.add_button)
        for kind in BACKEND_TYPES:
            action = add_menu.addAction(vendor_name(kind))
            action.triggered.connect(partial(self.add_backend, kind))
        self.add_button.setMenu(add_menu)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._remove)
        left = QVBoxLayout()
        left.addWidget(self.list)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        left.addLayout(buttons)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.widgets: dict[str, QWidget] = {}
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testConnection")
        self.test_button.clicked.connect(self._test)
        self.result = QLabel()
        self.result.setObjectName("testResult")
        self.result.setWordWrap(True)
        self.locked_note = locked_label()
        self.locked_note.setVisible(False)
        right = QVBoxLayout()
        right.addWidget(self.locked_note)
        right.addWidget(self.form_host)
        right.addWidget(self.test_button)
        right.addWidget(self.result)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)

    # -- loading and storing -------------------------------------------------------

    def load(self, doc: ConfigDocument, loaded: LoadedConfig | None) -> None:
        entries = doc.entries("backends")
        if not entries and loaded is not None:
            entries = [
                {"name": b.name, "type": b.type, "base_url": b.base_url, **b.options}
                for b in loaded.config.backends
            ]
        self._entries = entries
        self._secrets = {}
        self._locked = is_locked(loaded, "backends")
        self._locked_text = locked_text(loaded)
        self.locked_note.setText(self._locked_text)
        self.locked_note.setVisible(self._locked)
        for widget in (self.list, self.add_button, self.remove_button):
            widget.setToolTip(self._locked_text if self._locked else "")
        self.add_button.setEnabled(not self._locked)
        self.remove_button.setEnabled(not self._locked)
        self._current = -1
        self.list.clear()
        self.list.addItems([str(e.get("name", "")) for e in entries])
        if entries:
            self.list.setCurrentRow(0)
        self.dirty = False
        self._host.background(_stored_secrets, self._show_stored)

    def _show_stored(self, stored: Any) -> None:
        self._stored = set(stored or ())
        if self._current >= 0:
            self._pull()  # keep what was typed while the keyring was being read
            self._build_form(self._entries[self._current])

    def store(self, doc: ConfigDocument, secrets: Secrets) -> None:
        self._pull()
        if self._locked:
            return
        if self.dirty:
            doc.set_entries("backends", [_file_entry(e) for e in self._entries])
        for (backend, field), value in self._secrets.items():
            if value:
                secrets.append((backend, field, value))
                self._stored.add((backend, field))
        self._secrets = {}

    def has_changes(self) -> bool:
        self._pull()
        return not self._locked and (self.dirty or any(self._secrets.values()))

    def can_change(self) -> bool:
        return not self._locked

    # -- editing ---------------------------------------------------------------------

    def add_backend(self, kind: str) -> None:
        self._pull()
        taken = {str(e.get("name")) for e in self._entries}
        name, n = kind, 2
        while name in taken:
            name, n = f"{kind}{n}", n + 1
        self._entries.append({"name": name, "type": kind})
        self.list.addItem(name)
        self.list.setCurrentRow(len(self._entries) - 1)
        self.dirty = True

    def _remove(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        self._current = -1
        del self._entries[row]
        self.list.takeItem(row)
        self.dirty = True

    def _select(self, row: int) -> None:
        self._pull()
        self._current = row
        if 0 <= row < len(self._entries):
            self._build_form(self._entries[row])
        self.result.clear()

    def _build_form(self, entry: dict[str, Any]) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.widgets = {}
        kind = str(entry.get("type", ""))
        self._add_text("name", "Name", entry)
        type_label = QLabel(vendor_name(kind))
        type_label.setObjectName("type")
        self.form.addRow("Type", type_label)
        if kind != "local":
            self._add_text("base_url", field_words("base_url").label, entry)
        enabled = QCheckBox()
        enabled.setChecked(bool(entry.get("enabled", True)))
        self._add("enabled", "Enabled", enabled)
        for field in option_fields(kind):
            self._add_option(field, entry)
        name = str(entry.get("name", ""))
        for secret in secret_fields(kind):
            edit = QLineEdit()
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setObjectName(f"secret:{secret}")
            if (name, secret) in self._stored:
                edit.setPlaceholderText(STORED_PLACEHOLDER)
            edit.setText(self._secrets.get((name, secret), ""))
            self.form.addRow(field_words(secret).label, edit)
            self.widgets[f"secret:{secret}"] = edit
        self.test_button.setEnabled(True)

    def _add(self, key: str, label: str, widget: QWidget) -> None:
        widget.setObjectName(key)
        widget.setEnabled(not self._locked)
        if self._locked:
            widget.setToolTip(self._locked_text)
        self.widgets[key] = widget
        self.form.addRow(label, widget)

    def _add_text(self, key: str, label: str, entry: dict[str, Any]) -> None:
        edit = QLineEdit(str(entry.get(key, "") or ""))
        self._add(key, label, edit)

    def _add_option(self, field: OptionField, entry: dict[str, Any]) -> None:
        value = entry.get(field.key, field.default)
        label = field_words(field.key).label + (" *" if field.required else "")
        widget: QWidget
        if field.kind == "boolean":
            box = QCheckBox()
            box.setChecked(bool(value))
            widget = box
        elif field.kind == "integer":
            spin = QSpinBox()
            spin.setRange(0, 2_000_000_000)
            spin.setSpecialValueText("not set")
            spin.setValue(int(value) if isinstance(value, int) else 0)
            widget = spin
        elif field.kind == "choice":
            combo = QComboBox()
            combo.addItems(list(field.choices))
            combo.setCurrentText(str(value or field.default))
            widget = combo
        elif field.kind == "texts":
            values = [value] if isinstance(value, str) else list(value or ())
            widget = QLineEdit(", ".join(values))
        elif field.kind == "table":
            text = ", ".join(f"{k}={v}" for k, v in dict(value or {}).items())
            widget = QLineEdit(text)
        else:
            widget = QLineEdit(str(value or ""))
        widget.setProperty("optionKind", field.kind)
        widget.setProperty("optionDefault", field.default)
        self._add(field.key, label, widget)

    def _pull(self) -> None:
        """Copy the form back into the current entry (and typed secrets aside)."""
        if not 0 <= self._current < len(self._entries) or self._locked:
            return
        entry = self._entries[self._current]
        before = dict(entry)
        name = str(entry.get("name", ""))
        for key, widget in self.widgets.items():
            if key.startswith("secret:"):
                assert isinstance(widget, QLineEdit)
                if widget.text():
                    self._secrets[(name, key.removeprefix("secret:"))] = widget.text()
                continue
            value = _widget_value(widget)
            if key == "enabled" and value is True and key not in before:
                continue  # the default: showing the form is not an edit
            if key in BASE_KEYS or value not in (None, "", [], {}):
                entry[key] = value
            else:
                entry.pop(key, None)
        new_name = str(entry.get("name", ""))
        if new_name != name:
            for backend, field in list(self._secrets):
                if backend == name:
                    self._secrets[(new_name, field)] = self._secrets.pop((backend, field))
            item = self.list.item(self._current)
            if item is not None:
                item.setText(new_name)
        if entry != before:
            self.dirty = True

    def _test(self) -> None:
        self._pull()
        if not 0 <= self._current < len(self._entries):
            return
        name = str(self._entries[self._current].get("name", ""))
        self.result.setText("Saving and testing…")
        self._host.save_then(lambda: self._probe(name))

    def _probe(self, name: str) -> None:
        self._host.call(
            {"cmd": "test_backend", "name": name}, lambda reply: self._show_probe(name, reply)
        )

    def _show_probe(self, name: str, reply: Reply) -> None:
        if not reply.get("ok"):
            self.result.setText("The test could not run. Save your changes, then test again.")
            return
        probe = reply.get("probe")
        if probe is None:
            self.result.setText("The test could not run. Save your changes, then test again.")
            return
        entry = next((e for e in self._entries if e.get("name") == name), {})
        kind = str(entry.get("type", ""))
        secrets = [field_words(f).label for f in secret_fields(kind)]
        self.result.setText(
            probe_words(
                probe["status"],
                probe["detail"],
                vendor_name(kind),
                host_and_port(str(entry.get("base_url") or "")),
                secrets[:1] if len(secrets) == 1 else ["password or token"],
                in_wizard=False,
            )
        )


def _widget_value(widget: QWidget) -> Any:
    kind = widget.property("optionKind")
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QSpinBox):
        return widget.value() or None
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QLineEdit):
        text = widget.text().strip()
        if kind == "texts":
            return [part.strip() for part in text.split(",") if part.strip()]
        if kind == "table":
            pairs = [part.split("=", 1) for part in text.split(",") if "=" in part]
            return {k.strip(): v.strip() for k, v in pairs}
        return text
    return None


def _file_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry for the file: defaults (enabled = true, empty values) left out."""
    result = {k: v for k, v in entry.items() if v not in (None, "", [], {})}
    if result.get("enabled") is True:
        del result["enabled"]
    return result


def _stored_secrets() -> list[tuple[str, str]]:
    from agent.secrets import SecretStore

    return SecretStore().list()

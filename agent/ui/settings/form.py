"""Binding settings widgets to config keys, with IT-locked keys shown disabled.

A field shows the effective value (file, policy or default) and writes to the user's
file only what the user changed or had already written, so saving never copies
defaults or recommended values into the file (they would then stop following IT).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

from agent.core.durations import format_duration

if TYPE_CHECKING:
    from agent.config.loader import LoadedConfig
    from agent.ui.settings.document import ConfigDocument

LOCKED_TEXT = "Managed by your organization"


def locked_text(loaded: LoadedConfig | None) -> str:
    """The note on locked settings, with the organisation's name when policy gives it."""
    name = loaded.config.general.managed_by.strip() if loaded is not None else ""
    return f"Managed by {name}" if name else LOCKED_TEXT


def is_locked(loaded: LoadedConfig | None, key: str) -> bool:
    """True when IT enforces ``key`` or anything under it (``rules`` covers ``rules[0]...``)."""
    if loaded is None:
        return False
    if loaded.is_locked(key):
        return True
    return any(k.startswith((key + ".", key + "[")) for k in loaded.locked)


def lock(widget: QWidget, locked: bool, text: str = LOCKED_TEXT) -> None:
    widget.setEnabled(not locked)
    widget.setToolTip(text if locked else "")


def locked_label() -> QLabel:
    """The note beside a locked setting (plain text: an emoji lock is a box in many fonts)."""
    label = QLabel(LOCKED_TEXT)
    label.setObjectName("lockedNote")
    label.setStyleSheet("color: palette(mid);")
    return label


def effective(loaded: LoadedConfig | None, key: str, default: Any) -> Any:
    """The effective value of a dotted ``section.key`` from the loaded config."""
    if loaded is None:
        return default
    section, _, name = key.rpartition(".")
    part = getattr(loaded.config, section, None) if section else loaded.config
    return getattr(part, name, default)


class Field:
    """One widget bound to one dotted key."""

    def __init__(
        self,
        key: str,
        widget: QWidget,
        read: Callable[[], Any],
        write: Callable[[Any], None],
        to_file: Callable[[Any], Any] = lambda v: v,
    ) -> None:
        self.key = key
        self.widget = widget
        self._read = read
        self._write = write
        self._to_file = to_file
        self._initial: Any = None
        self.locked = False

    def load(self, loaded: LoadedConfig | None, default: Any) -> None:
        self.locked = is_locked(loaded, self.key)
        self._write(effective(loaded, self.key, default))
        self._initial = self._read()
        lock(self.widget, self.locked, locked_text(loaded))

    def changed(self) -> bool:
        return not self.locked and self._read() != self._initial

    def store(self, doc: ConfigDocument) -> None:
        if self.locked:
            return
        value = self._read()
        if value != self._initial or doc.get(self.key) is not None:
            doc.set(self.key, self._to_file(value))


class FieldForm:
    """A form of bound fields with a "Managed by your organization" note per locked row."""

    def __init__(self, layout: QFormLayout) -> None:
        self.layout = layout
        self.fields: list[tuple[Field, Any]] = []
        self._notes: dict[str, QLabel] = {}

    def _add(self, label: str, field: Field, default: Any) -> Field:
        note = locked_label()
        note.setVisible(False)
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(field.widget, 1)
        box.addWidget(note)
        self.layout.addRow(label, row)
        self._notes[field.key] = note
        self.fields.append((field, default))
        return field

    def check(self, label: str, key: str, default: bool) -> QCheckBox:
        box = QCheckBox()
        box.setObjectName(key)
        self._add(label, Field(key, box, box.isChecked, lambda v: box.setChecked(bool(v))), default)
        return box

    def text(self, label: str, key: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(key)
        edit.setPlaceholderText(placeholder)
        self._add(label, Field(key, edit, edit.text, lambda v: edit.setText(str(v or ""))), "")
        return edit

    def minutes(self, label: str, key: str, default: float) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(key)
        spin.setRange(1, 24 * 60)
        spin.setSuffix(" min")
        field = Field(
            key,
            spin,
            spin.value,
            lambda v: spin.setValue(round(float(v) / 60)),
            lambda v: format_duration(v * 60),
        )
        self._add(label, field, default)
        return spin

    def time(self, label: str, key: str, default: str) -> QTimeEdit:
        edit = QTimeEdit()
        edit.setObjectName(key)
        edit.setDisplayFormat("HH:mm")
        field = Field(
            key,
            edit,
            lambda: edit.time().toString("HH:mm"),
            lambda v: edit.setTime(QTime.fromString(str(v), "HH:mm")),
        )
        self._add(label, field, default)
        return edit

    def choice(self, label: str, key: str, choices: tuple[str, ...], default: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(key)
        combo.addItems(list(choices))
        field = Field(key, combo, combo.currentText, lambda v: combo.setCurrentText(str(v)))
        self._add(label, field, default)
        return combo

    def load(self, loaded: LoadedConfig | None) -> None:
        for field, default in self.fields:
            field.load(loaded, default)
            self._notes[field.key].setText(locked_text(loaded))
            self._notes[field.key].setVisible(field.locked)

    def store(self, doc: ConfigDocument) -> None:
        for field, _ in self.fields:
            field.store(doc)

    def changed(self) -> bool:
        """Whether the user edited any field since the last load."""
        return any(field.changed() for field, _ in self.fields)

    def editable(self) -> bool:
        """Whether any field is not locked by policy."""
        return any(not field.locked for field, _ in self.fields)

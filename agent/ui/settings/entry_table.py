"""An editable, ordered table of ``[[...]]`` entries (rules, locations, calendars).

Columns hold text, comma-separated lists, a choice or a flag. Rows can be added,
removed and moved (rule order matters: first match wins). The table is "dirty" once
the user changes anything, and only then is the array written back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from agent.ui.settings.form import LOCKED_TEXT, locked_label


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "text"  # text | list | choice | flag
    choices: tuple[str, ...] = ()
    default: Any = ""
    labels: tuple[str, ...] = ()
    """What a person reads for each of ``choices`` (the file keeps the choice itself)."""

    def label_of(self, choice: str) -> str:
        return dict(zip(self.choices, self.labels, strict=False)).get(choice, choice)


class EntryTable(QWidget):
    def __init__(self, name: str, columns: Sequence[Column], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self.columns = list(columns)
        self.dirty = False
        self.table = QTableWidget(0, len(self.columns))
        self.table.setObjectName(f"{name}Table")
        self.table.setHorizontalHeaderLabels([c.title for c in self.columns])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.itemChanged.connect(self._changed)
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.add_button.clicked.connect(lambda: self.add_row({}))
        self.remove_button.clicked.connect(self.remove_selected)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.locked_note = locked_label()
        self.locked_note.setVisible(False)
        buttons.addWidget(self.locked_note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def set_locked(self, locked: bool, text: str = LOCKED_TEXT) -> None:
        for widget in (self.table, self.add_button, self.remove_button):
            widget.setEnabled(not locked)
        self.up_button.setEnabled(not locked)
        self.down_button.setEnabled(not locked)
        self.table.setToolTip(text if locked else "")
        self.locked_note.setText(text)
        self.locked_note.setVisible(locked)

    def set_entries(self, entries: Sequence[Mapping[str, Any]]) -> None:
        self.table.setRowCount(0)
        for entry in entries:
            self.add_row(entry)
        self.dirty = False

    def add_row(self, entry: Mapping[str, Any]) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._fill(row, entry)
        self.table.selectRow(row)
        self.dirty = True

    def _fill(self, row: int, entry: Mapping[str, Any]) -> None:
        self.table.blockSignals(True)
        for col, column in enumerate(self.columns):
            value = entry.get(column.key, column.default)
            if column.kind == "choice":
                combo = QComboBox()
                for choice in column.choices:
                    combo.addItem(column.label_of(choice), choice)
                wanted = str(value or column.default)
                if combo.findData(wanted) < 0:  # a value the list does not know: keep it
                    combo.addItem(wanted, wanted)
                combo.setCurrentIndex(combo.findData(wanted))
                combo.currentIndexChanged.connect(self._changed)
                self.table.setCellWidget(row, col, combo)
                continue
            item = QTableWidgetItem()
            if column.kind == "flag":
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                checked = Qt.CheckState.Checked if value else Qt.CheckState.Unchecked
                item.setCheckState(checked)
            elif column.kind == "list":
                values = [value] if isinstance(value, str) else list(value or ())
                item.setText(", ".join(str(v) for v in values if v))
            else:
                item.setText("" if value is None else str(value))
            self.table.setItem(row, col, item)
        self.table.blockSignals(False)

    def cell(self, row: int, key: str) -> Any:
        col = next(i for i, c in enumerate(self.columns) if c.key == key)
        column = self.columns[col]
        if column.kind == "choice":
            widget = self.table.cellWidget(row, col)
            return str(widget.currentData() or "") if isinstance(widget, QComboBox) else ""
        item = self.table.item(row, col)
        if item is None:
            return None
        if column.kind == "flag":
            return item.checkState() == Qt.CheckState.Checked
        text = item.text().strip()
        if column.kind == "list":
            return [part.strip() for part in text.split(",") if part.strip()]
        return text

    def set_cell(self, row: int, key: str, value: Any) -> None:
        entry = self.entry(row)
        entry[key] = value
        self._fill(row, entry)
        self.dirty = True

    def entry(self, row: int) -> dict[str, Any]:
        return {column.key: self.cell(row, column.key) for column in self.columns}

    def entries(self) -> list[dict[str, Any]]:
        """Rows as dicts for the file: empty values and unset flags are left out."""
        result = []
        for row in range(self.table.rowCount()):
            entry = {k: v for k, v in self.entry(row).items() if v not in ("", [], None, False)}
            if entry:
                result.append(entry)
        return result

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.dirty = True

    def move_selected(self, step: int) -> None:
        row = self.table.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.table.rowCount():
            return
        here, there = self.entry(row), self.entry(target)
        self._fill(row, there)
        self._fill(target, here)
        self.table.selectRow(target)
        self.dirty = True

    def _changed(self, *_: Any) -> None:
        self.dirty = True

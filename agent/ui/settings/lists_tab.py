"""The Rules, Locations and Calendars tabs: ordered ``[[...]]`` entries in a table.

Each shows what the user's file holds (or, when the file has none, the effective
entries, e.g. from policy) and writes the array back only when the user edited it.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from agent.core.durations import format_duration
from agent.core.model import Status
from agent.secret_names import CALENDAR_URL_FIELD, calendar_owner
from agent.ui.settings.entry_table import Column, EntryTable
from agent.ui.settings.form import FieldForm, is_locked, locked_text

if TYPE_CHECKING:
    from agent.config.loader import LoadedConfig
    from agent.platform.network_view import NetworkView
    from agent.ui.settings.document import ConfigDocument
    from agent.ui.settings.host import Secrets, SettingsHost

CONDITIONS = (
    "activeCall",
    "activeMeeting",
    "locked",
    "idle",
    "afterHours",
    "location",
    "remote",
)
CONDITION_LABELS = (
    "On a call",
    "In a meeting",
    "Screen locked",
    "Idle",
    "Outside working hours",
    "At a location",
    "Not at a known location",
)
STATUS_CHOICES = tuple(s.value for s in Status)
STATUS_LABELS = tuple(s.label for s in Status)
LOCATION_TYPES = ("building", "level", "site")
LOCATION_TYPE_LABELS = ("Building", "Floor", "Site")
DEFAULT_RULES_NOTE = (
    "With no rules, the built-in ones apply: on a call → Busy, in a meeting → Busy, "
    "screen locked → Away, idle → Away, outside working hours → Away."
)


class EntriesTab(QWidget):
    """A tab holding one :class:`EntryTable` for the array ``key``."""

    title = ""
    name = ""
    key = ""
    columns: tuple[Column, ...] = ()

    def __init__(self, host: SettingsHost) -> None:
        super().__init__()
        self._host = host
        self.layout_ = QVBoxLayout(self)
        self.entries = EntryTable(self.key, self.columns)
        self.layout_.addWidget(self.entries)
        self._locked = False

    def load(self, doc: ConfigDocument, loaded: LoadedConfig | None) -> None:
        written = doc.entries(self.key)
        if written:
            self.entries.set_entries(written)
        elif loaded is not None:
            effective = getattr(loaded.config, self.key)
            self.entries.set_entries([_entry_dict(e) for e in effective])
        self._locked = is_locked(loaded, self.key)
        self.entries.set_locked(self._locked, locked_text(loaded))

    def store(self, doc: ConfigDocument, secrets: Secrets) -> None:
        if self.entries.dirty and not self._locked:
            doc.set_entries(self.key, self.entries.entries())

    def has_changes(self) -> bool:
        return self.entries.dirty and not self._locked

    def can_change(self) -> bool:
        return not self._locked


class RulesTab(EntriesTab):
    title = "Rules"
    name = "rules"
    key = "rules"
    columns = (
        Column("condition", "When", "choice", CONDITIONS, "activeCall", CONDITION_LABELS),
        Column("location", "At location", "choice", ("",), "", ("Any",)),
        Column("after", "After"),
        Column("set_status", "Set status to", "choice", STATUS_CHOICES, "busy", STATUS_LABELS),
        Column("message", "Message"),
    )

    def __init__(self, host: SettingsHost) -> None:
        super().__init__(host)
        note = QLabel(
            DEFAULT_RULES_NOTE + " The first matching rule wins. “After” is how long the "
            "condition must last first, e.g. 10m."
        )
        note.setWordWrap(True)
        self.layout_.insertWidget(0, note)

    def load(self, doc: ConfigDocument, loaded: LoadedConfig | None) -> None:
        """The location column offers the configured locations by name."""
        places = doc.entries("locations") or (
            [{"id": p.id, "name": p.name} for p in loaded.config.locations] if loaded else []
        )
        ids = tuple(str(p.get("id")) for p in places if p.get("id"))
        names = tuple(str(p.get("name") or p.get("id")) for p in places if p.get("id"))
        index = next(i for i, c in enumerate(self.entries.columns) if c.key == "location")
        self.entries.columns[index] = dataclasses.replace(
            self.entries.columns[index], choices=("", *ids), labels=("Any", *names)
        )
        super().load(doc, loaded)


class LocationsTab(EntriesTab):
    title = "Locations"
    name = "locations"
    key = "locations"
    columns = (
        Column("id", "ID"),
        Column("name", "Name"),
        Column("type", "Kind", "choice", LOCATION_TYPES, "building", LOCATION_TYPE_LABELS),
        Column("subnet", "Subnets", "list"),
        Column("gateway_mac", "Gateway MACs", "list"),
        Column("dns_suffix", "DNS suffixes", "list"),
        Column("ssid", "Wi-Fi names", "list"),
        Column("bssid", "Access points", "list"),
    )

    def __init__(self, host: SettingsHost) -> None:
        super().__init__(host)
        form_host = QWidget()
        form = QFormLayout(form_host)
        form.setContentsMargins(0, 0, 0, 0)
        self.form = FieldForm(form)
        self.form.choice("Location detection", "location.mode", ("full", "site", "off"), "full")
        self.layout_.insertWidget(0, form_host)
        self.use_network = QPushButton("Use current network")
        self.use_network.setToolTip("Fill the selected location's matchers from this network")
        self.use_network.clicked.connect(self._use_current_network)
        self.network_note = QLabel()
        self.network_note.setWordWrap(True)
        self.layout_.addWidget(self.use_network)
        self.layout_.addWidget(self.network_note)

    def load(self, doc: ConfigDocument, loaded: LoadedConfig | None) -> None:
        super().load(doc, loaded)
        self.form.load(loaded)
        self.use_network.setEnabled(not self._locked)

    def store(self, doc: ConfigDocument, secrets: Secrets) -> None:
        super().store(doc, secrets)
        self.form.store(doc)

    def has_changes(self) -> bool:
        return super().has_changes() or self.form.changed()

    def can_change(self) -> bool:
        return super().can_change() or self.form.editable()

    def _use_current_network(self) -> None:
        if self.entries.table.currentRow() < 0:
            self.entries.add_row({"id": "office", "name": "Office"})
        self.network_note.setText("Reading this network…")
        self._host.background(current_matchers, self._fill_matchers)

    def _fill_matchers(self, matchers: Any) -> None:
        row = self.entries.table.currentRow()
        if not matchers or row < 0:
            self.network_note.setText("Could not read this network.")
            return
        for key, values in matchers.items():
            if values:
                self.entries.set_cell(row, key, values)
        self.entries.table.selectRow(row)
        self.network_note.setText(
            "Filled from this network: " + ", ".join(k for k, v in matchers.items() if v)
        )


class CalendarsTab(EntriesTab):
    title = "Calendars"
    name = "calendars"
    key = "calendars"
    columns = (
        Column("name", "Name"),
        Column("path", "ICS file"),
        Column("url", "https URL"),
        Column("url_secret", "URL is secret", "flag", default=False),
        Column("refresh", "Refresh"),
        Column("user_email", "Your email in it"),
    )

    def __init__(self, host: SettingsHost) -> None:
        super().__init__(host)
        note = QLabel(
            "A calendar's secret address (Outlook, Google) is a password: tick "
            "“URL is secret” and it is stored in the keyring, not in the file."
        )
        note.setWordWrap(True)
        self.layout_.insertWidget(0, note)

    def store(self, doc: ConfigDocument, secrets: Secrets) -> None:
        if not self.entries.dirty or self._locked:
            return
        entries = self.entries.entries()
        for entry in entries:
            if entry.get("url_secret") and entry.get("url"):
                secrets.append(
                    (calendar_owner(entry["name"]), CALENDAR_URL_FIELD, str(entry.pop("url")))
                )
        doc.set_entries(self.key, entries)


def _entry_dict(entry: Any) -> dict[str, Any]:
    """A config dataclass entry as the file would spell it (durations as "5m")."""
    result: dict[str, Any] = {}
    for field in dataclasses.fields(entry):
        value = getattr(entry, field.name)
        if field.metadata.get("duration") and isinstance(value, int | float):
            value = format_duration(value)
        result[field.name] = value
    return result


def current_matchers() -> dict[str, list[str]]:
    """Matchers for the network this machine is on now (blocking: run it off the GUI)."""
    view = _read_network()
    gateway_ifaces = {g.interface for g in view.gateways}
    subnets = []
    for interface in view.interfaces:
        if interface.name not in gateway_ifaces or interface.vpn:
            continue
        for address in interface.addresses:
            network = ipaddress.ip_interface(str(address)).network
            if not (network.is_link_local or network.is_loopback):
                subnets.append(str(network))
    return {
        "subnet": subnets,
        "gateway_mac": [g.mac for g in view.gateways if g.mac],
        "dns_suffix": list(view.dns_suffixes),
        "ssid": [w.ssid for w in view.wifi if w.ssid],
        "bssid": [w.bssid for w in view.wifi if w.bssid],
    }


def _read_network() -> NetworkView:
    from agent.platform.network import network_sources

    return network_sources().reader.read()

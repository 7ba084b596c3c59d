"""General settings: who you are, when you count as away, working hours, notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QWidget

from agent.config.schema import IdleSettings, ScheduleSettings
from agent.ui.settings.form import FieldForm, lock, locked_text

if TYPE_CHECKING:
    from agent.config.loader import LoadedConfig
    from agent.ui.settings.document import ConfigDocument
    from agent.ui.settings.host import Secrets, SettingsHost


class GeneralTab(QWidget):
    title = "General"
    name = "general"

    def __init__(self, host: SettingsHost) -> None:
        super().__init__()
        self._host = host
        layout = QFormLayout(self)
        self.start_at_login = QCheckBox("Start Presence Agent when I log in")
        self.start_at_login.setObjectName("start_at_login")
        self._autostart: bool | None = None
        self._autostart_policy = "user-decides"
        layout.addRow("Start at login", self.start_at_login)
        self.form = FieldForm(layout)
        self.form.text("Email", "user.email", "you@example.com")
        self.form.text("Display name", "user.display_name")
        self.away_after = self.form.minutes(
            "Away after idle for", "idle.away_after", IdleSettings().away_after
        )
        self.form.check("Locking the screen means away", "idle.lock_is_away", True)
        defaults = ScheduleSettings()
        self.form.time("Working day starts", "schedule.start", defaults.start)
        self.form.time("Working day ends", "schedule.end", defaults.end)
        self.notifications = self.form.check("Show notifications", "ui.notifications", False)
        self.form.check("Notify about automatic changes", "ui.notify_automatic", False)
        hint = QLabel("Changes apply as soon as you save; no restart needed.")
        hint.setStyleSheet("color: palette(mid);")
        layout.addRow(hint)

    def load(self, doc: ConfigDocument, loaded: LoadedConfig | None) -> None:
        self.form.load(loaded)
        policy = loaded.config.general.autostart if loaded else "user-decides"
        self._autostart_policy = policy
        everything = loaded is not None and loaded.config.general.lock_settings
        lock(self.start_at_login, everything or policy in ("always", "never"), locked_text(loaded))
        self._host.background(_autostart_enabled, self._show_autostart)

    def has_changes(self) -> bool:
        toggled = self._autostart is not None and self.start_at_login.isChecked() != self._autostart
        return self.form.changed() or toggled

    def can_change(self) -> bool:
        return self.form.editable() or self.start_at_login.isEnabled()

    def _show_autostart(self, enabled: Any) -> None:
        self._autostart = None if enabled is None else bool(enabled)
        self.start_at_login.setChecked(bool(enabled))

    def store(self, doc: ConfigDocument, secrets: Secrets) -> None:
        self.form.store(doc)
        wanted = self.start_at_login.isChecked()
        if self._autostart is not None and wanted != self._autostart:
            policy = self._autostart_policy
            self._autostart = wanted
            self._host.background(lambda: _set_autostart(wanted, policy), lambda _: None)


def _autostart_enabled() -> bool:
    from agent.autostart import entry_for_platform

    return entry_for_platform().is_enabled()


def _set_autostart(enabled: bool, policy: str) -> None:
    from agent.autostart import entry_for_platform, set_enabled

    set_enabled(entry_for_platform(), enabled, policy)

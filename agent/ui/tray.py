"""The tray controller: wires the link to the agent to the icon, the menu and the windows.

Everything here runs on the GUI thread and never blocks: requests go to the agent
(a separate process) through :class:`AgentLink`'s worker threads, file reads go
through ``AgentLink.background``. Dialogs and the settings window are imported and
built on first use, which keeps the idle tray process small.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QCursor, QDesktopServices
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from agent.core.model import Status
from agent.protocol import Reply, Request, Snapshot
from agent.ui import describe
from agent.ui.agent_link import AgentLink
from agent.ui.icons import status_icon
from agent.ui.menu import TrayMenu
from agent.ui.notifications import Notice, notices
from agent.ui.notifier import notifier_for_platform
from agent.ui.recent import RECENT_LIMIT, RecentChange, recent_from_reply
from agent.ui.vendor_words import vendor_name

if TYPE_CHECKING:
    from agent.config.loader import LoadedConfig
    from agent.config.paths import Paths
    from agent.ui.details_window import DetailsWindow
    from agent.ui.dnd_dialog import DndDialog
    from agent.ui.message_dialog import MessageDialog
    from agent.ui.settings.window import SettingsWindow
    from agent.ui.status_window import StatusWindow
    from agent.ui.wizard import FirstRunWizard

log = logging.getLogger(__name__)


class TrayController(QObject):
    """One per tray process: owns the link to the agent, the icon and the windows."""

    config_loaded = Signal()
    """The effective configuration was (re)read; :attr:`config` is current."""

    def __init__(
        self,
        paths: Paths,
        agent_command: Sequence[str] | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``agent_command`` starts the agent when none runs (default: the headless agent)."""
        super().__init__(parent)
        self.paths = paths
        self.snapshot: Snapshot | None = None  # none until the agent first answers
        self.config: LoadedConfig | None = None
        self.link = AgentLink(paths, agent_command, self)
        self.menu = TrayMenu()
        self.tray = QSystemTrayIcon(status_icon(Status.OFFLINE), self)
        self.tray.setToolTip("Presence Agent — starting")
        self.tray.setContextMenu(self.menu)
        self.message_dialog: MessageDialog | None = None
        self.settings_window: SettingsWindow | None = None
        self.wizard: FirstRunWizard | None = None
        self.status_window: StatusWindow | None = None
        self.details_window: DetailsWindow | None = None
        self.dnd_dialog: DndDialog | None = None
        self.notifier = notifier_for_platform(self.tray, self.link.background)
        self.last_reply: Reply | None = None
        self.recent: list[RecentChange] = []
        self.tray.activated.connect(self._on_tray_activated)
        self.menu.request.connect(self.send)
        self.menu.message_dialog_requested.connect(self.open_message_dialog)
        self.menu.settings_requested.connect(self.open_settings)
        self.menu.logs_requested.connect(self.open_logs)
        self.menu.join_requested.connect(self._join)
        self.menu.quit_requested.connect(self.quit)
        self.menu.details_requested.connect(self.open_details)
        self.menu.custom_dnd_requested.connect(self.open_dnd_dialog)
        self.menu.aboutToShow.connect(self.refresh_status)
        self.menu.aboutToShow.connect(self.refresh_recent)
        self.link.snapshot_changed.connect(self._on_snapshot)
        self.link.activated.connect(self.activate)
        self.link.failed.connect(self._on_failed)
        self.link.connection_changed.connect(self._on_connection)

    def start(self, first_run: bool = False) -> None:
        """Reach (or start) the agent and show the icon (or the status window without a tray)."""
        self.link.start()
        self.tray.show()
        self.reload_config()
        if not QSystemTrayIcon.isSystemTrayAvailable():
            self.show_status_window(
                "No system tray was found on this desktop (for example a Wayland session "
                "without a StatusNotifier host), so Presence Agent shows this window instead. "
                "It keeps running while the window is open."
            )
        if first_run:
            self.open_wizard()

    def quit(self) -> None:
        """Quit the tray app: the agent too (the tray's Quit means stop presence updates)."""
        self.tray.hide()
        self.link.quit_agent(timeout=2.0)
        self.link.stop()
        QApplication.quit()

    # -- agent ------------------------------------------------------------------------

    def send(self, request: Request) -> None:
        """Send a request to the agent; failures are shown, never raised."""
        self.link.call(request, self._on_reply)

    def _on_reply(self, reply: Reply) -> None:
        self.last_reply = reply
        if not reply.get("ok", False):
            error = str(reply.get("error") or "the request failed")
            log.warning("request failed: %s", error)
            self.notifier.show(Notice("Presence Agent could not do that", error, warning=True))

    def refresh_status(self) -> None:
        """Ask for a fresh snapshot: backend health changes between presence changes."""
        self.link.call({"cmd": "status"}, self._on_status)

    def _on_status(self, reply: Reply) -> None:
        snapshot = reply.get("snapshot")
        if reply["ok"] and snapshot is not None and snapshot != self.snapshot:
            self._on_snapshot(snapshot)

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        previous = self.snapshot
        self.snapshot = snapshot
        status = describe.status_of(snapshot)
        self.tray.setIcon(status_icon(status, describe.needs_badge(snapshot)))
        self.tray.setToolTip(describe.tooltip(snapshot))
        self.menu.set_snapshot(snapshot)
        if self.status_window is not None:
            self.status_window.set_snapshot(snapshot)
        if self.details_window is not None:
            self.details_window.set_lines(self.health_details())
        if self.config is not None and set(snapshot.get("backends") or ()) != {
            b.name for b in self.config.config.backends if b.enabled
        }:
            self.reload_config()  # changed under us (another tool, the CLI): re-read it
        if self.config is not None:
            vendors, addresses = self._backend_words()
            for notice in notices(previous, snapshot, self.config.config.ui, vendors, addresses):
                self.notifier.show(notice)
        self.refresh_recent()

    def _backend_words(self) -> tuple[dict[str, str], dict[str, str]]:
        """Per configured backend name: the vendor's name and the server's host:port."""
        from agent.backends.http import host_and_port

        backends = self.config.config.backends if self.config is not None else ()
        reported = self.snapshot["backends"] if self.snapshot is not None else {}
        vendors = {name: vendor_name(b["type"]) for name, b in reported.items()}
        vendors.update({b.name: vendor_name(b.type) for b in backends})
        addresses = {b.name: host_and_port(b.base_url) for b in backends if b.base_url}
        return vendors, addresses

    def health_details(self) -> list[str]:
        vendors, addresses = self._backend_words()
        if self.snapshot is None:
            return []
        return describe.health_details(self.snapshot, vendors, addresses)

    def refresh_recent(self) -> None:
        """Ask the agent for its history of reported changes (whatever the backends)."""
        self.link.call({"cmd": "history", "limit": RECENT_LIMIT}, self._on_recent)

    def _on_recent(self, reply: Reply) -> None:
        if not reply.get("ok"):
            return
        self.recent = recent_from_reply(reply)
        self.menu.set_recent(self.recent)
        if self.message_dialog is not None:
            self.message_dialog.set_recent([e.message for e in self.recent if e.message])

    def _on_connection(self, connected: bool, why: str) -> None:
        if connected:
            self.reload_config()  # it may have changed while the agent was away
            return
        text = f"Presence Agent — {why}"
        self.tray.setIcon(status_icon(Status.OFFLINE, True))
        self.tray.setToolTip(text)
        self.menu.set_disconnected(text)

    def _on_failed(self, error: str) -> None:
        self.tray.setToolTip(f"Presence Agent is not running: {error}")
        self.show_status_window(f"The agent could not run: {error}")

    def reload_config(self) -> None:
        """Re-read the effective configuration off the GUI thread (menu, policy locks)."""
        paths = self.paths

        def load() -> LoadedConfig | None:
            from agent.config_checks import ConfigError, load_config

            try:
                return load_config(paths)
            except ConfigError as exc:
                log.warning("configuration problems: %s", "; ".join(exc.problems))
                return None

        self.link.background(load, self._on_config)

    def _on_config(self, loaded: LoadedConfig | None) -> None:
        if loaded is None:
            return
        self.config = loaded
        config = loaded.config
        self.menu.set_locations([(loc.id, loc.name) for loc in config.locations])
        self.menu.set_hidden(config.ui.hidden_menu_items)
        self.config_loaded.emit()

    # -- windows ----------------------------------------------------------------------

    def activate(self) -> None:
        """Another launch asked for us: bring up the settings window."""
        self.open_settings("")

    def _on_tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.menu.popup(QCursor.pos())

    def open_message_dialog(self) -> None:
        from agent.ui.message_dialog import MessageDialog

        if self.message_dialog is None:
            presets = self.config.config.ui.preset_messages if self.config else ()
            self.message_dialog = MessageDialog(presets)
            self.message_dialog.request.connect(self.send)
        if self.snapshot is not None:
            self.message_dialog.prepare(self.snapshot)
        self.message_dialog.set_recent([e.message for e in self.recent if e.message])
        self.refresh_recent()
        _raise(self.message_dialog)

    def open_details(self) -> None:
        from agent.ui.details_window import DetailsWindow

        if self.details_window is None:
            self.details_window = DetailsWindow()
            self.details_window.settings_requested.connect(lambda: self.open_settings("backends"))
        self.details_window.set_lines(self.health_details())
        _raise(self.details_window)

    def open_dnd_dialog(self) -> None:
        from agent.ui.dnd_dialog import DndDialog

        if self.dnd_dialog is None:
            self.dnd_dialog = DndDialog()
            self.dnd_dialog.request.connect(self.send)
        self.dnd_dialog.prepare()
        _raise(self.dnd_dialog)

    def open_settings(self, tab: str = "") -> None:
        from agent.ui.settings.window import SettingsWindow

        if self.settings_window is None:
            self.settings_window = SettingsWindow(self)
        self.settings_window.show_tab(tab)
        _raise(self.settings_window)

    def open_wizard(self) -> None:
        from agent.ui.wizard import FirstRunWizard

        if self.wizard is None:
            self.wizard = FirstRunWizard(self)
        _raise(self.wizard)

    def show_status_window(self, why: str) -> None:
        from agent.ui.status_window import StatusWindow

        if self.status_window is None:
            self.status_window = StatusWindow(self.menu)
            if self.snapshot is not None:
                self.status_window.set_snapshot(self.snapshot)
        self.status_window.set_reason(why)
        _raise(self.status_window)

    def open_logs(self) -> None:
        log_dir = self.paths.log_dir

        def ensure() -> str:
            log_dir.mkdir(parents=True, exist_ok=True)
            return str(log_dir)

        self.link.background(ensure, self._open_folder)

    def _open_folder(self, folder: str | None) -> None:
        if folder:
            self._open_url(QUrl.fromLocalFile(folder))

    def _join(self, url: str) -> None:
        if url:
            self._open_url(QUrl(url))

    def _open_url(self, url: QUrl) -> None:
        if not QDesktopServices.openUrl(url):
            self.notifier.show(Notice("Presence Agent", f"Could not open {url.toString()}"))


def _raise(widget: QWidget) -> None:
    widget.show()
    widget.raise_()
    widget.activateWindow()

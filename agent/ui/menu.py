"""The tray menu: two clicks to any status, and always clear what is set, why, until when.

The whole structure, submenus included, is built once: Qt exports the menu over D-Bus
(StatusNotifierItem) only for submenus that exist when it is attached to the tray icon.
Updates then change texts, checks and visibility. Every action becomes a request
dict (see contracts.md) emitted through :attr:`TrayMenu.request`; the menu itself
never talks to the service.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from agent.core.model import Status
from agent.protocol import Snapshot
from agent.ui import describe
from agent.ui.icons import status_icon
from agent.ui.recent import RecentChange

DND_CHOICES = (
    ("30 minutes", "30m"),
    ("1 hour", "1h"),
    ("2 hours", "2h"),
    ("4 hours", "4h"),
    ("Until tomorrow", "tomorrow"),
)
PAUSE_CHOICES = (
    ("30 minutes", "30m"),
    ("1 hour", "1h"),
    ("2 hours", "2h"),
    ("4 hours", "4h"),
    ("Until tomorrow", "tomorrow"),
)
DETAIL_LINES = 4
#: Informational lines are cut to this many characters, so a long message, meeting
#: title or reason never makes the menu wider than the status items need.
LINE_CHARS = 40
STATUS_HINTS = {
    Status.INVISIBLE: "Others see you as offline; you still get messages and calls.",
    Status.OFFLINE: "You are not working: shown offline and not reachable.",
    Status.DND: "Others see you as busy and you get no notifications.",
}


def short(text: str, limit: int = LINE_CHARS) -> str:
    """``text`` cut at a word to ``limit`` characters, with "…" when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:—-") + "…"


class TrayMenu(QMenu):
    request = Signal(dict)
    """A service request (``{"cmd": ...}``) chosen by the user."""

    message_dialog_requested = Signal()
    settings_requested = Signal(str)
    """Open settings at the named tab ("" for the first)."""

    logs_requested = Signal()
    details_requested = Signal()
    """Open the window that explains the health line."""

    custom_dnd_requested = Signal()
    """Ask for a Do not disturb end time of the user's own choosing."""

    join_requested = Signal(str)
    quit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trayMenu")
        self.setToolTipsVisible(True)
        self._header = self.addAction("Starting…")
        self._header.setObjectName("header")
        font = self._header.font()
        font.setBold(True)
        self._header.setFont(font)
        self._details = [self._info("") for _ in range(DETAIL_LINES)]
        self.addSeparator()
        self._group = QActionGroup(self)
        self.status_actions: dict[Status, QAction] = {}
        for status in Status:
            action = self.addAction(status_icon(status), status.label)
            action.setCheckable(True)
            action.setObjectName(f"status.{status.value}")
            self._group.addAction(action)
            action.triggered.connect(lambda _=False, s=status: self._choose(s))
            action.setToolTip(STATUS_HINTS.get(status, ""))
            self.status_actions[status] = action
        self.message_action = self._item("message", "Set a status message…")
        self.message_action.triggered.connect(self.message_dialog_requested)
        self.dnd_menu = self._submenu("dnd", "Do not disturb for")
        for text, spec in DND_CHOICES:
            act = self.dnd_menu.addAction(text)
            act.triggered.connect(
                lambda _=False, f=spec: self.request.emit({"cmd": "set", "status": "dnd", "for": f})
            )
        self.dnd_menu.addAction("Until a time…").triggered.connect(self.custom_dnd_requested)
        self.pause_menu = self._submenu("pause", "Keep my current status for")
        self.pause_menu.menuAction().setToolTip(
            "Your status stays as it is now: idle, calls and meetings don't change it."
        )
        for text, spec in PAUSE_CHOICES:
            act = self.pause_menu.addAction(text)
            act.triggered.connect(
                lambda _=False, f=spec: self.request.emit({"cmd": "pause", "for": f})
            )
        self.resume_action = self._item("pause", "Change my status automatically again")
        self.resume_action.setObjectName("resume")
        self.resume_action.triggered.connect(lambda: self.request.emit({"cmd": "resume"}))
        self.location_menu = self._submenu("location", "I'm at")
        self._location_group = QActionGroup(self)
        self._locations: list[tuple[str, str]] = []
        self._pinned: str | None = None
        self._fill_locations()
        self.addSeparator()
        self.meeting_action = self._item("meeting", "")
        self.meeting_action.setEnabled(False)
        self.join_action = self._item("meeting", "Join")
        self.join_action.setObjectName("join")
        self._join_url = ""
        self.join_action.triggered.connect(lambda: self.join_requested.emit(self._join_url))
        self.recent_menu = self._submenu("recent", "Recent changes")
        self.set_recent([])
        self._health_separator = self.addSeparator()
        self.health_action = self.addAction("")
        self.health_action.setObjectName("health")
        self.health_action.triggered.connect(self.details_requested)
        self.addSeparator()
        self.settings_action = self._item("settings", "Settings…")
        self.settings_action.triggered.connect(lambda: self.settings_requested.emit(""))
        self.logs_action = self._item("logs", "Open logs folder")
        self.logs_action.triggered.connect(self.logs_requested)
        self.quit_action = self._item("quit", "Quit")
        self.quit_action.triggered.connect(self.quit_requested)
        self._hidden: frozenset[str] = frozenset()
        self._snapshot: Snapshot | None = None
        self._apply_visibility()

    # -- building blocks ---------------------------------------------------------------

    def _info(self, text: str) -> QAction:
        action = self.addAction(text)
        action.setEnabled(False)
        return action

    def _item(self, item_id: str, text: str) -> QAction:
        action = self.addAction(text)
        action.setObjectName(item_id)
        return action

    def _submenu(self, item_id: str, title: str) -> QMenu:
        menu = self.addMenu(title)
        menu.setObjectName(item_id)
        menu.menuAction().setObjectName(item_id)
        return menu

    def _choose(self, status: Status) -> None:
        if status is Status.AVAILABLE:
            self.request.emit({"cmd": "clear"})
        else:
            self.request.emit({"cmd": "set", "status": status.value, "message": "", "for": ""})

    # -- updates -----------------------------------------------------------------------

    def set_snapshot(self, snapshot: Snapshot) -> None:
        """Show a new service snapshot."""
        self._snapshot = snapshot
        status = describe.status_of(snapshot)
        self._header.setText(short(describe.headline(snapshot)))
        self._header.setIcon(status_icon(status, describe.needs_badge(snapshot)))
        lines = describe.detail_lines(snapshot)
        for action, line in zip(self._details, lines + [""] * DETAIL_LINES, strict=False):
            action.setText(short(line))
        self.status_actions[status].setChecked(True)
        self._pinned = snapshot.get("pinned_location")
        self._check_location()
        meeting = describe.meeting_line(snapshot)
        self.meeting_action.setText(short(meeting[0]) if meeting else "")
        self._join_url = meeting[1] if meeting else ""
        self.health_action.setText(describe.health_line(snapshot))
        self._apply_visibility()

    def set_disconnected(self, text: str) -> None:
        """Say that the agent cannot be reached; the next snapshot replaces it."""
        self._header.setText(short(text))
        self._header.setIcon(status_icon(Status.OFFLINE, True))

    def set_locations(self, locations: Sequence[tuple[str, str]]) -> None:
        """The configured locations as (id, name) pairs, for "I'm at"."""
        if list(locations) != self._locations:
            self._locations = list(locations)
            self._fill_locations()

    def set_hidden(self, items: Sequence[str]) -> None:
        """Menu items IT hides by policy (names from :mod:`agent.config.menu_items`)."""
        self._hidden = frozenset(items)
        self._apply_visibility()

    def set_recent(self, entries: Sequence[RecentChange]) -> None:
        self.recent_menu.clear()
        if not entries:
            self.recent_menu.addAction("No changes yet").setEnabled(False)
        for entry in entries:
            text = f"{describe.when(entry.at)}  {entry.label}"
            why = entry.reason_text or (describe.reason_words(entry.reason) if entry.reason else "")
            if why:
                text += f" — {describe.plain_reason(why)}"
            if entry.message:
                text += f" “{entry.message}”"
            self.recent_menu.addAction(short(text, 2 * LINE_CHARS)).setEnabled(False)

    def _fill_locations(self) -> None:
        self.location_menu.clear()
        for action in self._location_group.actions():
            self._location_group.removeAction(action)
        auto = self.location_menu.addAction("Detect automatically")
        auto.setObjectName("location:auto")
        auto.setCheckable(True)
        self._location_group.addAction(auto)
        auto.triggered.connect(lambda: self.request.emit({"cmd": "pin", "location": None}))
        if self._locations:
            self.location_menu.addSeparator()
        for location_id, name in self._locations:
            action = self.location_menu.addAction(name or location_id)
            action.setObjectName(f"location:{location_id}")
            action.setCheckable(True)
            self._location_group.addAction(action)
            action.triggered.connect(
                lambda _=False, i=location_id: self.request.emit({"cmd": "pin", "location": i})
            )
        self._check_location()

    def _check_location(self) -> None:
        wanted = f"location:{self._pinned}" if self._pinned else "location:auto"
        for action in self._location_group.actions():
            action.setChecked(action.objectName() == wanted)

    def _apply_visibility(self) -> None:
        for action in self._details:
            action.setVisible(bool(action.text()))
        self.health_action.setVisible(bool(self.health_action.text()))
        self._health_separator.setVisible(bool(self.health_action.text()))
        for status, action in self.status_actions.items():
            hidden = {f"status.{status.value}", status.value} & self._hidden
            action.setVisible(not hidden)
        paused = bool(self._snapshot and self._snapshot.get("paused_until"))
        for action in self.actions():
            name = action.objectName()
            if name in ("", "trayMenu", "header", "health") or name.startswith("status."):
                continue
            shown = name not in self._hidden
            if name == "resume":
                shown = paused and "pause" not in self._hidden
            elif name == "meeting":
                shown = shown and bool(self.meeting_action.text())
            elif name == "join":
                shown = "meeting" not in self._hidden and bool(self._join_url)
            elif name == "location":
                shown = shown and bool(self._locations)
            action.setVisible(shown)

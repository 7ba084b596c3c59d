"""The settings window: tabs over the user's config file, saved atomically, applied live.

Reading the file, checking it with the real loader, writing it and storing secrets
all happen off the GUI thread; then the service is asked to ``reload``, so changes
apply without a restart. A file the loader refuses is never written: the problems
are shown instead, each naming its key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from agent.ui.settings.about_tab import AboutTab
from agent.ui.settings.backends_tab import BackendsTab
from agent.ui.settings.document import ConfigDocument, check, write_atomically
from agent.ui.settings.form import locked_text
from agent.ui.settings.general_tab import GeneralTab
from agent.ui.settings.host import Secrets, SettingsApp
from agent.ui.settings.lists_tab import CalendarsTab, LocationsTab, RulesTab

if TYPE_CHECKING:
    from agent.config.loader import LoadedConfig
    from agent.config.paths import Paths
    from agent.protocol import Reply, Request


class SettingsTab(Protocol):
    title: str
    name: str

    def load(self, doc: ConfigDocument, loaded: LoadedConfig | None) -> None: ...

    def store(self, doc: ConfigDocument, secrets: Secrets) -> None: ...

    def has_changes(self) -> bool:
        """Edited since the last load (asked before the window closes)."""
        ...

    def can_change(self) -> bool:
        """Anything on the tab is not locked by policy (else Save has nothing to do)."""
        ...


@dataclass
class SaveResult:
    problems: list[str] = field(default_factory=list)
    written: bool = False


class SettingsWindow(QWidget):
    def __init__(self, app: SettingsApp) -> None:
        super().__init__()
        self.setObjectName("settingsWindow")
        self.setWindowTitle("Settings")
        self.app = app
        self.doc: ConfigDocument | None = None
        self.loaded: LoadedConfig | None = None
        self.saving = False
        self.tabs = QTabWidget()
        self.pages: list[SettingsTab] = []
        for page in (
            GeneralTab(self),
            RulesTab(self),
            LocationsTab(self),
            CalendarsTab(self),
            BackendsTab(self),
            AboutTab(self),
        ):
            self.pages.append(page)
            self.tabs.addTab(page, page.title)
        self.message = QLabel()
        self.message.setObjectName("saveMessage")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        assert save_button is not None
        self.save_button = save_button
        self.buttons.accepted.connect(lambda: self.save())
        self.buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(760, 520)
        self.reload()

    # -- the tabs' host (agent.ui.settings.host.SettingsHost) ----------------------------

    @property
    def paths(self) -> Paths:
        return self.app.paths

    def call(self, request: Request, on_done: Callable[[Reply], None]) -> None:
        self.app.link.call(request, on_done)

    def background(self, work: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        self.app.link.background(work, on_done)

    def save_then(self, then: Callable[[], None]) -> None:
        self.save(then=then)

    # -- the window ------------------------------------------------------------------------

    def has_changes(self) -> bool:
        return self.doc is not None and any(page.has_changes() for page in self.pages)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802  (Qt's name)
        """Like a desktop app: unsaved edits are saved, discarded or kept; never lost quietly."""
        if self.saving or not self.has_changes():
            event.accept()
            return
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            "Save your changes to the settings before closing?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            event.ignore()
            self.save(then=self.hide)  # a refused file keeps the window open, saying why
        elif answer == QMessageBox.StandardButton.Discard:
            event.accept()
            self.reload()  # the next opening shows the file, not the dropped edits
        else:
            event.ignore()

    def show_tab(self, name: str) -> None:
        for index, page in enumerate(self.pages):
            if page.name == name:
                self.tabs.setCurrentIndex(index)

    def reload(self) -> None:
        """Read the file and the effective config off the GUI thread, then fill the tabs."""
        paths = self.app.paths
        self.app.link.background(lambda: _read(paths), self._fill)

    def _fill(self, result: Any) -> None:
        if result is None:
            self.message.setText("Could not read the settings file.")
            return
        self.doc, self.loaded, problems = result
        for page in self.pages:
            page.load(self.doc, self.loaded)
        editable = any(page.can_change() for page in self.pages)
        self.save_button.setEnabled(editable)
        if not editable:
            self.message.setText(
                f"{locked_text(self.loaded)}: these settings can't be changed here."
            )
        if problems:
            self.message.setText(
                "Some settings in your file could not be used, so their defaults apply:\n"
                + "\n".join(_in_words(p) for p in problems)
            )

    def save(self, then: Callable[[], None] | None = None) -> None:
        """Check, write and apply; ``then()`` runs after the agent has reloaded."""
        if self.doc is None or self.saving:
            return
        secrets: Secrets = []
        for page in self.pages:
            page.store(self.doc, secrets)
        text = self.doc.text()
        paths = self.app.paths
        self.saving = True
        self.message.setText("Saving…")
        self.app.link.background(
            lambda: save_settings(paths, text, secrets), lambda r: self._saved(r, then)
        )

    def _saved(self, result: SaveResult | None, then: Callable[[], None] | None) -> None:
        self.saving = False
        if result is None:
            self.message.setText("Saving failed; see the log.")
            return
        if result.problems:
            self.message.setText("Not saved:\n" + "\n".join(_in_words(p) for p in result.problems))
            return
        self.message.setText("Saved. Applying…")
        self.app.link.call({"cmd": "reload"}, lambda r: self._applied(r, then))

    def _applied(self, reply: Reply, then: Callable[[], None] | None) -> None:
        problems = reply.get("problems") or ([] if reply["ok"] else [reply.get("error", "")])
        if problems:
            self.message.setText(
                "Saved, but the agent kept its old settings:\n"
                + "\n".join(_in_words(str(p)) for p in problems)
            )
        else:
            self.message.setText("Saved and applied.")
        self.app.reload_config()
        self.reload()
        if then is not None:
            then()


def _read(paths: Paths) -> tuple[ConfigDocument, LoadedConfig | None, list[str]]:
    from agent.config_checks import ConfigError, load_config

    doc = ConfigDocument.read(paths.config_file)
    try:
        return doc, load_config(paths), []
    except ConfigError as error:
        return doc, None, list(error.problems)


def save_settings(paths: Paths, text: str, secrets: Secrets) -> SaveResult:
    """Check the text, store the secrets, then write the file (in that order)."""
    from agent.config.loader import ConfigError

    try:
        check(paths, text)
    except ConfigError as error:
        return SaveResult([_relabel(p, paths) for p in error.problems])
    if secrets:
        from agent.secrets import NoKeyringError, SecretStore

        store = SecretStore()
        try:
            for backend, name, value in secrets:
                store.set(backend, name, value)
        except NoKeyringError as error:
            return SaveResult([str(error)])
    current = paths.config_file.read_text(encoding="utf-8") if paths.config_file.exists() else None
    if text != current:
        write_atomically(paths.config_file, text)
    return SaveResult(written=text != current)


def _in_words(problem: str) -> str:
    """A loader problem without its file: ``/x/config.toml:4 idle.x: bad`` -> ``idle.x: bad``."""
    head, sep, rest = problem.partition(" ")
    return rest if sep and ":" in head and ("/" in head or "\\" in head) else problem


def _relabel(problem: str, paths: Paths) -> str:
    """Problems name the temporary check file; name the real one instead."""
    head, sep, rest = problem.partition(":")
    if sep and "/.check-" in head:
        return f"{paths.config_file}:{rest}"
    return problem

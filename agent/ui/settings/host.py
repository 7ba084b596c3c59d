"""What the settings window and its tabs may use of the tray app, and nothing more.

A tab gets a :class:`SettingsHost` (the paths, the agent, and "save first"), never the
window or the tray: so the tabs import neither, and a tab can be built in a test with
a small stand-in (Vorta's ``profile_provider`` is the model).

Threading: everything here is called on the GUI thread, and every ``on_done``
callback runs there too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from agent.config.loader import LoadedConfig
    from agent.config.paths import Paths
    from agent.protocol import Reply, Request
    from agent.ui.agent_link import AgentLink

Secrets = list[tuple[str, str, str]]
"""(owner, field, value) to store in the keyring when the settings are saved."""


class SettingsApp(Protocol):
    """What the settings window and the first-run wizard need of the tray app."""

    @property
    def paths(self) -> Paths: ...

    @property
    def link(self) -> AgentLink: ...

    @property
    def config(self) -> LoadedConfig | None:
        """The effective configuration the tray last read (``None`` before or if refused)."""
        ...

    def reload_config(self) -> None:
        """The settings were saved: read the effective config again (menu, locks)."""
        ...


class SettingsHost(Protocol):
    """What a settings tab needs: where things are, the agent, and saving the window."""

    @property
    def paths(self) -> Paths: ...

    def call(self, request: Request, on_done: Callable[[Reply], None]) -> None:
        """Send ``request`` to the agent; ``on_done(reply)`` runs on the GUI thread."""
        ...

    def background(self, work: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        """Run blocking ``work`` off the GUI thread; ``on_done(result or None)`` after."""
        ...

    def save_then(self, then: Callable[[], None]) -> None:
        """Save the whole window's edits, then (once the agent applied them) ``then()``."""
        ...

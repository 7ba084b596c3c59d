r"""Start at log-in: one small entry per OS, and the ``AutoStart`` policy that governs it.

- Linux: an XDG autostart ``.desktop`` file in ``$XDG_CONFIG_HOME/autostart`` (a
  ``Hidden=true`` copy there switches off the system-wide one a package installed);
- Windows: the ``PresenceAgent`` value under ``HKCU\...\CurrentVersion\Run``;
- macOS: a LaunchAgent plist in ``~/Library/LaunchAgents``.

``AutoStart`` (``general.autostart``): ``always`` forbids disabling, ``never``
forbids enabling, ``user-decides`` leaves it to the user. :func:`apply_policy`
brings the entry in line with the policy when the agent starts.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Protocol

ALWAYS, NEVER, USER_DECIDES = "always", "never", "user-decides"


class AutostartEntry(Protocol):
    def is_enabled(self) -> bool: ...

    def enable(self, command: list[str]) -> None: ...

    def disable(self) -> None: ...

    def describe(self) -> str:
        """Where the entry lives (for ``autostart status``)."""
        ...


class PolicyForbids(Exception):
    """The organisation's ``AutoStart`` policy does not allow this change."""


def launcher_command() -> list[str]:
    """How the OS should start the agent: the bundle, the installed script, or ``python -m``."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "run"]
    script = shutil.which("presence-agent")
    if script:
        return [str(Path(script).resolve()), "run"]
    return [sys.executable, "-m", "agent", "run"]


def entry_for_platform() -> AutostartEntry:
    if sys.platform == "win32":
        from agent.platform.windows.autostart import RunKeyEntry

        return RunKeyEntry()
    if sys.platform == "darwin":
        from agent.platform.macos.autostart import LaunchAgentEntry

        return LaunchAgentEntry()
    from agent.platform.linux.autostart import XdgAutostartEntry

    return XdgAutostartEntry()


def set_enabled(entry: AutostartEntry, enabled: bool, policy: str) -> None:
    """Enable or disable as the user asked; :class:`PolicyForbids` if the policy says no."""
    if enabled and policy == NEVER:
        raise PolicyForbids("your organisation has turned start at log-in off (AutoStart = never)")
    if not enabled and policy == ALWAYS:
        raise PolicyForbids("your organisation requires start at log-in (AutoStart = always)")
    if enabled:
        entry.enable(launcher_command())
    else:
        entry.disable()


def apply_policy(entry: AutostartEntry, policy: str) -> bool:
    """Make the entry follow an ``always``/``never`` policy; True if something changed."""
    if policy == ALWAYS and not entry.is_enabled():
        entry.enable(launcher_command())
        return True
    if policy == NEVER and entry.is_enabled():
        entry.disable()
        return True
    return False

r"""Start at log-in: one small entry per OS, and the ``AutoStart`` policy that governs it.

- Linux: an XDG autostart ``.desktop`` file in ``$XDG_CONFIG_HOME/autostart`` (a
  ``Hidden=true`` copy there switches off the system-wide one a package installed);
- Windows: the ``PresenceAgent`` value under ``HKCU\...\CurrentVersion\Run``;
- macOS: a LaunchAgent plist in ``~/Library/LaunchAgents``.

``AutoStart`` (``general.autostart``): ``always`` forbids disabling, ``never``
forbids enabling, ``user-decides`` leaves it to the user. :func:`apply_policy`
brings the entry in line with the policy when the agent starts.

An entry always starts an *installed* agent: from a development checkout the entry
points at the installed command when there is one, and is refused otherwise (an
entry into a checkout outlives it and shadows the packaged one).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
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


class CannotAutostart(Exception):
    """Start at log-in cannot be changed as asked; the message says why."""


class PolicyForbids(CannotAutostart):
    """The organisation's ``AutoStart`` policy does not allow this change."""


class NotInstalled(CannotAutostart):
    """The agent runs from a development checkout and no installed agent was found."""


COMMAND = "presence-agent"


def source_checkout() -> Path | None:
    """The development checkout this code runs from (an editable install), if any."""
    if getattr(sys, "frozen", False):
        return None
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() else None


def launcher_command(search_path: str | None = None) -> list[str]:
    """How the OS should start the agent at log-in: the installed command.

    The stable name on ``PATH`` (``/usr/bin/presence-agent``) is preferred over the
    file it links to, so an entry survives upgrades. Raises :class:`NotInstalled`
    when this is a checkout and no installed agent exists outside it.
    """
    checkout = source_checkout()
    frozen = getattr(sys, "frozen", False)
    for candidate in _commands_on_path(search_path):
        resolved = candidate.resolve()
        if checkout is not None and resolved.is_relative_to(checkout):
            continue
        if frozen and resolved != Path(sys.executable).resolve():
            continue  # another copy; this one starts itself
        return [str(candidate), "run", "--autostart"]
    if frozen:
        return [sys.executable, "run", "--autostart"]
    if checkout is None:
        return [sys.executable, "-m", "agent", "run", "--autostart"]
    raise NotInstalled(
        f"this is a development copy of Presence Agent ({checkout}); start at log-in only "
        "starts an installed agent, and none was found on PATH: install the package "
        "(see packaging/README.md), or start this copy by hand with `make run`"
    )


def _commands_on_path(search_path: str | None) -> list[Path]:
    names = [COMMAND + ext for ext in ("", ".exe")] if sys.platform == "win32" else [COMMAND]
    found = []
    for folder in (search_path if search_path is not None else os.environ.get("PATH", "")).split(
        os.pathsep
    ):
        for name in names:
            candidate = Path(folder) / name
            if folder and candidate.is_file() and os.access(candidate, os.X_OK):
                found.append(candidate)
    return found


def entry_for_platform() -> AutostartEntry:
    if sys.platform == "win32":
        from agent.platform.windows.autostart import RunKeyEntry

        return RunKeyEntry()
    if sys.platform == "darwin":
        from agent.platform.macos.autostart import LaunchAgentEntry

        return LaunchAgentEntry()
    from agent.platform.linux.autostart import XdgAutostartEntry

    return XdgAutostartEntry()


Launcher = Callable[[], list[str]]


def set_enabled(
    entry: AutostartEntry, enabled: bool, policy: str, launcher: Launcher = launcher_command
) -> None:
    """Enable or disable as the user asked; :class:`CannotAutostart` says why not."""
    if enabled and policy == NEVER:
        raise PolicyForbids("your organisation has turned start at log-in off (AutoStart = never)")
    if not enabled and policy == ALWAYS:
        raise PolicyForbids("your organisation requires start at log-in (AutoStart = always)")
    if enabled:
        entry.enable(launcher())
    else:
        entry.disable()


def apply_policy(entry: AutostartEntry, policy: str, launcher: Launcher = launcher_command) -> bool:
    """Make the entry follow an ``always``/``never`` policy; True if something changed."""
    if policy == ALWAYS and not entry.is_enabled():
        entry.enable(launcher())
        return True
    if policy == NEVER and entry.is_enabled():
        entry.disable()
        return True
    return False

"""XDG autostart: ``presence-agent.desktop`` in the user's (or the system's) autostart dir.

The user's file shadows a system one of the same name (the XDG autostart spec), so
disabling a package-installed entry means writing a user copy with ``Hidden=true``.
Every entry carries ``TryExec``: once the program is uninstalled the session skips
the entry instead of failing to start a program that is gone.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

FILE_NAME = "presence-agent.desktop"


class XdgAutostartEntry:
    def __init__(
        self, config_home: Path | None = None, config_dirs: list[Path] | None = None
    ) -> None:
        env = os.environ
        self.config_home = config_home or Path(
            env.get("XDG_CONFIG_HOME") or Path.home() / ".config"
        )
        if config_dirs is None:
            config_dirs = [
                Path(p) for p in (env.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":") if p
            ]
        self.config_dirs = config_dirs

    @property
    def user_file(self) -> Path:
        return self.config_home / "autostart" / FILE_NAME

    def system_file(self) -> Path | None:
        for directory in self.config_dirs:
            candidate = directory / "autostart" / FILE_NAME
            if candidate.exists():
                return candidate
        return None

    def is_enabled(self) -> bool:
        if self.user_file.exists():
            return _active(self.user_file.read_text(encoding="utf-8", errors="replace"))
        system = self.system_file()
        return system is not None and _active(system.read_text(encoding="utf-8", errors="replace"))

    def enable(self, command: list[str]) -> None:
        self._write(_desktop_entry(command, hidden=False))

    def disable(self) -> None:
        if self.system_file() is not None:
            self._write(_desktop_entry(["presence-agent", "run", "--autostart"], hidden=True))
        else:
            self.user_file.unlink(missing_ok=True)

    def describe(self) -> str:
        system = self.system_file()
        where = str(self.user_file)
        return f"{where} (system entry: {system})" if system else where

    def _write(self, text: str) -> None:
        self.user_file.parent.mkdir(parents=True, exist_ok=True)
        self.user_file.write_text(text, encoding="utf-8")


def _active(text: str) -> bool:
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    try_exec = values.get("TryExec", "")
    if try_exec.startswith("/") and not os.access(try_exec, os.X_OK):
        return False  # the program is gone: the session skips this entry
    return (
        values.get("Hidden", "").lower() != "true"
        and values.get("X-GNOME-Autostart-enabled", "").lower() != "false"
    )


def _desktop_entry(command: list[str], hidden: bool) -> str:
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Name=Presence Agent",
        "Comment=Keeps your presence status up to date",
        f"TryExec={command[0]}",
        f"Exec={shlex.join(command)}",
        "Icon=presence-agent",
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
    ]
    if hidden:
        lines.append("Hidden=true")
    return "\n".join(lines) + "\n"

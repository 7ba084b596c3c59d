"""The user's config file as an editable document that keeps their comments.

tomlkit edits the parsed file in place, so comments, ordering and spacing the user
wrote survive a save from the settings window. Saving is atomic (a temporary file
in the same directory, fsync, rename) and is checked with the real loader first,
so the window can never write a file the agent would refuse. No Qt here.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomlkit
from tomlkit.items import AoT, Table

if TYPE_CHECKING:
    from agent.config.loader import LoadedConfig
    from agent.config.paths import Paths

NEW_FILE_HEADER = "Presence Agent settings (written by the settings window; comments are kept)"


class ConfigDocument:
    def __init__(self, text: str = "") -> None:
        self._doc = tomlkit.parse(text)
        if not text.strip():
            self._doc.add(tomlkit.comment(NEW_FILE_HEADER))

    @classmethod
    def read(cls, path: Path) -> ConfigDocument:
        """The document at ``path``; a missing file is an empty document."""
        try:
            return cls(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()

    def text(self) -> str:
        return tomlkit.dumps(self._doc)

    def get(self, dotted: str, default: Any = None) -> Any:
        """The plain value at ``section.key`` (``default`` when absent)."""
        section, _, key = dotted.rpartition(".")
        table = self._doc.get(section) if section else self._doc
        if not isinstance(table, Mapping) or key not in table:
            return default
        return _plain(table[key])

    def set(self, dotted: str, value: Any) -> None:
        """Set ``section.key``; ``None`` removes it. Unchanged values are not rewritten."""
        section, _, key = dotted.rpartition(".")
        if section:
            table = self._doc.get(section)
            if table is None:
                if value is None:
                    return
                table = tomlkit.table()
                self._doc[section] = table
        else:
            table = self._doc
        if value is None:
            if key in table:
                del table[key]
        elif key not in table or _plain(table[key]) != value:
            table[key] = _item(value)

    def entries(self, name: str) -> list[dict[str, Any]]:
        """The ``[[name]]`` tables as plain dicts."""
        array = self._doc.get(name)
        if not isinstance(array, list):
            return []
        return [dict(_plain(table)) for table in array if isinstance(table, Mapping)]

    def set_entries(self, name: str, entries: Sequence[Mapping[str, Any]]) -> None:
        """Replace the ``[[name]]`` tables, editing existing ones in place (keeps comments)."""
        existing = self._doc.get(name)
        if not entries:
            if name in self._doc:
                del self._doc[name]
            return
        if not isinstance(existing, AoT):
            if name in self._doc:
                del self._doc[name]
            existing = tomlkit.aot()
            self._doc.append(name, existing)
        for index, entry in enumerate(entries):
            if index < len(existing):
                _update_table(existing[index], entry)
            else:
                table = tomlkit.table()
                _update_table(table, entry)
                existing.append(table)
        while len(existing) > len(entries):
            del existing[len(existing) - 1]


def check(paths: Paths, text: str) -> LoadedConfig:
    """Load ``text`` as the agent would (policy included); raises ``ConfigError``.

    The text is written to a temporary file beside the real one, so relative paths
    and line numbers in the problems mean what they will mean after saving.
    """
    from agent.config_checks import load_config

    target = paths.config_file
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".check-", suffix=".toml", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        loaded = load_config(dataclasses.replace(paths, config_file=Path(name)))
    finally:
        os.unlink(name)
    return dataclasses.replace(loaded, path=target)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so a crash leaves either the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        if path.exists():
            os.chmod(name, path.stat().st_mode & 0o777)
        os.replace(name, path)
    except BaseException:
        if os.path.exists(name):
            os.unlink(name)
        raise


def _update_table(table: Table | Any, entry: Mapping[str, Any]) -> None:
    for key in [k for k in table if k not in entry]:
        del table[key]
    for key, value in entry.items():
        if value is None:
            if key in table:
                del table[key]
        elif key not in table or _plain(table[key]) != value:
            table[key] = _item(value)


def _item(value: Any) -> Any:
    if isinstance(value, tuple):
        value = list(value)
    return tomlkit.item(value)


def _plain(value: Any) -> Any:
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if callable(unwrap) else value

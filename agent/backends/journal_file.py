"""Where the ``local`` journal may write, and how, so it never damages another file.

The journal's ``path`` comes from a config file, perhaps a careless or a hostile one,
and the agent may run as root. So the journal lives in the agent's data directory
(a relative ``path`` is taken from there), or in a directory the agent created for it
(marked by :data:`MARKER`); an existing file is only appended to (or trimmed) when
it is a regular, private file of ours whose first line is a journal record. Opened
with ``O_NOFOLLOW`` and checked after opening, so a symlink or hard link planted in
between is refused too.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from agent.private_files import FILE_MODE, private_dir, write_private

MARKER = ".presence-agent-journal"
"""Left in a directory the agent created for a journal outside its data directory."""

_FIRST_LINE = 4096


class JournalRefused(Exception):
    """The path must not be written; the message says why, for a person."""


def resolve(option: str, data_dir: Path, default: Path) -> Path:
    """The journal file for the ``path`` option (relative ones are in the data dir)."""
    if not option:
        return default
    path = Path(option).expanduser()
    return path if path.is_absolute() else data_dir / path


def prepare(path: Path, data_dir: Path) -> None:
    """Make ``path``'s directory ready, or raise :class:`JournalRefused` (see module doc)."""
    folder = path.parent
    if not _inside(folder, data_dir):
        if folder.exists() and not (folder / MARKER).is_file():
            raise JournalRefused(
                f"{path} is outside the agent's data folder {data_dir}; use a file there, "
                "or in a folder that does not exist yet (the agent creates it)"
            )
        if not folder.exists():
            private_dir(folder)
            (folder / MARKER).touch(mode=FILE_MODE)
    else:
        private_dir(folder)
    check_existing(path)


def check_existing(path: Path) -> None:
    """Refuse an existing ``path`` that is not a journal this user's agent wrote."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    _check_stat(path, info)
    with open(path, "rb") as file:  # noqa: PTH123 - bounded read of the first line
        first = file.readline(_FIRST_LINE)
    if first and not _is_record(first):
        raise JournalRefused(f"{path} exists and is not a presence journal; it is left alone")


def append(path: Path, line: str) -> None:
    """Append ``line`` to the journal, creating it 0600; refuses links and foreign files."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        handle = os.open(path, flags, FILE_MODE)
    except OSError as error:
        if path.is_symlink():
            raise JournalRefused(f"{path} is a symbolic link; the journal is not written") from None
        raise error
    with os.fdopen(handle, "a", encoding="utf-8") as journal:
        _check_stat(path, os.fstat(journal.fileno()))
        journal.write(line)


def trim(path: Path, limit: int) -> None:
    """Past ``limit`` bytes keep the newer half of the lines (a fresh private file)."""
    try:
        if path.stat().st_size <= limit:
            return
    except FileNotFoundError:
        return
    check_existing(path)
    with open(path, "rb") as file:  # noqa: PTH123
        file.seek(-limit // 2, os.SEEK_END)
        tail = file.read()
    write_private(path, tail[tail.find(b"\n") + 1 :])  # from the first whole line


def _check_stat(path: Path, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise JournalRefused(f"{path} is not a regular file; the journal is not written")
    if os.name == "posix" and (info.st_uid != os.getuid() or info.st_nlink > 1):
        raise JournalRefused(f"{path} belongs to another user or has other links; left alone")


def _is_record(line: bytes) -> bool:
    try:
        record = json.loads(line)
    except ValueError:
        return False
    return isinstance(record, dict) and "at" in record and "status" in record


def _inside(folder: Path, data_dir: Path) -> bool:
    try:
        folder.resolve().relative_to(data_dir.resolve())
    except ValueError:
        return False
    return True

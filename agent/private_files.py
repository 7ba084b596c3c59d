"""The agent's data directory and the files in it: readable by their user only.

The data directory holds status history, messages and locations, so it is 0700 and
every file the agent writes there is created 0600 (not left to the umask). At
start-up :func:`secure_data_dir` also repairs what an older version created 0755/0644.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> None:
    """Create ``path`` (and parents) 0700; an existing one of ours is made 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if os.name == "posix" and path.stat().st_uid == os.getuid():
        os.chmod(path, DIR_MODE)


def secure_data_dir(path: Path) -> None:
    """Make the data directory 0700 and every file of ours in it 0600 (symlinks untouched)."""
    private_dir(path)
    if os.name != "posix":
        return  # the per-user profile directory's ACL already keeps others out
    for folder, dirs, files in os.walk(path):
        for name in dirs:
            _restrict(Path(folder) / name, DIR_MODE)
        for name in files:
            _restrict(Path(folder) / name, FILE_MODE)


def _restrict(path: Path, mode: int) -> None:
    with contextlib.suppress(OSError):
        info = path.lstat()
        if info.st_uid == os.getuid() and not path.is_symlink() and info.st_mode & 0o777 != mode:
            os.chmod(path, mode)


def write_private(path: Path, text: str | bytes) -> None:
    """Replace ``path`` atomically with ``text``, the new file 0600 from its first byte.

    The spare file has a name of its own (``mkstemp``): a ``path.tmp`` that happens to
    exist, or is a link planted there, is never written through.
    """
    private_dir(path.parent)
    data = text.encode() if isinstance(text, str) else text
    handle, spare = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())  # the rename must not land before the data
        os.replace(spare, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(spare)
        raise

"""The user's standing choices (manual override, pause, pinned location) on disk.

Kept apart from the settings file: it is machine state the agent writes, not something
the user edits. Written atomically, and only when it changed.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from agent.core.saved_state import SavedState
from agent.private_files import write_private

log = logging.getLogger(__name__)


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._written: dict[str, Any] | None = None

    def read(self) -> SavedState | None:
        """What was saved, or ``None`` (missing or unreadable: said in the log)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            log.warning("%s: unreadable, starting without a saved override (%s)", self.path, error)
            return None
        if not isinstance(data, dict):
            log.warning("%s: not a JSON object, starting without a saved override", self.path)
            return None
        self._written = data
        return SavedState.from_json(data)

    def write(self, saved: SavedState) -> None:
        data = saved.to_json()
        if data == self._written:
            return
        write_private(self.path, json.dumps(data))
        self._written = data

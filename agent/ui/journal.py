"""The last few presence changes, read from the journal for "Recent changes".

Runs off the GUI thread (see ``AgentLink.background``) and reads only the file's
tail, so a long journal costs the same as a short one. The reader is tolerant: a line
it cannot parse is skipped, never an error in the menu.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.core.model import Status

TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class JournalEntry:
    at: str
    status: str
    message: str
    reason: str

    @property
    def label(self) -> str:
        try:
            return Status(self.status).label
        except ValueError:
            return self.status


def recent_changes(path: Path, limit: int = 8) -> list[JournalEntry]:
    """The newest ``limit`` changes, newest first; empty when there is no journal yet."""
    try:
        with path.open("rb") as file:
            size = file.seek(0, 2)
            file.seek(max(0, size - TAIL_BYTES))
            tail = file.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    entries: list[JournalEntry] = []
    for line in reversed(tail.splitlines()):
        entry = _parse(line)
        if entry is not None:
            entries.append(entry)
            if len(entries) >= limit:
                break
    return entries


def _parse(line: str) -> JournalEntry | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    nested = record.get("state")
    state: dict[str, Any] = nested if isinstance(nested, dict) else record
    status = state.get("status")
    if not isinstance(status, str):
        return None
    reason = (
        record.get("reason_text")
        or state.get("reason_text")
        or state.get("reason")
        or record.get("reason")
        or ""
    )
    at = record.get("at") or record.get("time") or record.get("timestamp") or state.get("since")
    return JournalEntry(
        at=str(at or ""),
        status=status,
        message=str(state.get("message") or ""),
        reason=str(reason),
    )

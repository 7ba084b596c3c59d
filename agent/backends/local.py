"""The embedded default backend: a JSON-lines journal of every change, no server needed.

The tray's "Recent changes" (and "Why am I away?") reads this journal, so each line
carries the reason and the previous status as well as the new state.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent.backends import journal_file
from agent.backends.base import (
    Backend,
    BackendType,
    CalendarSync,
    DeliveryKind,
    Message,
    Outcome,
    ProbeReport,
    ProbeStatus,
    Result,
)
from agent.backends.http_backend import is_reassertion, iso_z, new_message
from agent.backends.options import OptionReader

if TYPE_CHECKING:
    from agent.backends.base import BackendContext
    from agent.config.schema import BackendEntry, UserSettings
    from agent.core.model import Location, PresenceChange

MAX_JOURNAL_BYTES = 1_000_000
"""Past this size the oldest half of the journal is dropped (it is a recent history).

Where the journal may be, and which files it never touches: :mod:`journal_file`."""


@dataclass(frozen=True)
class LocalOptions:
    path: str = ""


def read_options(reader: OptionReader, user: UserSettings | None) -> LocalOptions:
    return LocalOptions(path=reader.text("path"))


def create(
    entry: BackendEntry, context: BackendContext, problems: list[tuple[str, str]]
) -> LocalBackend:
    return LocalBackend(entry, context, problems)


def location_json(location: Location | None) -> dict[str, str] | None:
    if location is None:
        return None
    return {"id": location.id, "type": location.type, "name": location.name}


class LocalBackend(Backend):
    """Appends one JSON line per change to ``path`` (default: the data dir's journal)."""

    kind = DeliveryKind.STATE

    def __init__(
        self, entry: BackendEntry, context: BackendContext, problems: list[tuple[str, str]]
    ) -> None:
        self.name = entry.name
        self.type = entry.type
        self._problems = problems
        options = read_options(OptionReader(entry.name, entry.options, ()), context.user)
        self._data_dir = context.paths.data_dir
        self.path = journal_file.resolve(options.path, self._data_dir, context.paths.journal_file)

    def messages_for(self, change: PresenceChange) -> list[Message]:
        if is_reassertion(change):
            return []
        state = change.state
        status, message, until, location = state.visible()
        previous = change.previous
        payload: dict[str, Any] = {
            "at": iso_z(change.at),
            "status": status.value,
            "message": message,
            "until": iso_z(until) if until else None,
            "reason": state.reason,
            "location": location_json(location),
            "previous": previous.status.value if previous else None,
        }
        return [new_message(payload, group="journal")]

    def messages_for_calendar(self, sync: CalendarSync) -> list[Message]:
        return []

    async def send(self, message: Message) -> Result:
        line = json.dumps(message.payload, ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            journal_file.prepare(self.path, self._data_dir)
            journal_file.trim(self.path, MAX_JOURNAL_BYTES)
            journal_file.append(self.path, line)
        except journal_file.JournalRefused as refused:
            return Result(Outcome.PERMANENT, str(refused))
        except OSError as exc:
            return Result(Outcome.RETRY, f"cannot write {self.path}: {exc.strerror or exc}")
        return Result(Outcome.OK)

    async def refresh_credentials(self) -> None:
        """The journal needs no credentials."""

    async def probe(self) -> ProbeReport:
        if self._problems:
            detail = "; ".join(f"{key}: {text}" for key, text in self._problems)
            return ProbeReport(ProbeStatus.MISCONFIGURED, detail, "fix the [[backends]] entry")
        folder = self.path.parent
        try:
            journal_file.prepare(self.path, self._data_dir)
        except journal_file.JournalRefused as refused:
            return ProbeReport(ProbeStatus.MISCONFIGURED, str(refused), "change its path")
        except OSError as exc:
            return ProbeReport(ProbeStatus.MISCONFIGURED, f"cannot create {folder}: {exc}")
        if not os.access(folder, os.W_OK):
            return ProbeReport(ProbeStatus.MISCONFIGURED, f"{folder} is not writable")
        return ProbeReport(ProbeStatus.REACHABLE, f"journal at {self.path}")

    async def aclose(self) -> None:
        """Every line is closed after writing."""


BACKEND = BackendType(
    name="local", secret_fields=(), read_options=read_options, create=create, needs_url=False
)

"""Shared test helpers: an in-memory secret store, backend construction, change building."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from agent.backends.base import Backend, Result
from agent.backends.http import create_client
from agent.backends.registry import BackendContext, create_backend
from agent.config.paths import Paths
from agent.config.schema import BackendEntry, LocationEntry, UserSettings
from agent.core.clock import ManualClock
from agent.core.model import Location, PresenceChange, PresenceState, Status

T = TypeVar("T")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
USER = UserSettings(id="user_123456", email="ada@example.com", display_name="Ada Lovelace")
HQ = Location("hq-3", "level", "HQ level 3")
ANNEX = Location("annex", "building", "Annex")


class Secrets:
    """Anything with ``get(backend, field)`` is a secret store to a backend."""

    def __init__(self, values: dict[str, str] | None = None, backend: str = "") -> None:
        self.values = {(backend, k): v for k, v in (values or {}).items()}

    def get(self, backend: str, field: str) -> str | None:
        return self.values.get((backend, field))

    def set(self, backend: str, field: str, value: str) -> None:
        self.values[(backend, field)] = value


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@asynccontextmanager
async def open_backend(
    entry: BackendEntry,
    paths: Paths,
    secrets: Any,
    clock: ManualClock | None = None,
    user: UserSettings = USER,
    locations: tuple[LocationEntry, ...] = (),
    timeout: float = 5.0,
) -> AsyncIterator[Backend]:
    async with create_client(timeout=timeout) as http:
        context = BackendContext(
            user=user,
            secrets=secrets,
            http=http,
            paths=paths,
            clock=clock or ManualClock(NOW),
            locations=locations,
        )
        backend = create_backend(entry, context)
        try:
            yield backend
        finally:
            await backend.aclose()


def state(
    status: Status = Status.AVAILABLE,
    message: str = "",
    until: datetime | None = None,
    location: Location | None = None,
    reason: str = "default",
) -> PresenceState:
    return PresenceState(status, message, until, location, reason, since=NOW)


def change(
    new: PresenceState, previous: PresenceState | None = None, at: datetime = NOW
) -> PresenceChange:
    return PresenceChange(new, previous, at)


async def deliver(backend: Backend, change: PresenceChange) -> list[Result]:
    """Send every message a change produces, in order, as the dispatcher would."""
    return [await backend.send(m) for m in backend.messages_for(change)]


def later(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)

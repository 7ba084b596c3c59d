"""The one interface every backend implements, and the results it reports.

Threading: every coroutine here runs on the agent's asyncio loop; backends keep no
threads of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from agent.core.model import PresenceChange
from agent.core.signals import Meeting


class DeliveryKind(StrEnum):
    """State backends need only the latest state; event backends need every event."""

    STATE = "state"
    EVENT = "event"


class Outcome(StrEnum):
    """How the delivery layer must treat a reply: the one place failures are classified."""

    OK = "ok"
    RETRY = "retry"  # transient: network, 5xx, 429; retry with backoff
    REAUTH = "reauth"  # 401: refresh credentials once, then "sign-in needed"
    PERMANENT = "permanent"  # other 4xx: keep with the server's message, never retry


@dataclass(frozen=True)
class Result:
    """The outcome of one send, with a message a person can act on."""

    outcome: Outcome
    message: str = ""
    retry_after: float | None = None


@dataclass(frozen=True)
class Message:
    """One request's worth of work for a backend, stored in the outbox before sending.

    ``payload`` is JSON-serialisable and never holds a secret: authentication is
    added at send time. ``key`` is the idempotency key (Calven ``eventId``, essentry
    ``sourceId``, our own UUID for others); it is stable across retries.
    ``expires_at`` (UTC ISO-8601) marks a state that must not be sent late as current.
    """

    key: str
    payload: dict[str, Any]
    expires_at: str | None = None
    coalesce_group: str = "state"


class ProbeStatus(StrEnum):
    """What "Test connection" and ``doctor`` report."""

    REACHABLE = "reachable"
    UNAUTHORISED = "unauthorised"
    UNREACHABLE = "unreachable"
    MISCONFIGURED = "misconfigured"


@dataclass(frozen=True)
class ProbeReport:
    status: ProbeStatus
    detail: str = ""
    fix: str = ""


@dataclass(frozen=True)
class CalendarSync:
    """The user's meetings as the calendar now has them (for essentry)."""

    meetings: tuple[Meeting, ...]
    at_: str = field(default="")


class Backend(Protocol):
    """A presence API.

    ``messages_for`` is pure (it runs before anything is written to the outbox);
    ``send`` performs one HTTP exchange for one stored message and classifies the
    reply; ``refresh_credentials`` is called once after a REAUTH result.
    """

    name: str
    type: str
    kind: DeliveryKind

    def messages_for(self, change: PresenceChange) -> list[Message]: ...

    def messages_for_calendar(self, sync: CalendarSync) -> list[Message]: ...

    async def send(self, message: Message) -> Result: ...

    async def refresh_credentials(self) -> None: ...

    async def probe(self) -> ProbeReport: ...

    async def aclose(self) -> None: ...

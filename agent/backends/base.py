"""The one interface every backend implements, what it is given, and what it reports.

Threading: every coroutine here runs on the agent's asyncio loop; backends keep no
threads of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from agent.config.schema import LocationEntry, UserSettings
from agent.core.model import PresenceChange, PresenceState
from agent.core.signals import Meeting
from agent.secret_names import secret_command

if TYPE_CHECKING:
    import httpx

    from agent.backends.options import OptionReader
    from agent.config.paths import Paths
    from agent.config.schema import BackendEntry
    from agent.core.clock import Clock

Problems = list[tuple[str, str]]


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
    reply; ``refresh_credentials`` is called once after a REAUTH result;
    ``fetch_remote_status`` once at start, before any change is sent. Implementations
    subclass this protocol to inherit the defaults.
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

    @property
    def reassert(self) -> bool:
        """Whether the dispatcher re-sends the current state periodically.

        Default: state backends do; an event backend may opt in ("still here").
        """
        return self.kind is DeliveryKind.STATE

    async def fetch_remote_status(self) -> PresenceState | None:
        """The status the service has now (set on another device), if it can tell.

        The agent adopts it at start when no newer manual status of its own exists.
        Default: nothing to fetch.
        """
        return None


@dataclass(frozen=True)
class BackendType:
    """What a backend module declares about itself; the registry only collects these.

    ``read_options`` both validates the file and builds the options, so the documented
    keys and the accepted keys cannot drift apart; ``secret_fields`` are the keyring
    fields the backend may read (never config keys).
    """

    name: str
    secret_fields: tuple[str, ...]
    read_options: Callable[[OptionReader, UserSettings | None], object]
    create: Callable[[BackendEntry, BackendContext, Problems], Backend]
    needs_url: bool = True


class SecretReader(Protocol):
    """The part of ``agent.secrets.SecretStore`` a backend needs (reading only)."""

    def get(self, backend: str, field: str) -> str | None: ...


@dataclass(frozen=True)
class BackendContext:
    """Shared dependencies handed to every backend when it is created.

    ``locations`` are the configured ``[[locations]]``; essentry uses their names as
    the default calendar LOCATION filter. ``http`` is ``None`` only when no network
    backend is configured (the local journal needs none).
    """

    user: UserSettings
    secrets: SecretReader
    http: httpx.AsyncClient | None
    paths: Paths
    clock: Clock
    locations: tuple[LocationEntry, ...] = ()


class MissingSecret(Exception):
    """A secret the backend needs is not in the keyring; the message says how to add it."""

    def __init__(self, backend: str, fields: tuple[str, ...], reason: str = "") -> None:
        self.backend = backend
        self.fields = fields
        if reason:  # the keyring itself is unusable: its message says how to fix it
            super().__init__(f"cannot read {' or '.join(fields)} for {backend}: {reason}")
            return
        commands = " or ".join(f"run `{secret_command(backend, f)}`" for f in fields)
        super().__init__(f"no {' or '.join(fields)} stored for {backend}: {commands}")

    @property
    def fix(self) -> str:
        return secret_command(self.backend, self.fields[0])

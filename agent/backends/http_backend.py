"""What the HTTP backends share: secrets, options problems, sending and probing.

A backend subclasses :class:`HttpBackend` and supplies ``messages_for``, ``_send``
and ``_probe``; this class turns a missing secret or bad option into the right
result, and every request goes through :func:`agent.backends.http.exchange`.
"""

from __future__ import annotations

import uuid
from abc import abstractmethod
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from agent.backends.base import (
    Backend,
    CalendarSync,
    DeliveryKind,
    Message,
    MissingSecret,
    Outcome,
    ProbeReport,
    ProbeStatus,
    Result,
)
from agent.backends.http import Reply, exchange
from agent.core.model import PresenceChange, Status
from agent.secret_names import secret_command

if TYPE_CHECKING:
    from collections.abc import Mapping

    from agent.backends.base import BackendContext
    from agent.config.schema import BackendEntry

PRESENT = frozenset({Status.AVAILABLE, Status.BUSY, Status.DND})
"""Statuses in which the user is at their desk (at a location, if one is known)."""


def iso_z(moment: datetime, milliseconds: bool = False) -> str:
    """UTC ISO-8601 with a ``Z``, as every vendor API here expects."""
    moment = moment.astimezone(UTC)
    spec = "milliseconds" if milliseconds else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def parse_iso(text: str | None) -> datetime | None:
    """A timezone-aware instant from ISO-8601 (``Z`` accepted), or ``None``."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_reassertion(change: PresenceChange) -> bool:
    """The delivery layer re-asserts by passing the current state as its own predecessor."""
    previous = change.previous
    return previous is not None and previous.visible() == change.state.visible()


def new_message(
    payload: dict[str, Any], expires: datetime | None = None, group: str = "state"
) -> Message:
    """A message with a fresh idempotency key (stable across retries once stored)."""
    return Message(
        key=str(uuid.uuid4()),
        payload=payload,
        expires_at=iso_z(expires) if expires else None,
        coalesce_group=group,
    )


class HttpBackend(Backend):
    """Common behaviour of the vendor backends (one instance per ``[[backends]]`` entry)."""

    kind: DeliveryKind = DeliveryKind.STATE
    auth_field: str = ""
    """The secret named in the fix when the server refuses the credentials."""

    def __init__(
        self, entry: BackendEntry, context: BackendContext, problems: list[tuple[str, str]]
    ) -> None:
        self.name = entry.name
        self.type = entry.type
        self._ctx = context
        self._base_url = entry.base_url.rstrip("/")
        self._problems = problems
        self._used_secrets: set[str] = set()

    # -- secrets ------------------------------------------------------------------

    def _secret(self, field: str) -> str | None:
        from agent.secrets import NoKeyringError

        try:
            value = self._ctx.secrets.get(self.name, field)
        except NoKeyringError as error:
            raise MissingSecret(self.name, (field,), reason=str(error)) from None
        if value:
            self._used_secrets.add(value)
        return value or None

    def _require(self, *fields: str) -> str:
        """The first of ``fields`` that is stored, or :class:`MissingSecret` naming them all."""
        for field in fields:
            value = self._secret(field)
            if value:
                return value
        raise MissingSecret(self.name, fields)

    # -- the Backend protocol -------------------------------------------------------

    def messages_for_calendar(self, sync: CalendarSync) -> list[Message]:
        return []

    async def send(self, message: Message) -> Result:
        problem = self._problem()
        if problem:
            return Result(Outcome.PERMANENT, problem)
        try:
            return await self._send(message)
        except MissingSecret as exc:
            return Result(Outcome.REAUTH, str(exc))

    async def refresh_credentials(self) -> None:
        """Nothing cached by default; token-minting backends drop their token here."""
        return None

    async def probe(self) -> ProbeReport:
        if self._problems:
            listed = "; ".join(f"{key}: {text}" for key, text in self._problems)
            return ProbeReport(
                ProbeStatus.MISCONFIGURED, listed, f"fix backends entry {self.name!r} in the config"
            )
        try:
            reply = await self._probe()
        except MissingSecret as exc:
            return ProbeReport(ProbeStatus.MISCONFIGURED, str(exc), f"run `{exc.fix}`")
        return self._report(reply)

    async def aclose(self) -> None:
        """The HTTP client is shared and closed by its owner."""
        return None

    # -- for subclasses ---------------------------------------------------------------

    @abstractmethod
    def messages_for(self, change: PresenceChange) -> list[Message]:
        """The requests this change needs ([] when this backend has nothing to say)."""

    @abstractmethod
    async def _send(self, message: Message) -> Result:
        """One exchange for a stored message (secrets read here, never stored)."""

    @abstractmethod
    async def _probe(self) -> Reply:
        """A request without side effects that shows reachability and credentials."""

    def _problem(self) -> str | None:
        if not self._problems:
            return None
        listed = "; ".join(f"{key}: {text}" for key, text in self._problems)
        return f"backend {self.name!r} is misconfigured: {listed}"

    async def _exchange(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Reply:
        if self._ctx.http is None:
            raise RuntimeError(f"backend {self.name!r} was built without an HTTP client")
        return await exchange(
            self._ctx.http,
            self._ctx.clock,
            method,
            url,
            headers=headers,
            json_body=json_body,
            content=content,
            params=params,
            secrets=self._used_secrets,
        )

    def _report(self, reply: Reply) -> ProbeReport:
        """How one probe exchange reads for ``doctor`` and "Test connection"."""
        result = reply.result
        code = reply.response.status_code if reply.response is not None else None
        fix = f"run `{secret_command(self.name, self.auth_field)}`" if self.auth_field else ""
        if result.outcome is Outcome.OK:
            return ProbeReport(ProbeStatus.REACHABLE, f"{self._base_url} answered")
        if result.outcome is Outcome.REAUTH or code == 403:
            return ProbeReport(ProbeStatus.UNAUTHORISED, result.message, fix)
        if result.outcome is Outcome.RETRY:
            return ProbeReport(
                ProbeStatus.UNREACHABLE, result.message, "check the network and base_url"
            )
        return ProbeReport(
            ProbeStatus.MISCONFIGURED, result.message, "check the [[backends]] entry"
        )

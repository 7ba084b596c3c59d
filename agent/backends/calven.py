"""Calven presence events: "this user is at this location now", never where they are not.

An event (``POST {base_url}/v1/presence``) is produced when the user becomes present
at a known location (arrives, moves, or comes back from away/lock there) and when the
delivery layer re-asserts the state while they stay; nothing while remote, away,
invisible or offline. ``eventId`` is the message key: fresh per event, stable across
retries, so Calven drops duplicates. A non-zero ``resultCode`` is a PERMANENT failure
with Calven's message.

Auth (``auth``): ``client_secret`` (OAuth client-credentials: ``client_id``/
``client_secret`` to ``token_url``, default ``{base_url}/v1/auth/token``), ``hmac``
(``apiKey``/``timestamp``/``hash`` = hex HMAC-SHA256 of apiKey+timestamp to
``token_url``, default ``{base_url}/v1/auth``), both giving a Bearer token renewed
a minute before it expires and after a 401; ``basic`` (``username``:``password`` on
``{base_url}/v1/presence/basic``); ``token`` (a static Bearer token).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from agent.backends.base import BackendType, DeliveryKind, Message, Outcome, Result
from agent.backends.http import Reply
from agent.backends.http_backend import PRESENT, HttpBackend, is_reassertion, iso_z, parse_iso
from agent.backends.options import OptionReader
from agent.secret_names import secret_command

if TYPE_CHECKING:
    from agent.backends.base import BackendContext
    from agent.config.schema import BackendEntry, UserSettings
    from agent.core.model import Location, PresenceChange, PresenceState

SECRETS = ("api_key", "client_secret", "hmac_secret", "password", "token")
AUTH_MODES = ("client_secret", "hmac", "basic", "token")
LOCATION_TYPES = frozenset({"level", "location", "place", "space", "zone"})
RENEW_BEFORE = timedelta(seconds=60)
DEFAULT_LIFETIME = timedelta(minutes=50)
_AUTH_FIELD = {
    "client_secret": "client_secret",
    "hmac": "hmac_secret",
    "basic": "password",
    "token": "token",
}


@dataclass(frozen=True)
class CalvenOptions:
    source_id: str
    auth: str
    token_url: str
    username: str
    user_id: str
    source_user_id: str
    user_email: str


def read_options(reader: OptionReader, user: UserSettings | None) -> CalvenOptions:
    auth = reader.choice("auth", AUTH_MODES, "client_secret")
    options = CalvenOptions(
        source_id=reader.text("source_id", required=True),
        auth=auth,
        token_url=reader.text("token_url"),
        username=reader.text("username", required=auth == "basic"),
        user_id=reader.text("user_id"),
        source_user_id=reader.text("source_user_id", user.id if user else ""),
        user_email=reader.text("user_email", user.email if user else ""),
    )
    if user is not None and not (options.user_id or options.user_email):
        reader.problems.append(("user_email", "required (or set [user].email or user_id)"))
    return options


def create(
    entry: BackendEntry, context: BackendContext, problems: list[tuple[str, str]]
) -> CalvenBackend:
    options = read_options(OptionReader(entry.name, entry.options, SECRETS), context.user)
    return CalvenBackend(entry, context, problems, options)


def _at(state: PresenceState | None) -> Location | None:
    """Where the user is present, as Calven may be told; ``None`` when not present."""
    if state is None or state.status not in PRESENT:
        return None
    return state.visible()[3]


class CalvenBackend(HttpBackend):
    kind = DeliveryKind.EVENT
    reassert = True
    """The dispatcher re-asserts event backends that ask for it: "still here" hourly."""

    def __init__(
        self,
        entry: BackendEntry,
        context: BackendContext,
        problems: list[tuple[str, str]],
        options: CalvenOptions,
    ) -> None:
        super().__init__(entry, context, problems)
        self.options = options
        self.auth_field = _AUTH_FIELD[options.auth]
        self._token: str | None = None
        self._token_expires: datetime | None = None

    @property
    def token_url(self) -> str:
        if self.options.token_url:
            return self.options.token_url
        path = "/v1/auth" if self.options.auth == "hmac" else "/v1/auth/token"
        return self._base_url + path

    @property
    def presence_url(self) -> str:
        suffix = "/basic" if self.options.auth == "basic" else ""
        return f"{self._base_url}/v1/presence{suffix}"

    def messages_for(self, change: PresenceChange) -> list[Message]:
        here = _at(change.state)
        if here is None:
            return []
        if here == _at(change.previous) and not is_reassertion(change):
            return []
        key = str(uuid.uuid4())
        event: dict[str, Any] = {
            "timestamp": iso_z(change.at, milliseconds=True),
            "locationId": here.id,
            "locationType": here.type if here.type in LOCATION_TYPES else "location",
            "eventId": key,
        }
        if self.options.source_user_id:
            event["sourceUserId"] = self.options.source_user_id
        if self.options.user_id:
            event["userId"] = self.options.user_id
        if self.options.user_email:
            event["userEmail"] = self.options.user_email
        return [Message(key=key, payload={"event": event}, coalesce_group="event")]

    async def _send(self, message: Message) -> Result:
        event = message.payload["event"]
        reply = await self._post_events([event])
        if reply.result.outcome is not Outcome.OK:
            return reply.result
        try:
            item = reply.item_for("results", "eventId", event["eventId"])
        except ValueError:
            return Result(Outcome.RETRY, "Calven sent an unreadable reply")
        if item is not None and item.get("resultCode") != 0:
            code = item.get("resultCode")
            text = str(item.get("message") or "no message")
            return Result(Outcome.PERMANENT, f"Calven refused the event: {text} ({code})")
        return Result(Outcome.OK)

    async def _probe(self) -> Reply:
        if self.options.auth in ("client_secret", "hmac"):
            self._token = None
            return await self._mint()
        return await self._post_events([])

    async def refresh_credentials(self) -> None:
        """Forget the token; the next send mints a fresh one."""
        self._token = None

    async def _post_events(self, events: list[dict[str, Any]]) -> Reply:
        headers = await self._authorization()
        if isinstance(headers, Reply):
            return headers
        body = {"sourceId": self.options.source_id, "presenceEvents": events}
        return await self._exchange("POST", self.presence_url, headers=headers, json_body=body)

    async def _authorization(self) -> dict[str, str] | Reply:
        auth = self.options.auth
        if auth == "token":
            return {"Authorization": f"Bearer {self._require('token')}"}
        if auth == "basic":
            pair = f"{self.options.username}:{self._require('password')}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        now = self._ctx.clock.now()
        if self._token is None or self._token_expires is None or now >= self._token_expires:
            reply = await self._mint()
            if reply.result.outcome is not Outcome.OK:
                return reply
        return {"Authorization": f"Bearer {self._token}"}

    async def _mint(self) -> Reply:
        """Get a Bearer token with the API key and the client secret or an HMAC."""
        api_key = self._require("api_key")
        now = self._ctx.clock.now()
        if self.options.auth == "hmac":
            secret = self._require("hmac_secret")
            stamp = int(now.timestamp())
            # hashlib loads OpenSSL (some 4 MB): imported here, when signing, because the registry
            # imports every backend module and most agents never sign anything.
            import hashlib
            import hmac

            digest = hmac.new(secret.encode(), f"{api_key}{stamp}".encode(), hashlib.sha256)
            body: dict[str, Any] = {
                "apiKey": api_key,
                "timestamp": stamp,
                "hash": digest.hexdigest(),
            }
        else:
            body = {"client_id": api_key, "client_secret": self._require("client_secret")}
        reply = await self._exchange("POST", self.token_url, json_body=body)
        if reply.result.outcome is Outcome.PERMANENT and reply.response is not None:
            if reply.response.status_code in (400, 403):
                return self._refused(reply)
        if reply.result.outcome is Outcome.REAUTH:
            return self._refused(reply)
        if reply.result.outcome is not Outcome.OK:
            return reply
        data = reply.json()
        token = _first(data, "access_token", "accessToken", "token")
        if not token or (isinstance(data, dict) and data.get("authenticated") is False):
            return Reply(Result(Outcome.REAUTH, "Calven issued no token"), reply.response)
        self._token = token
        self._token_expires = _expiry(data, now) - RENEW_BEFORE
        self._used_secrets.add(token)
        return reply

    def _refused(self, reply: Reply) -> Reply:
        command = secret_command(self.name, self.auth_field)
        text = f"Calven refused the API key ({reply.result.message}): run `{command}`"
        return Reply(Result(Outcome.REAUTH, text), reply.response)


def _first(data: Any, *keys: str) -> str | None:
    if not isinstance(data, dict):
        return None
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _expiry(data: Any, now: datetime) -> datetime:
    """When a token expires: ``expires_in`` seconds, or ``expiration`` as epoch or ISO."""
    if not isinstance(data, dict):
        return now + DEFAULT_LIFETIME
    value = data.get("expires_in", data.get("expiresIn", data.get("expiration")))
    if isinstance(value, str):
        return parse_iso(value) or now + DEFAULT_LIFETIME
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return now + DEFAULT_LIFETIME
    if value > 1e12:  # epoch milliseconds
        value = value / 1000 - now.timestamp()
    elif value > 1e9:  # epoch seconds
        value = value - now.timestamp()
    return now + timedelta(seconds=value)


BACKEND = BackendType(
    name="calven", secret_fields=SECRETS, read_options=read_options, create=create
)

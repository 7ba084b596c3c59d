"""Cord user presence: where the user is (an office, or "remote"), and when they left.

``PUT {base_url}/v1/users/{user_id}/presence`` with ``location`` rendered from
``location_template`` (placeholders ``{location_id}``, ``{location_type}``,
``{location_name}``; ``location_id`` is ``remote`` when no office is detected),
``groupID`` and ``durable`` from the config, and ``exclusiveWithin`` = the template's
constant entries, so the user is present at one place at a time. Going away,
invisible or offline sends ``absent: true`` for the place last reported (never with
``durable``, which Cord forbids). Auth: a static Bearer ``token`` if stored, else a
short-lived HS512 JWT carrying ``project_id``, signed with ``project_secret`` and
minted again shortly before it expires.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from agent.backends.base import BackendType, Outcome, Result
from agent.backends.http import Reply
from agent.backends.http_backend import PRESENT, HttpBackend, is_reassertion, new_message
from agent.backends.options import OptionReader

if TYPE_CHECKING:
    from agent.backends.base import BackendContext, Message
    from agent.config.schema import BackendEntry, UserSettings
    from agent.core.model import Location, PresenceChange, PresenceState

SECRETS = ("project_secret", "token")
DEFAULT_TEMPLATE = {"app": "presence-agent", "office": "{location_id}"}
PLACEHOLDERS = frozenset({"location_id", "location_type", "location_name"})
JWT_LIFETIME = timedelta(minutes=1)
JWT_MARGIN = timedelta(seconds=10)
_FIELD = re.compile(r"\{(\w*)\}")


@dataclass(frozen=True)
class CordOptions:
    user_id: str
    project_id: str
    group_id: str
    durable: bool
    location_template: dict[str, str]


def read_options(reader: OptionReader, user: UserSettings | None) -> CordOptions:
    template = reader.table("location_template", DEFAULT_TEMPLATE)
    for value in template.values():
        unknown = set(_FIELD.findall(value)) - PLACEHOLDERS
        if unknown:
            allowed = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
            reader.problems.append(
                ("location_template", f"unknown placeholder {{{unknown.pop()}}}; use {allowed}")
            )
    options = CordOptions(
        user_id=reader.text("user_id", user.id if user else ""),
        project_id=reader.text("project_id"),
        group_id=reader.text("group_id"),
        durable=reader.boolean("durable", False),
        location_template=template,
    )
    if user is not None and not options.user_id:
        reader.problems.append(("user_id", "required (or set [user].id)"))
    return options


def create(
    entry: BackendEntry, context: BackendContext, problems: list[tuple[str, str]]
) -> CordBackend:
    options = read_options(OptionReader(entry.name, entry.options, SECRETS), context.user)
    return CordBackend(entry, context, problems, options)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_jwt(project_id: str, secret: str, now: datetime, lifetime: timedelta) -> str:
    """A Cord server auth token: an HS512 JWT with ``project_id``, ``iat`` and ``exp``."""
    # hashlib loads OpenSSL (some 4 MB): imported here, when signing, because the registry
    # imports every backend module and most agents never sign anything.
    import hashlib
    import hmac

    header = {"alg": "HS512", "typ": "JWT"}
    issued = int(now.timestamp())
    claims = {
        "project_id": project_id,
        "iat": issued,
        "exp": issued + int(lifetime.total_seconds()),
    }
    signing_input = ".".join(
        _b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha512).digest()
    return f"{signing_input}.{_b64(signature)}"


def _where(state: PresenceState | None) -> tuple[bool, Location | None]:
    if state is None:
        return False, None
    return state.status in PRESENT, state.visible()[3]


class CordBackend(HttpBackend):
    auth_field = "project_secret"

    def __init__(
        self,
        entry: BackendEntry,
        context: BackendContext,
        problems: list[tuple[str, str]],
        options: CordOptions,
    ) -> None:
        super().__init__(entry, context, problems)
        self.options = options
        self._jwt: str | None = None
        self._jwt_renew: datetime | None = None

    def _render(self, location: Location | None) -> dict[str, str]:
        values = {
            "location_id": location.id if location else "remote",
            "location_type": location.type if location else "remote",
            "location_name": (location.name or location.id) if location else "Remote",
        }
        return {
            key: _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), value)
            for key, value in self.options.location_template.items()
        }

    def messages_for(self, change: PresenceChange) -> list[Message]:
        present, here = _where(change.state)
        was_present, there = _where(change.previous)
        again = is_reassertion(change) or change.previous is None
        body: dict[str, Any]
        if present:
            if was_present and here == there and not again:
                return []
            body = {"location": self._render(here)}
            if self.options.durable:
                body["durable"] = True
        elif was_present:
            body = {"location": self._render(there), "absent": True}
        else:
            return []
        if self.options.group_id:
            body["groupID"] = self.options.group_id
        exclusive = {
            k: v for k, v in self.options.location_template.items() if not _FIELD.search(v)
        }
        if exclusive:
            body["exclusiveWithin"] = exclusive
        return [new_message({"body": body})]

    async def _send(self, message: Message) -> Result:
        url = f"{self._base_url}/v1/users/{self.options.user_id}/presence"
        headers = self._authorization()
        if isinstance(headers, Result):
            return headers
        reply = await self._exchange("PUT", url, headers=headers, json_body=message.payload["body"])
        return reply.result

    async def _probe(self) -> Reply:
        headers = self._authorization()
        if isinstance(headers, Result):
            return Reply(headers)
        url = f"{self._base_url}/v1/users/{self.options.user_id}"
        return await self._exchange("GET", url, headers=headers)

    async def refresh_credentials(self) -> None:
        """Forget the JWT; the next request mints a fresh one."""
        self._jwt = None

    def _authorization(self) -> dict[str, str] | Result:
        token = self._secret("token")
        if token:
            self.auth_field = "token"
            return {"Authorization": f"Bearer {token}"}
        secret = self._require("project_secret", "token")
        if not self.options.project_id:
            return Result(
                Outcome.PERMANENT, "project_id is required to sign with the project_secret"
            )
        now = self._ctx.clock.now()
        if self._jwt is None or self._jwt_renew is None or now >= self._jwt_renew:
            self._jwt = mint_jwt(self.options.project_id, secret, now, JWT_LIFETIME)
            self._jwt_renew = now + JWT_LIFETIME - JWT_MARGIN
            self._used_secrets.add(self._jwt)
        return {"Authorization": f"Bearer {self._jwt}"}


BACKEND = BackendType(name="cord", secret_fields=SECRETS, read_options=read_options, create=create)

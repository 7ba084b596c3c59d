"""A signed JSON POST per change, shaped like Audian's ``user.presence.changed`` event.

For custom integrations: the receiver checks ``X-Signature: sha256=<hex>``, the
HMAC-SHA256 of the exact body bytes keyed by the ``signing_secret``, and may drop
duplicates by the ``X-Webhook-Id`` header (stable across retries).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent.backends.base import BackendType
from agent.backends.http_backend import HttpBackend, iso_z, new_message
from agent.backends.local import location_json
from agent.backends.options import OptionReader

if TYPE_CHECKING:
    from agent.backends.base import BackendContext, Message, Result
    from agent.backends.http import Reply
    from agent.config.schema import BackendEntry, UserSettings
    from agent.core.model import PresenceChange

EVENT = "user.presence.changed"


@dataclass(frozen=True)
class WebhookOptions:
    user_id: str


def read_options(reader: OptionReader, user: UserSettings | None) -> WebhookOptions:
    return WebhookOptions(user_id=reader.text("user_id", user.id if user else ""))


def create(
    entry: BackendEntry, context: BackendContext, problems: list[tuple[str, str]]
) -> WebhookBackend:
    return WebhookBackend(entry, context, problems)


def signature(secret: str, body: bytes) -> str:
    """The ``X-Signature`` header value for ``body``."""
    # hashlib loads OpenSSL (some 4 MB): imported here, when signing, because the registry
    # imports every backend module and most agents never sign anything.
    import hashlib
    import hmac

    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookBackend(HttpBackend):
    auth_field = "signing_secret"

    def __init__(
        self, entry: BackendEntry, context: BackendContext, problems: list[tuple[str, str]]
    ) -> None:
        super().__init__(entry, context, problems)
        reader = OptionReader(entry.name, entry.options, ())
        self.options = read_options(reader, context.user)

    def messages_for(self, change: PresenceChange) -> list[Message]:
        status, message, until, location = change.state.visible()
        previous = change.previous
        body: dict[str, Any] = {
            "event": EVENT,
            "timestamp": iso_z(change.at),
            "data": {
                "userId": self.options.user_id,
                "status": status.value,
                "message": message,
                "previousStatus": previous.status.value if previous else None,
                "location": location_json(location),
            },
        }
        return [new_message(body, expires=until)]

    async def _send(self, message: Message) -> Result:
        return (await self._post(message.payload, message.key)).result

    async def _probe(self) -> Reply:
        return await self._post({"event": "ping", "timestamp": iso_z(self._ctx.clock.now())}, "")

    async def _post(self, body: dict[str, Any], key: str) -> Reply:
        secret = self._require("signing_secret")
        content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "X-Signature": signature(secret, content)}
        if key:
            headers["X-Webhook-Id"] = key
        return await self._exchange("POST", self._base_url, headers=headers, content=content)


BACKEND = BackendType(
    name="webhook", secret_fields=("signing_secret",), read_options=read_options, create=create
)

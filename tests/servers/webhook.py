"""A receiver for the agent's signed ``user.presence.changed`` webhook, strictly.

Checks ``X-Signature: sha256=<hex HMAC-SHA256 of the body>`` with the shared secret
before anything else, then the event's shape. ``ping`` events (connection tests)
are accepted and not counted as changes.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from tests.servers.base import (
    Recorded,
    Reject,
    Reply,
    StrictServer,
    check_object,
    expect,
    iso_utc,
    json_body,
)

STATUSES = ("available", "busy", "away", "dnd", "offline", "invisible")


class WebhookServer(StrictServer):
    vendor = "webhook"

    def __init__(
        self, port: int = 0, secret: str = "webhook-secret", path: str = "/hooks/presence"
    ) -> None:
        super().__init__(port)
        self.secret = secret
        self.path = path
        self.changes: list[dict[str, Any]] = []
        self.ids: set[str] = set()

    @property
    def base_url(self) -> str:
        return f"{self.origin}{self.path}"

    def route(self, request: Recorded) -> Reply:
        if request.path != self.path:
            raise Reject(404, f"no such endpoint {request.path}")
        expect(request, "POST")
        wanted = (
            "sha256=" + hmac.new(self.secret.encode(), request.body, hashlib.sha256).hexdigest()
        )
        if not hmac.compare_digest(request.header("x-signature") or "", wanted):
            raise Reject(401, "missing or bad X-Signature")
        body = json_body(request)
        if isinstance(body, dict) and body.get("event") == "ping":
            check_object(body, {"event": str, "timestamp": str})
            return Reply(200, {"ok": True})
        body = check_object(body, {"event": str, "timestamp": str, "data": dict})
        if body["event"] != "user.presence.changed":
            raise Reject(400, f"unknown event {body['event']!r}")
        iso_utc(body["timestamp"], "timestamp")
        data = check_object(
            body["data"],
            {
                "userId": str,
                "status": str,
                "message": str,
                "previousStatus": (str, type(None)),
                "location": (dict, type(None)),
            },
            where="data",
        )
        if data["status"] not in STATUSES:
            raise Reject(400, f"data.status must be one of {STATUSES}")
        if data["location"] is not None:
            check_object(
                data["location"], {"id": str, "type": str, "name": str}, where="data.location"
            )
        event_id = request.header("x-webhook-id") or ""
        if event_id not in self.ids:  # a repeat after a lost reply is acknowledged, not applied
            self.ids.add(event_id)
            self.changes.append(data)
        return Reply(200, {"ok": True})

"""Audian's user presence API (audian-user-presence.txt), strictly.

Base URL ``{origin}/v2``; auth ``X-Auth-Token``; presence, DND and call forwarding.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tests.servers.base import Recorded, Reject, Reply, StrictServer, check_object, json_body

STATUSES = ("available", "busy", "away", "dnd", "offline", "invisible")
_PATH = re.compile(r"/v2/accounts/([^/]+)/users/([^/]+)/(presence|dnd|call-forwarding)")


def utc_now(offset: float = 0.0) -> str:
    """Audian's ``lastUpdate`` format, ``offset`` seconds from now."""
    moment = datetime.now(UTC).timestamp() + offset
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class AudianServer(StrictServer):
    vendor = "audian"

    def __init__(
        self,
        port: int = 0,
        token: str = "audian-token",
        account_id: str = "acc_1234567890",
        user_id: str = "user_123456",
    ) -> None:
        super().__init__(port)
        self.token = token
        self.account_id = account_id
        self.user_id = user_id
        self.presence: dict[str, Any] = {
            "userId": user_id,
            "status": "available",
            "customMessage": "",
            "lastUpdate": "2023-10-20T10:15:00Z",
            "activeCall": False,
            "activeMeeting": False,
            "doNotDisturb": {"enabled": False, "reason": None, "until": None},
            "callForwarding": {"enabled": False, "destination": None},
        }

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v2"

    # -- the states a real account starts in -----------------------------------------

    def user_signed_out(self) -> None:
        """The user is not signed in to the phone system: Audian shows ``offline``."""
        self.presence.update(status="offline", customMessage="", lastUpdate=utc_now())
        self.presence.pop("expiresAt", None)

    def set_elsewhere(
        self, status: str, message: str = "", ago: float = 0.0, lasts: float | None = None
    ) -> None:
        """A status set on a desk phone or another device ``ago`` seconds ago (for ``lasts``)."""
        self.presence.update(status=status, customMessage=message, lastUpdate=utc_now(-ago))
        self.presence.pop("expiresAt", None)
        if lasts is not None:
            self.presence["expiresAt"] = utc_now(lasts - ago)

    def route(self, request: Recorded) -> Reply:
        match = _PATH.fullmatch(request.path)
        if not match:
            raise Reject(404, f"no such endpoint {request.path}")
        if request.header("x-auth-token") != self.token:
            raise Reject(401, "missing or invalid X-Auth-Token")
        account, user, what = match.groups()
        if account != self.account_id or user != self.user_id:
            raise Reject(404, "User not found")
        handler = {
            ("presence", "GET"): self._get,
            ("presence", "POST"): self._set,
            ("dnd", "POST"): self._dnd_on,
            ("dnd", "DELETE"): self._dnd_off,
            ("call-forwarding", "POST"): self._forward_on,
            ("call-forwarding", "DELETE"): self._forward_off,
        }.get((what, request.method))
        if handler is None:
            raise Reject(405, f"{request.method} not allowed on {what}")
        return handler(request)

    def _get(self, request: Recorded) -> Reply:
        return Reply(200, dict(self.presence))

    def _set(self, request: Recorded) -> Reply:
        body = check_object(json_body(request), {"status": str}, {"message": str, "duration": int})
        if body["status"] not in STATUSES:
            raise Reject(400, f"status must be one of {', '.join(STATUSES)}")
        if "duration" in body and body["duration"] <= 0:
            raise Reject(400, "duration must be a positive number of seconds")
        self.presence.update(
            status=body["status"],
            customMessage=body.get("message", ""),
            lastUpdate=utc_now(),  # as Audian stamps every change, ours or a desk phone's
        )
        self.presence.pop("expiresAt", None)
        if "duration" in body:
            self.presence["expiresAt"] = utc_now(body["duration"])
        reply = {"userId": self.user_id, "status": body["status"]}
        for field in ("customMessage", "lastUpdate", "expiresAt"):
            if field in self.presence:
                reply[field] = self.presence[field]
        return Reply(200, reply)

    def _dnd_on(self, request: Recorded) -> Reply:
        body = check_object(json_body(request), {"enabled": bool}, {"reason": str, "duration": int})
        if body["enabled"] is not True:
            raise Reject(400, "enabled must be true (DELETE disables DND)")
        self.presence["doNotDisturb"] = {"enabled": True, "reason": body.get("reason")}
        return Reply(200, {"userId": self.user_id, "dnd": {"enabled": True}})

    def _dnd_off(self, request: Recorded) -> Reply:
        if request.body:
            raise Reject(400, "DELETE takes no body")
        self.presence["doNotDisturb"] = {"enabled": False, "reason": None, "until": None}
        return Reply(200, {"userId": self.user_id, "dnd": {"enabled": False}})

    def _forward_on(self, request: Recorded) -> Reply:
        body = check_object(
            json_body(request),
            {"enabled": bool, "destination": str},
            {"destinationType": str, "noAnswerAfter": int},
        )
        if body["enabled"] is not True or not body["destination"]:
            raise Reject(400, "enabled must be true with a destination")
        self.presence["callForwarding"] = {"enabled": True, "destination": body["destination"]}
        return Reply(200, {"userId": self.user_id, "callForwarding": dict(body)})

    def _forward_off(self, request: Recorded) -> Reply:
        if request.body:
            raise Reject(400, "DELETE takes no body")
        self.presence["callForwarding"] = {"enabled": False, "destination": None}
        return Reply(200, {"userId": self.user_id, "callForwarding": {"enabled": False}})

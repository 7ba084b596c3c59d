"""Cord's user presence API (cord-user-presence.txt), strictly, with server auth tokens.

``PUT /v1/users/{id}/presence`` and (for connection tests) ``GET /v1/users/{id}``.
Bearer: an HS512 JWT signed with the project secret whose ``project_id`` claim is
the project and whose ``exp`` is in the future (and that ``revoke_tokens`` has not
revoked), or a configured static token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from typing import Any

from tests.servers.base import (
    Recorded,
    Reject,
    Reply,
    StrictServer,
    auth_value,
    check_object,
    json_body,
)

_PATH = re.compile(r"/v1/users/([^/]+)(/presence)?")
SCALAR = (str, int, float, bool)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CordServer(StrictServer):
    vendor = "cord"

    def __init__(
        self,
        port: int = 0,
        project_id: str = "cord-project",
        project_secret: str = "cord-project-secret",
        static_token: str | None = None,
        user_id: str = "user_123456",
    ) -> None:
        super().__init__(port)
        self.project_id = project_id
        self.project_secret = project_secret
        self.static_token = static_token
        self.user_id = user_id
        self.tokens_seen: list[dict[str, Any]] = []
        self.present: dict[str, dict[str, Any]] = {}  # json(location) -> location
        self._jwts: set[str] = set()  # every JWT accepted so far
        self._revoked: set[str] = set()
        self._state = threading.Lock()

    def revoke_tokens(self) -> None:
        """Every JWT accepted so far is refused from now on (a freshly minted one is not)."""
        with self._state:
            self._revoked |= self._jwts

    def route(self, request: Recorded) -> Reply:
        match = _PATH.fullmatch(request.path)
        if not match:
            raise Reject(404, f"no such endpoint {request.path}")
        self._authenticate(request)
        user, presence = match.groups()
        if user != self.user_id:
            raise Reject(404, f"user {user} not found")
        if presence is None:
            if request.method != "GET":
                raise Reject(405, "use GET")
            return Reply(200, {"id": user, "name": "Ada Lovelace", "status": "active"})
        if request.method != "PUT":
            raise Reject(405, "use PUT")
        return self._update(request, user)

    def _authenticate(self, request: Recorded) -> None:
        token = auth_value(request, "Bearer")
        if self.static_token is not None and token == self.static_token:
            return
        parts = token.split(".")
        if len(parts) != 3:
            raise Reject(401, "not a JWT")
        try:
            header = json.loads(_unb64(parts[0]))
            claims = json.loads(_unb64(parts[1]))
            signature = _unb64(parts[2])
        except ValueError as exc:
            raise Reject(401, "malformed JWT") from exc
        if header.get("alg") != "HS512":
            raise Reject(401, "JWT must be signed with HS512")
        wanted = hmac.new(
            self.project_secret.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha512
        ).digest()
        if not hmac.compare_digest(wanted, signature):
            raise Reject(401, "bad JWT signature")
        if claims.get("project_id") != self.project_id:
            raise Reject(401, "JWT project_id does not match")
        if not isinstance(claims.get("exp"), int) or claims["exp"] < time.time():
            raise Reject(401, "JWT expired")
        with self._state:
            if token in self._revoked:
                raise Reject(401, "JWT revoked")
            self._jwts.add(token)
        self.tokens_seen.append(claims)

    def _update(self, request: Recorded, user: str) -> Reply:
        body = check_object(
            json_body(request),
            {"location": dict},
            {"groupID": str, "exclusiveWithin": dict, "durable": bool, "absent": bool},
        )
        location = body["location"]
        if not location or not all(isinstance(v, SCALAR) for v in location.values()):
            raise Reject(400, "location must be a non-empty object of strings, numbers, booleans")
        if body.get("absent") and body.get("durable"):
            raise Reject(400, "absent cannot be used with a durable presence update")
        exclusive = body.get("exclusiveWithin")
        if exclusive is not None:
            if any(location.get(k) != v for k, v in exclusive.items()):
                raise Reject(400, "exclusiveWithin must be a subset of location")
        key = json.dumps(location, sort_keys=True)
        if body.get("absent"):
            self.present.pop(key, None)
        else:
            if exclusive:
                for other in [k for k, loc in self.present.items() if _within(loc, exclusive)]:
                    del self.present[other]
            self.present[key] = location
        return Reply(
            200,
            {"success": True, "message": f"✅ You successfully updated user {user} presence"},
        )


def _within(location: dict[str, Any], region: dict[str, Any]) -> bool:
    return all(location.get(k) == v for k, v in region.items())

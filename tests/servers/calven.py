"""Calven's presence events API (calven-presence.txt) and its token endpoints, strictly.

``POST /v1/auth/token`` (client credentials), ``POST /v1/auth`` (API key + HMAC),
``POST /v1/presence`` (Bearer) and ``POST /v1/presence/basic`` (Basic). Events are
de-duplicated by ``eventId``; an unknown ``locationId`` gets resultCode 2.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from typing import Any

from tests.servers.base import (
    Recorded,
    Reject,
    Reply,
    StrictServer,
    auth_value,
    basic_credentials,
    check_object,
    expect,
    iso_utc,
    json_body,
)

LOCATION_TYPES = ("level", "location", "place", "space", "zone")
EVENT_FIELDS = {
    "timestamp": str,
    "locationId": str,
    "locationType": str,
    "eventId": str,
}
EVENT_OPTIONAL = {"sourceUserId": str, "userId": str, "userEmail": str}


class CalvenServer(StrictServer):
    vendor = "calven"

    def __init__(
        self,
        port: int = 0,
        api_key: str = "calven-key",
        client_secret: str = "calven-client-secret",
        hmac_secret: str = "calven-hmac-secret",
        username: str = "calven-basic-key",
        password: str = "calven-basic-secret",
        static_token: str = "calven-static-token",
        source_id: str = "presence-agent",
        known_locations: set[str] | None = None,
        token_lifetime: int = 3600,
    ) -> None:
        super().__init__(port)
        self.api_key = api_key
        self.client_secret = client_secret
        self.hmac_secret = hmac_secret
        self.username = username
        self.password = password
        self.static_token = static_token
        self.source_id = source_id
        self.known_locations = known_locations
        self.token_lifetime = token_lifetime
        self.tokens: set[str] = set()
        self.events: dict[str, dict[str, Any]] = {}  # by eventId, first seen wins
        self._state = threading.Lock()

    def revoke_tokens(self) -> None:
        """Every issued token becomes invalid (the next presence POST gets a 401)."""
        with self._state:
            self.tokens.clear()

    def route(self, request: Recorded) -> Reply:
        routes = {
            "/v1/auth/token": self._client_credentials,
            "/v1/auth": self._hmac,
            "/v1/presence": self._presence,
            "/v1/presence/basic": self._presence_basic,
        }
        handler = routes.get(request.path)
        if handler is None:
            raise Reject(404, f"no such endpoint {request.path}")
        expect(request, "POST")
        return handler(request)

    def _issue(self) -> str:
        token = secrets.token_urlsafe(16)
        with self._state:
            self.tokens.add(token)
        return token

    def _client_credentials(self, request: Recorded) -> Reply:
        body = check_object(json_body(request), {"client_id": str, "client_secret": str})
        if (body["client_id"], body["client_secret"]) != (self.api_key, self.client_secret):
            raise Reject(401, "invalid client credentials")
        return Reply(
            200,
            {
                "access_token": self._issue(),
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
            },
        )

    def _hmac(self, request: Recorded) -> Reply:
        body = check_object(json_body(request), {"apiKey": str, "timestamp": int, "hash": str})
        if body["apiKey"] != self.api_key:
            raise Reject(401, "unknown API key")
        if abs(body["timestamp"] - time.time()) > 300:
            raise Reject(401, "timestamp too far from now")
        message = f"{body['apiKey']}{body['timestamp']}".encode()
        wanted = hmac.new(self.hmac_secret.encode(), message, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(wanted, body["hash"]):
            raise Reject(401, "hash does not match")
        return Reply(
            200,
            {
                "authenticated": True,
                "message": "ok",
                "token": self._issue(),
                "expiration": int(time.time()) + self.token_lifetime,
            },
        )

    def _presence(self, request: Recorded) -> Reply:
        token = auth_value(request, "Bearer")
        with self._state:
            valid = token in self.tokens or token == self.static_token
        if not valid:
            raise Reject(401, "invalid or expired token")
        return self._accept(request)

    def _presence_basic(self, request: Recorded) -> Reply:
        if basic_credentials(request) != (self.username, self.password):
            raise Reject(401, "invalid Basic credentials")
        return self._accept(request)

    def _accept(self, request: Recorded) -> Reply:
        body = check_object(json_body(request), {"sourceId": str, "presenceEvents": list})
        if body["sourceId"] != self.source_id:
            raise Reject(400, f"unknown sourceId {body['sourceId']!r}")
        if len(body["presenceEvents"]) > 100:
            raise Reject(400, "at most 100 presence events per request")
        results = []
        for index, raw in enumerate(body["presenceEvents"]):
            where = f"presenceEvents[{index}]"
            event = check_object(raw, EVENT_FIELDS, EVENT_OPTIONAL, where)
            iso_utc(event["timestamp"], f"{where}.timestamp", milliseconds=True)
            if event["locationType"] not in LOCATION_TYPES:
                raise Reject(400, f"{where}.locationType must be one of {LOCATION_TYPES}")
            if not event.get("userId") and not event.get("userEmail"):
                raise Reject(400, f"{where}: userId or userEmail is required")
            if not event["eventId"]:
                raise Reject(400, f"{where}.eventId must not be empty")
            if self.known_locations is not None and event["locationId"] not in self.known_locations:
                results.append(
                    {"eventId": event["eventId"], "resultCode": 2, "message": "Unknown location"}
                )
                continue
            with self._state:
                self.events.setdefault(event["eventId"], event)
            results.append({"eventId": event["eventId"], "resultCode": 0, "message": "OK"})
        return Reply(
            200,
            {
                "sourceId": body["sourceId"],
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                "results": results,
            },
        )

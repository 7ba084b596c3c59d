"""essentry's ``PUT /api/v2/events`` (essentry-events-sync.txt), strictly.

Events are stored by ``sourceId`` (last write wins; ``deletedAt`` marks them
deleted); a ``locationId`` the server does not know gets a per-event error status.
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.servers.base import (
    Recorded,
    Reject,
    Reply,
    StrictServer,
    auth_value,
    check_object,
    expect,
    iso_utc,
    json_body,
)

PERSON = ({"email": str}, {"firstName": str, "lastName": str, "phoneNumber": str})
INVITATION_OPTIONAL = {
    "sourceId": str,
    "firstName": str,
    "lastName": str,
    "companyName": str,
    "customFields": dict,
    "language": str,
    "accessProfiles": list,
}
EVENT_REQUIRED = {
    "sourceId": str,
    "name": str,
    "startsAt": str,
    "endsAt": str,
    "locationId": int,
    "entranceId": int,
    "host": dict,
}
EVENT_OPTIONAL = {
    "description": str,
    "creator": dict,
    "invitations": list,
    "customFields": dict,
    "updatedAt": str,
    "deletedAt": (str, type(None)),
}


class EssentryServer(StrictServer):
    vendor = "essentry"

    def __init__(
        self,
        port: int = 0,
        token: str = "essentry-token",
        agent_token: str = "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        locations: frozenset[int] = frozenset({123}),
    ) -> None:
        super().__init__(port)
        self.token = token
        self.agent_token = agent_token
        self.locations = locations
        self.events: dict[str, dict[str, Any]] = {}

    def route(self, request: Recorded) -> Reply:
        if request.path != "/api/v2/events":
            raise Reject(404, f"no such endpoint {request.path}")
        expect(request, "PUT")
        if auth_value(request, "Bearer") != self.token:
            raise Reject(401, "invalid token")
        for name, values in request.query.items():
            if name != "ignoreMissingInvitations":
                raise Reject(400, f"unknown query parameter {name}")
            if values not in (["true"], ["false"]):
                raise Reject(400, "ignoreMissingInvitations must be true or false")
        body = check_object(json_body(request), {"agentToken": str, "events": list})
        try:
            uuid.UUID(body["agentToken"])
        except ValueError as exc:
            raise Reject(400, "agentToken must be a UUID") from exc
        if body["agentToken"] != self.agent_token:
            raise Reject(401, "unknown agentToken")
        if not body["events"]:
            raise Reject(400, "events must contain at least one event")
        results = []
        for index, raw in enumerate(body["events"]):
            where = f"events[{index}]"
            event = check_object(raw, EVENT_REQUIRED, EVENT_OPTIONAL, where)
            for field in ("startsAt", "endsAt", "updatedAt"):
                if field in event:
                    iso_utc(event[field], f"{where}.{field}")
            if event.get("deletedAt") is not None:
                iso_utc(event["deletedAt"], f"{where}.deletedAt")
            check_object(event["host"], *PERSON, f"{where}.host")
            if "creator" in event:
                check_object(event["creator"], *PERSON, f"{where}.creator")
            for n, invitation in enumerate(event.get("invitations", [])):
                check_object(
                    invitation, {"email": str}, INVITATION_OPTIONAL, f"{where}.invitations[{n}]"
                )
            if event["locationId"] not in self.locations:
                results.append({"sourceId": event["sourceId"], "status": "LOCATION_NOT_FOUND"})
                continue
            self.events[event["sourceId"]] = event
            results.append({"sourceId": event["sourceId"], "status": "SUCCESS"})
        return Reply(200, {"events": results})

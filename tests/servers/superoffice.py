"""SuperOffice ``POST /api/v1/Presence/SaveAll`` (superoffice-presence-saveall.txt), strictly.

The base URL carries a tenant path (``/Cust12345``) as SuperOffice Online does.
"""

from __future__ import annotations

from tests.servers.base import (
    Recorded,
    Reject,
    Reply,
    StrictServer,
    auth_value,
    basic_credentials,
    check_object,
    expect,
    json_body,
)

OPTIONAL = {"DisplayName": str, "OngoingChats": int, "ChatTopics": list}


class SuperOfficeServer(StrictServer):
    vendor = "superoffice"

    def __init__(
        self,
        port: int = 0,
        auth: str = "basic",
        username: str = "tje0",
        password: str = "so-password",
        token: str = "so-token",
        app_token: str | None = None,
        tenant: str = "Cust12345",
    ) -> None:
        super().__init__(port)
        self.auth = auth
        self.username = username
        self.password = password
        self.token = token
        self.app_token = app_token
        self.tenant = tenant
        self.presence: dict[int, bool] = {}

    @property
    def base_url(self) -> str:
        return f"{self.origin}/{self.tenant}"

    def route(self, request: Recorded) -> Reply:
        if request.path != f"/{self.tenant}/api/v1/Presence/SaveAll":
            raise Reject(404, f"no such endpoint {request.path}")
        expect(request, "POST")
        self._authenticate(request)
        items = json_body(request)
        if not isinstance(items, list):
            raise Reject(400, "body must be an array of ChatPresence objects")
        for index, item in enumerate(items):
            check_object(item, {"UserId": int, "Present": bool}, OPTIONAL, f"[{index}]")
        for item in items:
            self.presence[item["UserId"]] = item["Present"]
        return Reply(204, None)

    def _authenticate(self, request: Recorded) -> None:
        if self.auth == "basic":
            if basic_credentials(request) != (self.username, self.password):
                raise Reject(401, "invalid user name or password")
        else:
            scheme = "Bearer" if self.auth == "bearer" else "SOTicket"
            if auth_value(request, scheme) != self.token:
                raise Reject(401, f"invalid {scheme} credentials")
        if self.app_token is not None and request.header("so-apptoken") != self.app_token:
            raise Reject(401, "missing or invalid SO-AppToken")

"""SuperOffice chat presence: ``Present`` on or off for one user.

``POST {base_url}/api/v1/Presence/SaveAll`` with ``[{"UserId": int, "Present": bool}]``
(204 on success). ``Present`` is true while the status is one of ``present_statuses``
(default: available), so only changes that flip it are sent. Auth per ``auth``:
``Basic`` (``username`` + secret ``password``), ``Bearer`` or ``SOTicket`` (secret
``token``), plus the ``SO-AppToken`` header when the secret ``app_token`` is stored.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.backends.base import BackendType
from agent.backends.http_backend import HttpBackend, is_reassertion, new_message
from agent.backends.options import OptionReader
from agent.core.model import Status

if TYPE_CHECKING:
    from agent.backends.base import BackendContext, Message, Result
    from agent.backends.http import Reply
    from agent.config.schema import BackendEntry, UserSettings
    from agent.core.model import PresenceChange, PresenceState

SECRETS = ("password", "token", "app_token")
AUTH_MODES = ("basic", "bearer", "soticket")


@dataclass(frozen=True)
class SuperOfficeOptions:
    user_id: int
    auth: str
    username: str
    present_statuses: frozenset[Status]


def read_options(reader: OptionReader, user: UserSettings | None) -> SuperOfficeOptions:
    auth = reader.choice("auth", AUTH_MODES, "basic")
    user_id = reader.integer("user_id", required=True)
    names = reader.texts("present_statuses", ("available",))
    statuses = set()
    for name in names:
        try:
            statuses.add(Status(name))
        except ValueError:
            allowed = ", ".join(s.value for s in Status)
            reader.problems.append(("present_statuses", f"{name!r} is not one of {allowed}"))
    return SuperOfficeOptions(
        user_id=user_id or 0,
        auth=auth,
        username=reader.text("username", required=auth == "basic"),
        present_statuses=frozenset(statuses),
    )


def create(
    entry: BackendEntry, context: BackendContext, problems: list[tuple[str, str]]
) -> SuperOfficeBackend:
    options = read_options(OptionReader(entry.name, entry.options, SECRETS), context.user)
    return SuperOfficeBackend(entry, context, problems, options)


class SuperOfficeBackend(HttpBackend):
    def __init__(
        self,
        entry: BackendEntry,
        context: BackendContext,
        problems: list[tuple[str, str]],
        options: SuperOfficeOptions,
    ) -> None:
        super().__init__(entry, context, problems)
        self.options = options
        self.auth_field = "password" if options.auth == "basic" else "token"

    def _present(self, state: PresenceState | None) -> bool | None:
        return None if state is None else state.status in self.options.present_statuses

    def messages_for(self, change: PresenceChange) -> list[Message]:
        present = self._present(change.state)
        if present == self._present(change.previous) and not is_reassertion(change):
            return []
        return [new_message({"present": present})]

    async def _send(self, message: Message) -> Result:
        present = bool(message.payload["present"])
        body: list[dict[str, object]] = [{"UserId": self.options.user_id, "Present": present}]
        return (await self._save(body)).result

    async def _probe(self) -> Reply:
        return await self._save([])  # saves nothing: shows the URL and credentials work

    async def _save(self, body: list[dict[str, object]]) -> Reply:
        url = f"{self._base_url}/api/v1/Presence/SaveAll"
        return await self._exchange("POST", url, headers=self._headers(), json_body=body)

    def _headers(self) -> dict[str, str]:
        auth = self.options.auth
        if auth == "basic":
            pair = f"{self.options.username}:{self._require('password')}".encode()
            value = "Basic " + base64.b64encode(pair).decode()
        else:
            scheme = "Bearer" if auth == "bearer" else "SOTicket"
            value = f"{scheme} {self._require('token')}"
        headers = {"Authorization": value, "Accept": "application/json"}
        app_token = self._secret("app_token")
        if app_token:
            headers["SO-AppToken"] = app_token
        return headers


BACKEND = BackendType(
    name="superoffice", secret_fields=SECRETS, read_options=read_options, create=create
)

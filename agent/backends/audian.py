"""Audian user presence: status, message and duration, plus optional DND and forwarding.

Every change POSTs ``{status, message, duration}`` to
``{base_url}/accounts/{account_id}/users/{user_id}/presence`` with ``X-Auth-Token``.
``duration`` is computed when the request is sent (time left until ``until``), so a
retried request never extends a status. With ``dnd_endpoint = true`` entering and
leaving ``dnd`` also POSTs/DELETEs ``.../dnd``; with ``forward_when_away`` set,
``away`` enables ``.../call-forwarding`` to that number and leaving it disables it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent.backends.base import BackendType, Message, MissingSecret, Outcome, Result
from agent.backends.http_backend import HttpBackend, is_reassertion, iso_z, new_message, parse_iso
from agent.backends.options import OptionReader
from agent.core.model import PresenceState, Status

if TYPE_CHECKING:
    from agent.backends.base import BackendContext
    from agent.backends.http import Reply
    from agent.config.schema import BackendEntry, UserSettings
    from agent.core.model import PresenceChange

SECRETS = ("api_token",)


@dataclass(frozen=True)
class AudianOptions:
    account_id: str
    user_id: str
    dnd_endpoint: bool
    forward_when_away: str


def read_options(reader: OptionReader, user: UserSettings | None) -> AudianOptions:
    options = AudianOptions(
        account_id=reader.text("account_id", required=True),
        user_id=reader.text("user_id", user.id if user else ""),
        dnd_endpoint=reader.boolean("dnd_endpoint", False),
        forward_when_away=reader.text("forward_when_away"),
    )
    if user is not None and not options.user_id:
        reader.problems.append(("user_id", "required (or set [user].id)"))
    return options


def create(
    entry: BackendEntry, context: BackendContext, problems: list[tuple[str, str]]
) -> AudianBackend:
    options = read_options(OptionReader(entry.name, entry.options, SECRETS), context.user)
    return AudianBackend(entry, context, problems, options)


class AudianBackend(HttpBackend):
    auth_field = "api_token"

    def __init__(
        self,
        entry: BackendEntry,
        context: BackendContext,
        problems: list[tuple[str, str]],
        options: AudianOptions,
    ) -> None:
        super().__init__(entry, context, problems)
        self.options = options

    @property
    def _user_url(self) -> str:
        return f"{self._base_url}/accounts/{self.options.account_id}/users/{self.options.user_id}"

    def messages_for(self, change: PresenceChange) -> list[Message]:
        state = change.state
        status, text, until, _ = state.visible()
        before = change.previous.status if change.previous else None
        again = is_reassertion(change)
        if change.previous is not None and not again:
            if change.previous.visible()[:3] == (status, text, until):
                return []  # only the location changed: Audian has no location
        presence = {"op": "presence", "status": status.value, "message": text}
        if until is not None:
            presence["until"] = iso_z(until)
        messages = [new_message(presence, expires=until, group="presence")]
        if self.options.dnd_endpoint:
            if status is Status.DND and (before is not Status.DND or again):
                dnd: dict[str, Any] = {"op": "dnd_on", "reason": text or "Do not disturb"}
                if until is not None:
                    dnd["until"] = iso_z(until)
                messages.append(new_message(dnd, expires=until, group="dnd"))
            elif before is Status.DND and status is not Status.DND:
                messages.append(new_message({"op": "dnd_off"}, group="dnd"))
        if self.options.forward_when_away:
            if status is Status.AWAY and (before is not Status.AWAY or again):
                messages.append(new_message({"op": "forward_on"}, group="forwarding"))
            elif before is Status.AWAY and status is not Status.AWAY:
                messages.append(new_message({"op": "forward_off"}, group="forwarding"))
        return messages

    def _seconds_left(self, payload: dict[str, Any]) -> int | None:
        until = parse_iso(payload.get("until"))
        if until is None:
            return None
        return max(1, round((until - self._ctx.clock.now()).total_seconds()))

    async def _send(self, message: Message) -> Result:
        headers = {"X-Auth-Token": self._require("api_token")}
        payload = message.payload
        op = payload.get("op")
        body: dict[str, Any]
        if op == "presence":
            body = {"status": payload["status"], "message": payload.get("message", "")}
            duration = self._seconds_left(payload)
            if duration is not None:
                body["duration"] = duration
            url = f"{self._user_url}/presence"
        elif op == "dnd_on":
            body = {"enabled": True, "reason": payload.get("reason", "")}
            duration = self._seconds_left(payload)
            if duration is not None:
                body["duration"] = duration
            url = f"{self._user_url}/dnd"
        elif op == "forward_on":
            body = {
                "enabled": True,
                "destination": self.options.forward_when_away,
                "destinationType": "external",
            }
            url = f"{self._user_url}/call-forwarding"
        elif op in ("dnd_off", "forward_off"):
            url = f"{self._user_url}/{'dnd' if op == 'dnd_off' else 'call-forwarding'}"
            return (await self._exchange("DELETE", url, headers=headers)).result
        else:
            return Result(Outcome.PERMANENT, f"unknown stored request {op!r}")
        return (await self._exchange("POST", url, headers=headers, json_body=body)).result

    async def _probe(self) -> Reply:
        headers = {"X-Auth-Token": self._require("api_token")}
        return await self._exchange("GET", f"{self._user_url}/presence", headers=headers)

    async def fetch_remote_status(self) -> PresenceState | None:
        """The status Audian has now (e.g. set from a desk phone), or ``None`` if unknown.

        ``since`` is Audian's ``lastUpdate`` (the adoption rule compares it with this
        agent's last report); ``until`` its ``expiresAt`` (for ``dnd`` also the DND
        ``until``); ``reason`` is ``"manual"`` because a person set it.
        """
        if self._problem():
            return None
        try:
            reply = await self._probe()
        except MissingSecret:
            return None
        body = reply.json()
        if reply.result.outcome is not Outcome.OK or not isinstance(body, dict):
            return None
        try:
            status = Status(str(body.get("status")))
        except ValueError:
            return None
        message = body.get("customMessage")
        until = parse_iso(_text(body.get("expiresAt")))
        dnd = body.get("doNotDisturb")
        if until is None and status is Status.DND and isinstance(dnd, dict):
            until = parse_iso(_text(dnd.get("until")))
        return PresenceState(
            status=status,
            message=message if isinstance(message, str) else "",
            until=until,  # an adopted status ends at its own expiry
            reason="manual",
            since=parse_iso(_text(body.get("lastUpdate"))),
        )


def _text(value: object) -> str | None:
    """A JSON string field, or ``None`` for anything else a server may send."""
    return value if isinstance(value, str) else None


BACKEND = BackendType(
    name="audian", secret_fields=SECRETS, read_options=read_options, create=create
)

"""essentry visitor events from the user's calendar: meetings at the office, with guests.

``PUT {base_url}/api/v2/events?ignoreMissingInvitations=…`` with ``{agentToken,
events}``. A meeting counts when its calendar LOCATION contains one of
``location_filter`` (default: the names of the configured ``[[locations]]``) and it
has not ended. Each becomes an event with ``sourceId`` = UID (+ ``/`` + RECURRENCE-ID),
the user as host and creator, and an invitation per attendee outside
``company_domains`` (default: the domain of ``[user].email``). Only what changed
since the last successful sync is sent: what essentry acknowledged is kept in
``essentry-<name>.json`` in the data dir. A cancelled meeting, or one that vanished
from the calendar while still upcoming, is sent with ``deletedAt``. Each reply's
per-event ``status`` must be ``SUCCESS``; anything else is a PERMANENT failure.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from agent.backends.base import BackendType, DeliveryKind, Message, Outcome, Result
from agent.backends.http import Reply
from agent.backends.http_backend import HttpBackend, iso_z, parse_iso
from agent.backends.options import OptionReader
from agent.private_files import write_private
from agent.secret_names import secret_command

if TYPE_CHECKING:
    from pathlib import Path

    from agent.backends.base import BackendContext, CalendarSync
    from agent.config.schema import BackendEntry, UserSettings
    from agent.core.model import PresenceChange
    from agent.core.signals import Attendee, Meeting

log = logging.getLogger(__name__)

SECRETS = ("token", "agent_token")
DELETE_HORIZON = timedelta(hours=24)
"""A vanished meeting is deleted only if it started within this span: the calendar
window reaches further ahead (36 h), so a meeting beyond it has not really gone."""
KEEP_AFTER_END = timedelta(days=1)


@dataclass(frozen=True)
class EssentryOptions:
    location_id: int
    entrance_id: int
    company_domains: tuple[str, ...]
    ignore_missing_invitations: bool
    location_filter: tuple[str, ...]


def read_options(reader: OptionReader, user: UserSettings | None) -> EssentryOptions:
    own_domain = user.email.rpartition("@")[2] if user and "@" in user.email else ""
    return EssentryOptions(
        location_id=reader.integer("location_id", required=True) or 0,
        entrance_id=reader.integer("entrance_id", required=True) or 0,
        company_domains=tuple(
            d.lower().lstrip("@")
            for d in reader.texts("company_domains", (own_domain,) if own_domain else ())
        ),
        ignore_missing_invitations=reader.boolean("ignore_missing_invitations", False),
        location_filter=reader.texts("location_filter"),
    )


def create(
    entry: BackendEntry, context: BackendContext, problems: list[tuple[str, str]]
) -> EssentryBackend:
    options = read_options(OptionReader(entry.name, entry.options, SECRETS), context.user)
    if not options.location_filter:
        names = tuple(loc.name for loc in context.locations if loc.name)
        if names:
            options = replace(options, location_filter=names)
        else:
            problems = [
                *problems,
                ("location_filter", "required (or give the [[locations]] names)"),
            ]
    return EssentryBackend(entry, context, problems, options)


def split_name(name: str, email: str) -> tuple[str, str]:
    """First and last name from "First Last", "Last, First", or the e-mail's local part."""
    name = name.strip().strip("\"'").strip()
    if "@" in name:
        name = ""
    if not name:
        local = email.partition("@")[0]
        for separator in "._-":
            local = local.replace(separator, " ")
        name = " ".join(part.capitalize() for part in local.split())
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    first, _, last = name.rpartition(" ")
    return (first.strip(), last.strip()) if first else (last.strip(), "")


def source_id(meeting: Meeting) -> str:
    return f"{meeting.uid}/{meeting.recurrence_id}" if meeting.recurrence_id else meeting.uid


def _fingerprint(event: dict[str, Any]) -> str:
    # hashlib loads OpenSSL (some 4 MB): imported when essentry is in use, because the
    # registry imports every backend module.
    import hashlib

    stable = {k: v for k, v in event.items() if k != "updatedAt"}
    return hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()[:16]


class EssentryBackend(HttpBackend):
    kind = DeliveryKind.EVENT
    auth_field = "token"

    def __init__(
        self,
        entry: BackendEntry,
        context: BackendContext,
        problems: list[tuple[str, str]],
        options: EssentryOptions,
    ) -> None:
        super().__init__(entry, context, problems)
        self.options = options
        self.state_file: Path = context.paths.data_dir / f"essentry-{entry.name}.json"
        self._synced = self._load()  # what essentry acknowledged, by sourceId
        self._queued = dict(self._synced)  # ...plus what is in the outbox

    # -- sync state -------------------------------------------------------------------

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("essentry %s: ignoring unreadable %s: %s", self.name, self.state_file, exc)
            return {}
        events = data.get("events") if isinstance(data, dict) else None
        return {k: v for k, v in (events or {}).items() if isinstance(v, dict)}

    def _save(self) -> None:
        now = self._ctx.clock.now()
        self._synced = {
            sid: record
            for sid, record in self._synced.items()
            if (parse_iso(record.get("event", {}).get("endsAt")) or now) + KEEP_AFTER_END > now
        }
        write_private(self.state_file, json.dumps({"version": 1, "events": self._synced}))

    # -- messages ---------------------------------------------------------------------

    def messages_for(self, change: PresenceChange) -> list[Message]:
        return []  # essentry follows the calendar, not the presence status

    def messages_for_calendar(self, sync: CalendarSync) -> list[Message]:
        if self._problem():
            return []
        now = self._ctx.clock.now()
        current: dict[str, dict[str, Any]] = {}
        for meeting in sync.meetings:
            if meeting.end <= now or not self._at_office(meeting):
                continue
            sid = source_id(meeting)
            if meeting.cancelled and sid not in self._queued:
                continue  # never announced: nothing to delete
            current[sid] = self._event(meeting, sid, now)
        messages = [self._queue(sid, event) for sid, event in current.items()]
        if sync.meetings:  # an empty calendar is more likely a failed read than a purge
            for sid, record in list(self._queued.items()):
                event = record.get("event", {})
                if sid in current or event.get("deletedAt"):
                    continue
                start = parse_iso(event.get("startsAt"))
                end = parse_iso(event.get("endsAt"))
                if start and end and end > now and start < now + DELETE_HORIZON:
                    gone = {**event, "updatedAt": iso_z(now), "deletedAt": iso_z(now)}
                    messages.append(self._queue(sid, gone))
        return [m for m in messages if m is not None]

    def _queue(self, sid: str, event: dict[str, Any]) -> Message | None:
        fingerprint = _fingerprint(event)
        if self._queued.get(sid, {}).get("fingerprint") == fingerprint:
            return None
        self._queued[sid] = {"fingerprint": fingerprint, "event": event}
        return Message(key=f"{sid}@{fingerprint}", payload={"event": event}, coalesce_group="event")

    def _at_office(self, meeting: Meeting) -> bool:
        where = meeting.location.lower()
        return any(f.lower() in where for f in self.options.location_filter if f)

    def _person(self, email: str, name: str) -> dict[str, str]:
        first, last = split_name(name, email)
        person = {"email": email}
        if first:
            person["firstName"] = first
        if last:
            person["lastName"] = last
        return person

    def _guest(self, attendee: Attendee) -> bool:
        email = attendee.email.lower()
        domain = email.rpartition("@")[2]
        own = self._ctx.user.email.lower()
        return "@" in email and email != own and domain not in self.options.company_domains

    def _event(self, meeting: Meeting, sid: str, now: datetime) -> dict[str, Any]:
        user = self._ctx.user
        host = self._person(user.email, user.display_name)
        event: dict[str, Any] = {
            "sourceId": sid,
            "name": meeting.title,
            "description": meeting.description,
            "startsAt": iso_z(meeting.start),
            "endsAt": iso_z(meeting.end),
            "locationId": self.options.location_id,
            "entranceId": self.options.entrance_id,
            "host": host,
            "creator": dict(host),
            "invitations": [
                {"sourceId": f"{sid}/{a.email.lower()}", **self._person(a.email, a.name)}
                for a in meeting.attendees
                if self._guest(a)
            ],
            "updatedAt": iso_z(meeting.updated_at or now),
        }
        if meeting.cancelled:
            event["deletedAt"] = iso_z(meeting.updated_at or now)
        return event

    # -- sending ----------------------------------------------------------------------

    async def _send(self, message: Message) -> Result:
        event = message.payload["event"]
        reply = await self._put([event])
        if isinstance(reply, Result):
            return reply
        if reply.result.outcome is not Outcome.OK:
            return reply.result
        try:
            item = reply.item_for("events", "sourceId", event["sourceId"])
        except ValueError:
            return Result(Outcome.RETRY, "essentry sent an unreadable reply")
        if item is not None and item.get("status") != "SUCCESS":
            text = f"essentry refused {event['name']!r}: {item.get('status')}"
            return Result(Outcome.PERMANENT, text)
        fingerprint = message.key.rpartition("@")[2]
        self._synced[event["sourceId"]] = {"fingerprint": fingerprint, "event": event}
        try:
            self._save()
        except OSError as exc:
            log.warning("essentry %s: cannot save %s: %s", self.name, self.state_file, exc)
        return Result(Outcome.OK)

    async def _probe(self) -> Reply:
        reply = await self._put([])
        if isinstance(reply, Result):
            return Reply(reply)
        response = reply.response
        if response is not None and response.status_code in (400, 422):
            # No read-only endpoint exists: an empty sync is refused after the token was
            # accepted, which is what we wanted to know.
            return Reply(Result(Outcome.OK), response)
        return reply

    async def _put(self, events: list[dict[str, Any]]) -> Reply | Result:
        token = self._require("token")
        agent_token = self._require("agent_token")
        try:
            uuid.UUID(agent_token)
        except ValueError:
            command = secret_command(self.name, "agent_token")
            return Result(Outcome.REAUTH, f"agent_token must be a UUID: run `{command}`")
        flag = "true" if self.options.ignore_missing_invitations else "false"
        return await self._exchange(
            "PUT",
            f"{self._base_url}/api/v2/events",
            headers={"Authorization": f"Bearer {token}"},
            params={"ignoreMissingInvitations": flag},
            json_body={"agentToken": agent_token, "events": events},
        )


BACKEND = BackendType(
    name="essentry", secret_fields=SECRETS, read_options=read_options, create=create
)

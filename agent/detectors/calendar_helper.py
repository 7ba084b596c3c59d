"""Calendars parsed in a short-lived helper process, so the agent's memory stays flat.

Parsing a big published calendar builds tens of MB of objects (``icalendar``,
``dateutil``, the recurrence expander) that a resident process would keep for good,
and importing those libraries alone costs several MB. The agent therefore hands the
ICS bytes to ``presence-agent _parse-calendar`` (not a user command, like the
keyring reader in ``agent/secret_cache.py``) and gets back only the meetings of the
window, as JSON. The bytes travel over a pipe between two processes of the same
user, never through a file or the command line.

Wire format, one request per process: stdin holds one JSON line (:class:`Request`)
then the ICS bytes; stdout holds one JSON object (:class:`Reply`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Collection
from datetime import UTC, datetime, tzinfo
from typing import TypedDict
from zoneinfo import ZoneInfo

from agent.core.signals import Attendee, Meeting
from agent.detectors.calendar_parse import CalendarError, ParsedCalendar

HELPER = "_parse-calendar"
#: A calendar may take this long to parse before the helper is given up (then killed).
HELPER_TIMEOUT = 60.0
#: The largest calendar the helper reads (the fetcher refuses bigger downloads too).
MAX_BYTES = 20 * 1024 * 1024


class Request(TypedDict):
    source: str
    start: str  # ISO 8601, aware
    end: str
    user_emails: list[str]
    zone: str  # IANA key of the zone for floating times; "" = the machine's own zone


class WireAttendee(TypedDict):
    email: str
    name: str


class WireMeeting(TypedDict):
    uid: str
    title: str
    start: str
    end: str
    join_url: str | None
    location: str
    recurrence_id: str | None
    description: str
    organizer: WireAttendee | None
    attendees: list[WireAttendee]
    cancelled: bool
    updated_at: str | None


class Reply(TypedDict, total=False):
    meetings: list[WireMeeting]
    problems: list[str]
    error: str  # the calendar cannot be used: a CalendarError message


def helper_command() -> list[str]:
    """The agent's own command line, whether installed from source or frozen."""
    if getattr(sys, "frozen", False):
        return [sys.executable, HELPER]
    return [sys.executable, "-m", "agent", HELPER]


def _attendee(person: Attendee) -> WireAttendee:
    return {"email": person.email, "name": person.name}


def to_wire(meeting: Meeting) -> WireMeeting:
    return {
        "uid": meeting.uid,
        "title": meeting.title,
        "start": meeting.start.isoformat(),
        "end": meeting.end.isoformat(),
        "join_url": meeting.join_url,
        "location": meeting.location,
        "recurrence_id": meeting.recurrence_id,
        "description": meeting.description,
        "organizer": _attendee(meeting.organizer) if meeting.organizer else None,
        "attendees": [_attendee(a) for a in meeting.attendees],
        "cancelled": meeting.cancelled,
        "updated_at": meeting.updated_at.isoformat() if meeting.updated_at else None,
    }


def from_wire(wire: WireMeeting) -> Meeting:
    organizer = wire["organizer"]
    updated = wire["updated_at"]
    return Meeting(
        uid=wire["uid"],
        title=wire["title"],
        start=datetime.fromisoformat(wire["start"]),
        end=datetime.fromisoformat(wire["end"]),
        join_url=wire["join_url"],
        location=wire["location"],
        recurrence_id=wire["recurrence_id"],
        description=wire["description"],
        organizer=Attendee(organizer["email"], organizer["name"]) if organizer else None,
        attendees=tuple(Attendee(a["email"], a["name"]) for a in wire["attendees"]),
        cancelled=wire["cancelled"],
        updated_at=datetime.fromisoformat(updated) if updated else None,
    )


def _zone_key(zone: tzinfo) -> str:
    if zone is UTC:
        return "UTC"
    return zone.key if isinstance(zone, ZoneInfo) else ""


async def parse_in_helper(
    data: bytes,
    *,
    source: str,
    start: datetime,
    end: datetime,
    user_emails: Collection[str] = (),
    default_tz: tzinfo = UTC,
    command: list[str] | None = None,
) -> ParsedCalendar:
    """``parse_calendar`` in a child process; raises :class:`CalendarError` like it."""
    if len(data) > MAX_BYTES:
        raise CalendarError(f"{source}: larger than {MAX_BYTES // (1024 * 1024)} MB")
    request: Request = {
        "source": source,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "user_emails": list(user_emails),
        "zone": _zone_key(default_tz),
    }
    payload = json.dumps(request).encode() + b"\n" + data
    process = await asyncio.create_subprocess_exec(
        *(command or helper_command()),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(payload), HELPER_TIMEOUT)
    except TimeoutError:
        raise CalendarError(f"{source}: took over {HELPER_TIMEOUT:.0f} s to read") from None
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    try:
        reply: Reply = json.loads(out) if process.returncode == 0 else {}
    except ValueError:
        reply = {}
    if "error" in reply:
        raise CalendarError(str(reply["error"]))
    if "meetings" not in reply:
        last = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise CalendarError(
            f"{source}: the calendar reader failed (exit {process.returncode}) {last[0]}".strip()
        )
    meetings = tuple(from_wire(m) for m in reply["meetings"])
    return ParsedCalendar(meetings=meetings, problems=tuple(reply.get("problems", [])))


def serve_helper() -> int:
    """The helper: read a :class:`Request` line and the ICS on stdin, print a :class:`Reply`."""
    from agent.core.schedule import machine_zone
    from agent.detectors.calendar_parse import parse_calendar

    stream = sys.stdin.buffer
    reply: Reply
    try:
        request: Request = json.loads(stream.readline(64 * 1024))
        data = stream.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise CalendarError(f"{request['source']}: larger than {MAX_BYTES // 2**20} MB")
        zone = ZoneInfo(request["zone"]) if request["zone"] else machine_zone()
        parsed = parse_calendar(
            data,
            source=request["source"],
            start=datetime.fromisoformat(request["start"]),
            end=datetime.fromisoformat(request["end"]),
            user_emails=request["user_emails"],
            default_tz=zone,
        )
        reply = {
            "meetings": [to_wire(m) for m in parsed.meetings],
            "problems": list(parsed.problems),
        }
    except CalendarError as error:
        reply = {"error": str(error)}
    except (ValueError, KeyError, TypeError) as error:
        reply = {"error": f"bad request to the calendar reader: {error}"}
    sys.stdout.write(json.dumps(reply))
    sys.stdout.flush()
    return 0

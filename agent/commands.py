"""Requests from the command line and the tray: parsed, checked, and carried out.

One place turns a request dict (``{"cmd": "set", "status": "busy", "for": "1h"}``) into
service calls, so the IPC socket and the tray accept exactly the same commands and a
bad one gets the same answer: ``{"ok": false, "error": ..., "code": 2}``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from agent.core.model import Location, Status
from agent.history import HISTORY_LIMIT

if TYPE_CHECKING:
    from agent.app import AgentService

log = logging.getLogger(__name__)

Reply = dict[str, Any]


class BadRequest(Exception):
    """A command with bad input (exit code 2 on the command line)."""


async def execute(service: AgentService, request: dict[str, Any]) -> Reply:
    try:
        reply = await _run(service, request)
    except BadRequest as error:
        return {"ok": False, "error": str(error), "code": 2}
    except Exception as error:
        log.exception("command %r failed", request.get("cmd"))
        return {"ok": False, "error": str(error), "code": 1}
    return {"ok": True, **reply}


async def _run(service: AgentService, request: dict[str, Any]) -> Reply:
    command = request.get("cmd")
    engine = service.engine
    if command == "status":
        return {"snapshot": service.snapshot()}
    if command == "history":
        return {"changes": service.history.newest(_limit(request.get("limit")))}
    if command == "set":
        status = _status(request.get("status"))
        until = _until(service, request.get("for"))
        engine.set_manual(status, str(request.get("message") or ""), until)
    elif command == "clear":
        engine.clear_manual()
    elif command == "pause":
        engine.pause(_until(service, request.get("for")))
    elif command == "resume":
        engine.resume()
    elif command == "pin":
        engine.pin_location(_location(service, request.get("location")))
    elif command == "reload":
        problems = await service.reload()
        if problems:
            return {"problems": problems}
    elif command == "credentials_changed":
        await service.credentials_changed(str(request.get("backend", "")))
    elif command == "test_backend":
        return {"probe": await _probe(service, str(request.get("name", "")))}
    elif command == "quit":
        service.stop()
        return {}
    elif command != "activate":
        raise BadRequest(f"unknown command {command!r}")
    service.changed_by_user(activate=command == "activate")
    reply: Reply = {"snapshot": service.snapshot()}
    if command == "activate":
        reply["ui"] = service.ui_attached
    return reply


def _limit(value: object) -> int:
    if value is None:
        return HISTORY_LIMIT
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadRequest(f"limit must be a whole number of changes, not {value!r}")
    return value


def _status(value: object) -> Status:
    try:
        return Status(str(value))
    except ValueError:
        names = ", ".join(s.value for s in Status)
        raise BadRequest(f"unknown status {value!r}; use one of {names}") from None


def _until(service: AgentService, spec: object) -> datetime | None:
    text = "" if spec is None else str(spec)
    try:
        return service.engine.resolve_until(text)
    except ValueError as error:
        raise BadRequest(str(error)) from None


def _location(service: AgentService, location_id: object) -> Location | None:
    if location_id in (None, "", "auto"):
        return None
    for entry in service.config.locations:
        if entry.id == location_id:
            return Location(entry.id, entry.type, entry.name or entry.id)
    raise BadRequest(f"no location {location_id!r} in the configuration")


async def _probe(service: AgentService, name: str) -> dict[str, str]:
    backend = service.backend(name)
    if backend is None:
        raise BadRequest(f"no enabled backend named {name!r}")
    report = await backend.probe()
    return {"status": report.status.value, "detail": report.detail, "fix": report.fix}

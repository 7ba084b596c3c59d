"""Requests from the command line and the tray: parsed, checked, and carried out.

One place turns a request dict (``{"cmd": "set", "status": "busy", "for": "1h"}``) into
calls on a :class:`CommandTarget`, so the IPC socket and the tray accept exactly the
same commands and a bad one gets the same answer:
``{"ok": false, "error": ..., "code": ExitCode.BAD_INPUT}``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

from agent.core.model import Location, Status
from agent.history import HISTORY_LIMIT, ChangeHistory
from agent.protocol import ExitCode, Reply, Request

if TYPE_CHECKING:
    from agent.backends.base import Backend
    from agent.config.schema import Config
    from agent.core.engine import Engine
    from agent.protocol import Snapshot

log = logging.getLogger(__name__)

#: What a command adds to ``{"ok": true}``.
Answer = dict[str, Any]


class CommandTarget(Protocol):
    """What commands need from the running agent, and nothing more."""

    @property
    def engine(self) -> Engine: ...

    @property
    def config(self) -> Config: ...

    @property
    def ui_attached(self) -> bool: ...

    @property
    def history(self) -> ChangeHistory: ...

    def snapshot(self) -> Snapshot: ...

    async def reload(self) -> list[str]: ...

    async def credentials_changed(self, backend: str) -> None: ...

    def backend(self, name: str) -> Backend | None: ...

    def changed_by_user(self, activate: bool = False) -> None: ...

    def stop(self) -> None: ...


class BadRequest(Exception):
    """A command with bad input (``ExitCode.BAD_INPUT`` on the command line)."""


async def execute(target: CommandTarget, request: Request) -> Reply:
    command = request.get("cmd")
    try:
        run = COMMANDS.get(str(command))
        if run is None:
            raise BadRequest(f"unknown command {command!r}")
        reply = await run(target, request)
    except BadRequest as error:
        return {"ok": False, "error": str(error), "code": int(ExitCode.BAD_INPUT)}
    except Exception as error:
        log.exception("command %r failed", command)
        return {"ok": False, "error": str(error), "code": int(ExitCode.FAILURE)}
    return cast(Reply, {"ok": True, **reply})


def _changed(target: CommandTarget) -> Answer:
    """After a change by the user: re-evaluate, tell subscribers, answer the new state."""
    target.changed_by_user()
    return {"snapshot": target.snapshot()}


async def _status(target: CommandTarget, request: Request) -> Answer:
    return {"snapshot": target.snapshot()}


async def _history(target: CommandTarget, request: Request) -> Answer:
    return {"changes": target.history.newest(_limit(request.get("limit")))}


async def _set(target: CommandTarget, request: Request) -> Answer:
    status = _parse_status(request.get("status"))
    until = _until(target, request.get("for"))
    target.engine.set_manual(status, str(request.get("message") or ""), until)
    return _changed(target)


async def _clear(target: CommandTarget, request: Request) -> Answer:
    target.engine.clear_manual()
    return _changed(target)


async def _pause(target: CommandTarget, request: Request) -> Answer:
    target.engine.pause(_until(target, request.get("for")))
    return _changed(target)


async def _resume(target: CommandTarget, request: Request) -> Answer:
    target.engine.resume()
    return _changed(target)


async def _pin(target: CommandTarget, request: Request) -> Answer:
    target.engine.pin_location(_location(target, request.get("location")))
    return _changed(target)


async def _reload(target: CommandTarget, request: Request) -> Answer:
    problems = await target.reload()
    if problems:
        return {"problems": problems}
    return _changed(target)


async def _credentials_changed(target: CommandTarget, request: Request) -> Answer:
    await target.credentials_changed(str(request.get("backend", "")))
    return _changed(target)


async def _test_backend(target: CommandTarget, request: Request) -> Answer:
    return {"probe": await _probe(target, str(request.get("name", "")))}


async def _quit(target: CommandTarget, request: Request) -> Answer:
    target.stop()
    return {}


async def _activate(target: CommandTarget, request: Request) -> Answer:
    target.changed_by_user(activate=True)
    return {"snapshot": target.snapshot(), "ui": target.ui_attached}


COMMANDS: dict[str, Callable[[CommandTarget, Request], Awaitable[Answer]]] = {
    "status": _status,
    "history": _history,
    "set": _set,
    "clear": _clear,
    "pause": _pause,
    "resume": _resume,
    "pin": _pin,
    "reload": _reload,
    "credentials_changed": _credentials_changed,
    "test_backend": _test_backend,
    "quit": _quit,
    "activate": _activate,
}
"""Every command by its ``cmd`` name (a public contract: the CLI and the tray send these)."""


def _limit(value: object) -> int:
    if value is None:
        return HISTORY_LIMIT
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadRequest(f"limit must be a whole number of changes, not {value!r}")
    return value


def _parse_status(value: object) -> Status:
    try:
        return Status(str(value))
    except ValueError:
        names = ", ".join(s.value for s in Status)
        raise BadRequest(f"unknown status {value!r}; use one of {names}") from None


def _until(target: CommandTarget, spec: object) -> datetime | None:
    text = "" if spec is None else str(spec)
    try:
        return target.engine.resolve_until(text)
    except ValueError as error:
        raise BadRequest(str(error)) from None


def _location(target: CommandTarget, location_id: object) -> Location | None:
    if location_id in (None, "", "auto"):
        return None
    for entry in target.config.locations:
        if entry.id == location_id:
            return Location(entry.id, entry.type, entry.name or entry.id)
    raise BadRequest(f"no location {location_id!r} in the configuration")


async def _probe(target: CommandTarget, name: str) -> dict[str, str]:
    backend = target.backend(name)
    if backend is None:
        raise BadRequest(f"no enabled backend named {name!r}")
    report = await backend.probe()
    return {"status": report.status.value, "detail": report.detail, "fix": report.fix}

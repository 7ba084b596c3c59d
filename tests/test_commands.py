"""Commands as a table over a narrow target: names, bad input and failures (agent/commands.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from agent.backends.base import Backend
from agent.cli.exit_codes import ExitCode
from agent.commands import COMMANDS, CommandTarget, execute
from agent.config.schema import Config
from agent.core.clock import ManualClock
from agent.core.engine import Engine, EngineSettings
from agent.history import ChangeHistory
from agent.snapshot import Snapshot


class Target:
    """Only what :class:`CommandTarget` declares: the commands need nothing more."""

    def __init__(self) -> None:
        self.engine = Engine(
            EngineSettings.from_config(Config()), ManualClock(datetime(2026, 3, 2, tzinfo=UTC))
        )
        self.config = Config()
        self.ui_attached = False
        self.history = ChangeHistory()
        self.changes: list[bool] = []
        self.stopped = False

    def snapshot(self) -> Snapshot:
        return {"status": self.engine.current.status.value}

    async def reload(self) -> list[str]:
        raise OSError("disk on fire")

    async def credentials_changed(self, backend: str) -> None:
        return None

    def backend(self, name: str) -> Backend | None:
        return None

    def changed_by_user(self, activate: bool = False) -> None:
        self.engine.evaluate()
        self.changes.append(activate)

    def stop(self) -> None:
        self.stopped = True


def run(target: CommandTarget, request: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(execute(target, request))


def test_the_command_names_are_the_public_contract() -> None:
    assert set(COMMANDS) == {
        "status",
        "history",
        "set",
        "clear",
        "pause",
        "resume",
        "pin",
        "reload",
        "credentials_changed",
        "test_backend",
        "quit",
        "activate",
    }


def test_history_is_bounded_and_a_bad_limit_is_bad_input() -> None:
    target = Target()
    assert run(target, {"cmd": "history", "limit": 3}) == {"ok": True, "changes": []}
    reply = run(target, {"cmd": "history", "limit": -1})
    assert reply["ok"] is False and reply["code"] == 2


def test_a_change_is_carried_out_and_reported() -> None:
    target = Target()
    reply = run(target, {"cmd": "set", "status": "busy", "for": "1h"})
    assert reply == {"ok": True, "snapshot": {"status": "busy"}}
    assert target.changes == [False]
    assert run(target, {"cmd": "activate"})["ui"] is False
    assert target.changes == [False, True]
    assert run(target, {"cmd": "quit"}) == {"ok": True} and target.stopped


def test_bad_input_and_failures_carry_the_cli_exit_codes() -> None:
    target = Target()
    for request in (
        {"cmd": "dance"},
        {"cmd": "set", "status": "asleep"},
        {"cmd": "pin", "location": "moon"},
        {"cmd": "test_backend", "name": "x"},
    ):
        reply = run(target, request)
        assert reply["ok"] is False and reply["code"] == ExitCode.BAD_INPUT, request
    reply = run(target, {"cmd": "reload"})
    assert reply == {"ok": False, "error": "disk on fire", "code": ExitCode.FAILURE}
    assert target.changes == []

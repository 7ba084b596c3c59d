"""The wire as the running agent speaks it matches agent/protocol.py, key for key.

mypy checks both ends against the TypedDicts; this checks that the agent process
really sends those shapes, so a key added on one side only fails here.
"""

from __future__ import annotations

import typing
from typing import Any, get_type_hints

from agent import ipc
from agent.config.paths import Paths
from agent.protocol import Reply, Snapshot
from tests.agent_process import running_agent, write_config

CONFIG = """
[schedule]
enabled = false

[[backends]]
name = "journal"
type = "local"
"""


def _typed_dict(hint: Any) -> Any:
    """The TypedDict inside ``hint`` (``X | None``, ``NotRequired[X]``), else ``None``."""
    for candidate in (hint, *typing.get_args(hint)):
        if isinstance(candidate, type) and hasattr(candidate, "__required_keys__"):
            return candidate
    return None


def _mismatches(value: Any, shape: Any, where: str) -> list[str]:
    """Keys missing from, or unknown to, ``shape`` anywhere in ``value``."""
    required, optional = set(shape.__required_keys__), set(shape.__optional_keys__)
    found = set(value)
    problems = [f"{where}.{key}: missing" for key in sorted(required - found)]
    problems += [
        f"{where}.{key}: not in the protocol" for key in sorted(found - required - optional)
    ]
    hints = get_type_hints(shape)
    for key in found & (required | optional):
        hint, item = hints[key], value[key]
        if not isinstance(item, dict):
            continue
        if typing.get_origin(hint) is dict:
            entry_shape = _typed_dict(typing.get_args(hint)[1])
            if entry_shape is not None:
                for name, entry in item.items():
                    problems += _mismatches(entry, entry_shape, f"{where}.{key}[{name}]")
        elif (inner := _typed_dict(hint)) is not None:
            problems += _mismatches(item, inner, f"{where}.{key}")
    return problems


def test_the_agent_sends_the_declared_snapshot_and_reply(agent_paths: Paths) -> None:
    write_config(agent_paths, CONFIG)
    with running_agent(agent_paths) as agent:
        path = agent_paths.socket_path
        agent.wait_alive(path.exists, timeout=20, what="the agent's socket")
        reply = ipc.request(path, {"cmd": "set", "status": "busy", "for": "1h"})
        assert reply["ok"] is True
        snapshot = reply.get("snapshot")
        assert snapshot is not None
        assert _mismatches(reply, Reply, "reply") == []
        assert _mismatches(snapshot, Snapshot, "snapshot") == []
        assert snapshot["override"] is not None  # the nested shapes were really compared
        assert ipc.request(path, {"cmd": "quit"})["ok"] is True
        assert agent.process.wait(15) == 0


class _Inner(typing.TypedDict):
    a: int


class _Outer(typing.TypedDict):
    inner: _Inner | None


def test_the_check_itself_fails_on_an_undeclared_or_missing_key() -> None:
    assert _mismatches({"inner": {"a": 1, "b": 2}}, _Outer, "x") == [
        "x.inner.b: not in the protocol"
    ]
    assert _mismatches({"inner": {}}, _Outer, "x") == ["x.inner.a: missing"]

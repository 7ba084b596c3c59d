"""IPC bounds: nesting, a flood of connections, idle timeouts (real Unix sockets)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent import ipc
from agent.ipc_limits import MAX_CONNECTIONS, MAX_DEPTH, ConnectionLimiter
from tests.test_ipc import echo, in_thread, raw_exchange


def serving(
    tmp_path: Path, scenario: Callable[[ipc.IpcServer], Awaitable[None]], **limits: Any
) -> None:
    async def main() -> None:
        running = await ipc.serve(tmp_path / "run" / "agent.sock", echo, **limits)
        try:
            await scenario(running)
        finally:
            running.close()

    asyncio.run(main())


@contextmanager
def held_open(path: Path, count: int) -> Iterator[None]:
    """``count`` connections to ``path`` that send nothing, open for the ``with`` block."""
    held: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_UNIX)
            held.append(sock)
            sock.settimeout(5)
            sock.connect(str(path))
        yield
    finally:
        for sock in held:
            sock.close()


def test_60000_brackets_get_a_bad_input_reply_not_a_dropped_connection(tmp_path: Path) -> None:
    async def scenario(server: ipc.IpcServer) -> None:
        replies = await in_thread(raw_exchange, server.path, b"[" * 60000 + b'\n{"cmd": "x"}\n')
        assert replies[0] == {
            "ok": False,
            "error": f"request nested deeper than {MAX_DEPTH} levels",
            "code": 2,
        }
        assert replies[1] == {"ok": True, "echo": {"cmd": "x"}}  # the connection lives on

    serving(tmp_path, scenario)


def test_real_requests_nest_well_within_the_limit(tmp_path: Path) -> None:
    async def scenario(server: ipc.IpcServer) -> None:
        nested: Any = "x"
        for _ in range(MAX_DEPTH - 1):
            nested = [nested]
        reply = await in_thread(ipc.request, server.path, {"cmd": "x", "v": nested})
        assert reply["ok"] is True

    serving(tmp_path, scenario)


def test_idle_connections_are_closed_after_the_timeout(tmp_path: Path) -> None:
    async def scenario(server: ipc.IpcServer) -> None:
        def idle_until_closed() -> bytes:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(10)  # a deadline: the server should hang up well before
                sock.connect(str(server.path))
                return sock.recv(100)

        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await in_thread(idle_until_closed) == b""
        assert loop.time() - started < 5.0

    serving(tmp_path, scenario, idle_timeout=0.3)


def test_status_keeps_working_during_a_flood_of_idle_connections(tmp_path: Path) -> None:
    """300 connections held open (cap 64): 20 CLI-style requests all get answers."""

    async def scenario(server: ipc.IpcServer) -> None:
        def flood_then_ask() -> list[dict[str, Any]]:
            with held_open(server.path, 300):
                return [ipc.request(server.path, {"cmd": "status"}) for _ in range(20)]

        replies = await in_thread(flood_then_ask)
        assert replies == [{"ok": True, "echo": {"cmd": "status"}}] * 20

    serving(tmp_path, scenario)


def test_a_concurrent_burst_of_connections_all_get_answers(tmp_path: Path) -> None:
    """Many clients connecting at once overflow no queue the CLI would see as EAGAIN."""

    async def scenario(server: ipc.IpcServer) -> None:
        replies = await asyncio.gather(
            *(in_thread(ipc.request, server.path, {"cmd": f"c{i}"}) for i in range(40))
        )
        assert sorted(reply["echo"]["cmd"] for reply in replies) == sorted(
            f"c{i}" for i in range(40)
        )

    serving(tmp_path, scenario)


def test_the_limiter_evicts_the_longest_idle_and_never_a_subscriber() -> None:
    clock = iter(range(100))
    closed: list[str] = []
    limiter = ConnectionLimiter(limit=3, now=lambda: float(next(clock)))
    keys = {name: object() for name in "abcde"}
    for name in "abc":
        assert limiter.admit(keys[name], lambda name=name: closed.append(name))
    limiter.subscribed(keys["a"])
    limiter.busy(keys["c"])
    assert limiter.admit(keys["d"], lambda: closed.append("d"))
    assert closed == ["b"]  # a subscribes, c is busy: b, idle longest, gives way
    limiter.busy(keys["d"])
    assert not limiter.admit(keys["e"], lambda: None)  # nobody may give way
    limiter.release(keys["c"])
    assert limiter.admit(keys["e"], lambda: None) and len(limiter) == 3
    assert MAX_CONNECTIONS >= 16


_JSONISH = st.text(alphabet='[]{}":,0123456789 abc\\', max_size=2000)


_SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


@settings(max_examples=150, deadline=None, suppress_health_check=_SLOW_OK)
@given(line=_JSONISH.filter(lambda text: "\n" not in text and text.strip()))
def test_any_json_like_line_gets_one_reply_and_the_server_stays(tmp_path: Path, line: str) -> None:
    async def scenario(server: ipc.IpcServer) -> None:
        replies = await in_thread(
            raw_exchange, server.path, line.encode() + b'\n{"cmd": "after"}\n'
        )
        assert len(replies) == 2 and isinstance(replies[0], dict)
        assert replies[0].get("ok") is True or replies[0]["code"] == 2
        assert replies[1] == {"ok": True, "echo": {"cmd": "after"}}

    serving(tmp_path, scenario)

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent import ipc
from tests.support import wait_until


async def echo(request: dict[str, Any]) -> dict[str, Any]:
    if request.get("cmd") == "boom":
        raise RuntimeError("handler bug")
    return {"ok": True, "echo": request}


def with_server(tmp_path: Path, scenario: Callable[[ipc.IpcServer], Awaitable[None]]) -> None:
    """Run ``scenario`` on a loop that serves the echo handler (clients run in threads)."""

    async def main() -> None:
        running = await ipc.serve(tmp_path / "run" / "agent.sock", echo)
        try:
            await scenario(running)
        finally:
            running.close()

    asyncio.run(main())


def raw_exchange(path: Path, payload: bytes) -> list[dict[str, Any]]:
    """Send raw bytes, half-close, read every reply line (a misbehaving client)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(str(path))
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return [json.loads(line) for line in data.splitlines()]


async def in_thread(func: Any, *args: Any) -> Any:
    return await asyncio.to_thread(func, *args)


@pytest.mark.linux_only
def test_round_trip_and_permissions(tmp_path: Path) -> None:
    with_server(tmp_path, round_trip)


async def round_trip(server: ipc.IpcServer) -> None:
    reply = await in_thread(ipc.request, server.path, {"cmd": "status"})
    assert reply == {"ok": True, "echo": {"cmd": "status"}}
    assert stat.S_IMODE(server.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(server.path.parent.stat().st_mode) == 0o700


@pytest.mark.linux_only
def test_bad_input_gets_error_replies_and_the_server_survives(tmp_path: Path) -> None:
    with_server(tmp_path, bad_input)


async def bad_input(server: ipc.IpcServer) -> None:
    replies = await in_thread(
        raw_exchange, server.path, b'not json\n[1, 2]\n\n{"cmd": "boom"}\n{"cmd": "ok"}\n'
    )
    assert replies[0] == {"ok": False, "error": "request is not valid JSON", "code": 2}
    assert replies[1]["error"] == "request must be a JSON object"
    assert replies[2]["code"] == 1 and "handler bug" in replies[2]["error"]
    assert replies[3] == {"ok": True, "echo": {"cmd": "ok"}}
    oversized = b'{"cmd": "' + b"x" * (ipc.MAX_LINE + 10) + b'"}\n'
    (reply,) = await in_thread(raw_exchange, server.path, oversized)
    assert reply["ok"] is False and "longer than" in reply["error"]
    assert (await in_thread(ipc.request, server.path, {"cmd": "still"}))["ok"] is True


@pytest.mark.linux_only
def test_no_agent_means_agent_not_running(tmp_path: Path) -> None:
    with pytest.raises(ipc.AgentNotRunning):
        ipc.request(tmp_path / "missing.sock", {"cmd": "status"})
    stale = tmp_path / "stale.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(stale))  # bound but never listening: connection refused
    with pytest.raises(ipc.AgentNotRunning):
        ipc.request(stale, {"cmd": "status"})


@pytest.mark.linux_only
def test_stale_socket_is_replaced_but_a_live_one_is_not(tmp_path: Path) -> None:
    asyncio.run(_stale_socket_is_replaced_but_a_live_one_is_not(tmp_path))


async def _stale_socket_is_replaced_but_a_live_one_is_not(tmp_path: Path) -> None:
    path = tmp_path / "agent.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
    first = await ipc.serve(path, echo)
    try:
        with pytest.raises(ipc.AgentAlreadyRunning):
            await ipc.serve(path, echo)
        assert (await in_thread(ipc.request, path, {"cmd": "x"}))["ok"] is True
    finally:
        first.close()
    assert not path.exists()


def test_other_users_are_refused(tmp_path: Path) -> None:
    asyncio.run(_other_users_are_refused(tmp_path))


async def _other_users_are_refused(tmp_path: Path) -> None:
    if not hasattr(socket, "SO_PEERCRED"):
        pytest.skip("SO_PEERCRED is Linux-only")
    path = tmp_path / "agent.sock"
    server = await ipc.serve(path, echo, peer_uid=os.getuid() + 1)
    try:
        reply = await in_thread(ipc.request, path, {"cmd": "status"})
        assert reply == {"ok": False, "error": "this agent belongs to another user", "code": 1}
    finally:
        server.close()


def test_slow_agent_times_out(tmp_path: Path) -> None:
    asyncio.run(_slow_agent_times_out(tmp_path))


async def _slow_agent_times_out(tmp_path: Path) -> None:
    release = asyncio.Event()

    async def slow(request: dict[str, Any]) -> dict[str, Any]:
        await release.wait()
        return {"ok": True}

    server = await ipc.serve(tmp_path / "agent.sock", slow)
    try:
        with pytest.raises(TimeoutError):
            await in_thread(ipc.request, server.path, {"cmd": "status"}, 0.2)
    finally:
        release.set()
        server.close()


class FakePipe:
    """A Windows named pipe client end as ``open()`` returns it."""

    def __init__(self, reply: bytes, block: threading.Event | None = None) -> None:
        self.reply = reply
        self.block = block
        self.written = b""
        self.closed = False

    def __enter__(self) -> FakePipe:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def write(self, data: bytes) -> int:
        self.written += data
        return len(data)

    def read(self, size: int) -> bytes:
        if self.block is not None:
            self.block.wait()
        chunk, self.reply = self.reply[:size], self.reply[size:]
        return chunk

    def close(self) -> None:
        self.closed = True


def test_windows_pipe_client_with_a_fake_pipe() -> None:
    pipe = FakePipe(b'{"ok": true}\n')
    opened: list[tuple[str, str]] = []

    def opener(name: str, mode: str, buffering: int) -> FakePipe:
        opened.append((name, mode))
        return pipe

    reply = ipc.pipe_request(r"\\.\pipe\x", b'{"cmd": "status"}\n', 5, opener)
    assert reply == b'{"ok": true}\n'
    assert pipe.written == b'{"cmd": "status"}\n' and opened == [(r"\\.\pipe\x", "r+b")]

    def missing(name: str, mode: str, buffering: int) -> FakePipe:
        raise FileNotFoundError(name)

    with pytest.raises(ipc.AgentNotRunning):
        ipc.pipe_request(r"\\.\pipe\x", b"{}\n", 5, missing)
    stuck = threading.Event()
    try:
        with pytest.raises(TimeoutError):
            ipc.pipe_request(r"\\.\pipe\x", b"{}\n", 0.1, lambda *a, **k: FakePipe(b"", stuck))
    finally:
        stuck.set()


def test_pipe_names_are_per_user_and_per_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    first = ipc.pipe_name(Path("C:/Users/a/AppData/run/agent.sock"))
    assert first.startswith("\\\\.\\pipe\\presence-agent-")
    assert first != ipc.pipe_name(Path("C:/Users/a/other/agent.sock"))
    monkeypatch.setattr("getpass.getuser", lambda: "bob smith")
    assert "presence-agent-bobsmith-" in ipc.pipe_name(Path("C:/x"))


@pytest.fixture
def threaded_server(tmp_path: Path) -> Iterator[ipc.IpcServer]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(ipc.serve(tmp_path / "a.sock", echo), loop).result(5)
    yield server
    loop.call_soon_threadsafe(server.close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


@pytest.mark.linux_only
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(garbage=st.binary(max_size=300).filter(lambda b: b"\n" not in b and b.strip()))
def test_any_line_gets_exactly_one_json_reply(
    threaded_server: ipc.IpcServer, garbage: bytes
) -> None:
    replies = raw_exchange(threaded_server.path, garbage + b"\n")
    assert len(replies) == 1 and isinstance(replies[0], dict) and "ok" in replies[0]


@pytest.mark.linux_only
def test_a_directory_of_another_user_is_refused(tmp_path: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("needs root to hand a directory to another user")
    planted = tmp_path / "planted"
    planted.mkdir(mode=0o777)
    os.chown(planted, 65534, 65534)
    with pytest.raises(PermissionError, match="belongs to another user"):
        asyncio.run(ipc.serve(planted / "agent.sock", echo))


class Hub:
    """The agent side of subscriptions: a list of push functions, used on the loop."""

    def __init__(self) -> None:
        self.pushes: list[ipc.Push] = []

    def subscribe(self, push: ipc.Push) -> Callable[[], None]:
        self.pushes.append(push)
        return lambda: self.pushes.remove(push)

    def publish(self, message: dict[str, Any]) -> None:
        for push in list(self.pushes):
            push(message)


@pytest.fixture
def pushing_server(tmp_path: Path) -> Iterator[tuple[ipc.IpcServer, Hub, Any]]:
    """A server with subscriptions on a loop thread; yields it, its hub and ``on_loop(f)``."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    hub = Hub()
    serving = ipc.serve(tmp_path / "run" / "agent.sock", echo, subscribe=hub.subscribe)
    server = asyncio.run_coroutine_threadsafe(serving, loop).result(5)

    def on_loop(func: Callable[[], Any]) -> Any:
        async def call() -> Any:
            return func()

        return asyncio.run_coroutine_threadsafe(call(), loop).result(5)

    yield server, hub, on_loop

    async def shut_down() -> None:
        server.close()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(shut_down(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def test_a_subscriber_gets_every_push_until_it_hangs_up(
    pushing_server: tuple[ipc.IpcServer, Hub, Any],
) -> None:
    server, hub, on_loop = pushing_server
    subscription = ipc.Subscription(server.path)
    assert on_loop(lambda: len(hub.pushes)) == 1
    for n in range(3):
        on_loop(lambda n=n: hub.publish({"n": n}))
    received = iter(subscription)
    assert [next(received) for _ in range(3)] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert ipc.request(server.path, {"cmd": "status"})["ok"] is True  # others still served
    subscription.close()
    wait_until(lambda: on_loop(lambda: not hub.pushes), what="the subscriber to be removed")


def test_close_ends_a_blocked_iteration_quietly(
    pushing_server: tuple[ipc.IpcServer, Hub, Any],
) -> None:
    server, _hub, _on_loop = pushing_server
    subscription = ipc.Subscription(server.path)
    seen: list[Any] = []
    reader = threading.Thread(target=lambda: seen.extend(subscription))
    reader.start()
    subscription.close()
    reader.join(5)
    assert not reader.is_alive() and seen == []


def test_close_returns_while_a_reader_waits_for_the_next_push(
    pushing_server: tuple[ipc.IpcServer, Hub, Any],
) -> None:
    """The tray's Quit closes from another thread while its reader waits in the pipe."""
    server, hub, on_loop = pushing_server
    subscription = ipc.Subscription(server.path)
    seen: list[Any] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            seen.extend(subscription)
        except BaseException as error:  # the reader must end quietly, whatever happens
            errors.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    on_loop(lambda: hub.publish({"n": 1}))
    wait_until(lambda: seen, what="the first push")  # now the reader waits for the next
    closer = threading.Thread(target=subscription.close, daemon=True)
    closer.start()
    closer.join(5)
    assert not closer.is_alive(), "close() blocked until the agent wrote again"
    reader.join(5)
    assert not reader.is_alive() and seen == [{"n": 1}] and errors == []


@pytest.mark.linux_only
def test_the_agent_going_away_ends_the_subscription(tmp_path: Path) -> None:
    path = tmp_path / "agent.sock"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        listener.listen(1)

        def agent_that_exits() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(1024)
                connection.sendall(b'{"ok": true, "subscribed": true}\n{"last": 1}\n')

        agent = threading.Thread(target=agent_that_exits)
        agent.start()
        subscription = ipc.Subscription(path)
        received: list[dict[str, Any]] = []
        with pytest.raises(ipc.AgentNotRunning):
            for message in subscription:
                received.append(message)
        agent.join(5)
        subscription.close()
    assert received == [{"last": 1}]


@pytest.mark.linux_only
def test_a_subscriber_that_stops_reading_is_dropped_without_blocking(
    pushing_server: tuple[ipc.IpcServer, Hub, Any],
) -> None:
    server, hub, on_loop = pushing_server
    with socket.socket(socket.AF_UNIX) as stuck:
        stuck.connect(str(server.path))
        stuck.sendall(b'{"cmd": "subscribe"}\n')
        wait_until(lambda: on_loop(lambda: hub.pushes), what="the subscription")
        big = {"pad": "x" * 4096}
        # Far more than the socket buffers and the queue hold; publish never blocks.
        for _ in range(ipc.SUBSCRIBER_QUEUE * 40):
            on_loop(lambda: hub.publish(big))
            if not on_loop(lambda: hub.pushes):
                break
        wait_until(lambda: on_loop(lambda: not hub.pushes), what="the stuck subscriber dropped")
    assert ipc.request(server.path, {"cmd": "status"})["ok"] is True


def test_subscribing_is_refused_to_other_users(tmp_path: Path) -> None:
    if not hasattr(socket, "SO_PEERCRED"):
        pytest.skip("SO_PEERCRED is Linux-only")
    hub = Hub()

    async def scenario() -> None:
        path = tmp_path / "agent.sock"
        server = await ipc.serve(path, echo, peer_uid=os.getuid() + 1, subscribe=hub.subscribe)
        try:
            with pytest.raises(OSError, match="another user"):
                await in_thread(ipc.Subscription, path)
            assert not hub.pushes
        finally:
            server.close()

    asyncio.run(scenario())


def test_without_a_subscribe_function_subscribe_is_a_plain_request(tmp_path: Path) -> None:
    with_server(tmp_path, plain_subscribe)


async def plain_subscribe(server: ipc.IpcServer) -> None:
    reply = await in_thread(ipc.request, server.path, {"cmd": "subscribe"})
    assert reply == {"ok": True, "echo": {"cmd": "subscribe"}}


def test_windows_pipe_subscription_with_a_fake_pipe() -> None:
    pipe = FakePipe(b'{"ok": true, "subscribed": true}\n{"n": 1}\n{"n": 2}\n')
    path = Path("C:/Users/a/run/agent.sock")
    opened: list[str] = []

    def opener(name: str, mode: str, buffering: int) -> FakePipe:
        opened.append(name)
        return pipe

    subscription = ipc.Subscription(path, pipe_opener=opener)
    assert opened == [ipc.pipe_name(path)] and pipe.written == b'{"cmd": "subscribe"}\n'
    received: list[dict[str, Any]] = []
    with pytest.raises(ipc.AgentNotRunning):  # the pipe ends: the agent went away
        received.extend(subscription)
    assert received == [{"n": 1}, {"n": 2}]
    subscription.close()
    assert pipe.closed

    def missing(name: str, mode: str, buffering: int) -> FakePipe:
        raise FileNotFoundError(name)

    with pytest.raises(ipc.AgentNotRunning):
        ipc.Subscription(path, pipe_opener=missing)
    refused = FakePipe(b'{"ok": false, "error": "no", "code": 1}\n')
    with pytest.raises(OSError, match="no"):
        ipc.Subscription(path, pipe_opener=lambda *a, **k: refused)
    assert refused.closed

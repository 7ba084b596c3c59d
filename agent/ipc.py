"""The local socket the CLI (and a second instance) uses to reach the running agent.

Protocol: one JSON object per line each way; a request gets exactly one reply.
Only the same user can connect: the socket lives in a 0700 directory, is itself
0600, and on Linux the server also checks the peer's uid (``SO_PEERCRED``) so a
mis-set directory mode cannot open it to others. Bad input (not JSON, not an
object, a line over :data:`MAX_LINE`, nesting past ``MAX_DEPTH``) gets an error
reply; the server never dies of it. Connections are capped, idle ones time out and
a flood of them never locks the CLI out (:mod:`agent.ipc_limits`).

On Windows the same two functions use a named pipe instead, whose name is derived
from the user and the socket path (:func:`pipe_name`); the pipe's default DACL
gives write access only to its creator, administrators and SYSTEM. The message
handling is the same code for both transports.

Subscriptions: a client that sends ``{"cmd": "subscribe"}`` (to a server given a
``subscribe`` function) keeps its connection; the server acknowledges, then writes one
JSON line per pushed message until the client hangs up. Pushes go through a bounded
queue per connection: a subscriber that stops reading is dropped, never waited for.

Threading: :func:`serve` runs on the caller's asyncio loop and calls ``handler`` and
``subscribe`` (and the ``push`` functions it hands out must be called) on it;
:func:`request` and :class:`Subscription` are blocking clients for the CLI and the tray.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import socket
import struct
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from agent.core.nesting import too_deep
from agent.ipc_limits import BACKLOG, IDLE_TIMEOUT, MAX_CONNECTIONS, MAX_DEPTH, ConnectionLimiter
from agent.protocol import Reply, Request, Snapshot

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger(__name__)

MAX_LINE = 64 * 1024
CANCEL_LIMIT = 2.0
"""How long closing a subscription's pipe keeps cancelling the reader's blocked read."""
#: Pushed messages a subscriber may have waiting before it is dropped.
SUBSCRIBER_QUEUE = 64
Handler = Callable[[Request], Awaitable[Reply]]
Push = Callable[[Snapshot], None]
#: Registers a subscriber's ``push`` and returns the function that unregisters it.
Subscribe = Callable[[Push], Callable[[], None]]


class AgentNotRunning(Exception):
    """Nobody listens on the agent's socket."""


class AgentAlreadyRunning(Exception):
    """Another agent already serves this socket."""


class IpcServer:
    """A running server; :meth:`close` stops it (and removes the socket file)."""

    def __init__(self, servers: list[Any], path: Path) -> None:
        self._servers = servers
        self.path = path

    def close(self) -> None:
        for server in self._servers:
            server.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def pipe_name(path: Path) -> str:
    """The Windows named pipe standing for ``path``: per user, per agent data dir."""
    import getpass
    import hashlib

    user = "".join(c for c in getpass.getuser() if c.isalnum()) or "user"
    digest = hashlib.sha256(str(path).lower().encode()).hexdigest()[:12]
    return rf"\\.\pipe\presence-agent-{user}-{digest}"


def _error(message: str, code: int = 2) -> Reply:
    return {"ok": False, "error": message, "code": code}


async def serve(
    path: Path,
    handler: Handler,
    *,
    peer_uid: int | None = None,
    subscribe: Subscribe | None = None,
    idle_timeout: float = IDLE_TIMEOUT,
    max_connections: int = MAX_CONNECTIONS,
) -> IpcServer:
    """Listen on ``path``; raises :class:`AgentAlreadyRunning` if an agent answers there.

    ``peer_uid`` is the uid allowed to connect (default: ours; tests pass another).
    ``subscribe``, if given, serves ``{"cmd": "subscribe"}`` (see the module docstring).
    ``idle_timeout`` and ``max_connections``: see :mod:`agent.ipc_limits`.
    """
    import asyncio  # here, not at the top: the tray's client side does without it (10 MB)

    limiter = ConnectionLimiter(limit=max_connections)
    if sys.platform == "win32":
        return await _serve_pipe(path, handler, subscribe, limiter, idle_timeout)
    _prepare_directory(path.parent)
    if path.exists() or path.is_symlink():
        if _answers(path):
            raise AgentAlreadyRunning(f"another agent is listening on {path}")
        path.unlink()  # stale socket of an agent that died
    allowed = os.getuid() if peer_uid is None else peer_uid

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not _peer_allowed(writer, allowed):
            log.warning("ipc: refused a connection from another user")
            with contextlib.suppress(ConnectionError):
                await _reply(writer, _error("this agent belongs to another user", code=1))
            writer.close()
            return
        await _serve_client(reader, writer, handler, subscribe, limiter, idle_timeout)

    server = await asyncio.start_unix_server(
        on_connect, path=str(path), limit=MAX_LINE, backlog=BACKLOG
    )
    os.chmod(path, 0o600)
    return IpcServer([server], path)


async def _serve_client(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    handler: Handler,
    subscribe: Subscribe | None,
    limiter: ConnectionLimiter,
    idle_timeout: float,
) -> None:
    """One client on either transport: admitted under the cap, then served until it leaves."""
    import asyncio

    try:
        if not limiter.admit(writer, writer.transport.abort):
            log.warning("ipc: refused a connection: %d are open and busy", len(limiter))
            await _reply(writer, _error("the agent is busy (too many connections)", code=1))
            return
        await _converse(reader, writer, handler, subscribe, limiter, idle_timeout)
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        limiter.release(writer)
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def _serve_pipe(
    path: Path,
    handler: Handler,
    subscribe: Subscribe | None,
    limiter: ConnectionLimiter,
    idle_timeout: float,
) -> IpcServer:
    """Windows: serve on the named pipe for ``path`` (needs the default Proactor loop).

    The same bounds as the socket: the connection cap and the idle timeout.
    """
    import asyncio

    name = pipe_name(path)
    if _pipe_answers(name):
        raise AgentAlreadyRunning(f"another agent is listening on {name}")
    loop = asyncio.get_running_loop()

    def protocol() -> asyncio.StreamReaderProtocol:
        reader = asyncio.StreamReader(limit=MAX_LINE)

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _serve_client(reader, writer, handler, subscribe, limiter, idle_timeout)

        return asyncio.StreamReaderProtocol(reader, on_connect)

    servers = await loop.start_serving_pipe(protocol, name)  # type: ignore[attr-defined]
    return IpcServer(list(servers), path)


async def _converse(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    handler: Handler,
    subscribe: Subscribe | None = None,
    limiter: ConnectionLimiter | None = None,
    idle_timeout: float | None = None,
) -> None:
    import asyncio

    while True:
        try:
            async with asyncio.timeout(idle_timeout):
                line = await reader.readline()
        except TimeoutError:
            return  # idle too long: hang up (the client reconnects when it needs us)
        except (ValueError, asyncio.LimitOverrunError):
            # The rest of an oversized line would read as garbage: answer, then hang up.
            await _reply(writer, _error(f"request longer than {MAX_LINE} bytes"))
            return
        if not line:
            return
        if not line.strip():
            continue
        if limiter is not None:
            limiter.busy(writer)
        if subscribe is not None and _is_subscribe(line):
            if limiter is not None:
                limiter.subscribed(writer)
            await _reply(writer, {"ok": True, "subscribed": True})
            await _stream(reader, writer, subscribe)
            return
        await _reply(writer, await _answer(line, handler))
        if limiter is not None:
            limiter.idle(writer)


class _TooDeep(ValueError):
    """A request nested past MAX_DEPTH (refused before ``json`` recurses into it)."""


def _load(line: bytes) -> Any:
    """The JSON value on ``line``; ValueError if it is not JSON or nests too deep."""
    text = line.decode("utf-8")
    if too_deep(text, MAX_DEPTH) is not None:
        raise _TooDeep(f"request nested deeper than {MAX_DEPTH} levels")
    return json.loads(text)


def _is_subscribe(line: bytes) -> bool:
    try:
        request = _load(line)
    except ValueError:  # UnicodeDecodeError is one too
        return False
    return isinstance(request, dict) and request.get("cmd") == "subscribe"


async def _stream(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, subscribe: Subscribe
) -> None:
    """Write pushed messages until the client hangs up or falls too far behind."""
    import asyncio

    queue: asyncio.Queue[Snapshot] = asyncio.Queue(maxsize=SUBSCRIBER_QUEUE)

    def push(message: Snapshot) -> None:
        if writer.transport.is_closing():
            return
        try:
            queue.put_nowait(message)
        except asyncio.QueueFull:
            # Its socket buffer is full too: hang up, which also ends a stuck drain().
            log.warning("ipc: dropped a subscriber that stopped reading")
            writer.transport.abort()

    hung_up = asyncio.ensure_future(_until_eof(reader))
    unsubscribe = subscribe(push)
    try:
        while not writer.transport.is_closing():
            message = asyncio.ensure_future(queue.get())
            await asyncio.wait({message, hung_up}, return_when="FIRST_COMPLETED")
            if hung_up.done():
                message.cancel()
                break
            await _reply(writer, message.result())
    finally:
        unsubscribe()
        hung_up.cancel()


async def _until_eof(reader: asyncio.StreamReader) -> None:
    """Return when the client closes its end (anything it still sends is ignored)."""
    while await reader.read(4096):
        pass


async def _answer(line: bytes, handler: Handler) -> Reply:
    try:
        request = _load(line)
    except _TooDeep as error:
        return _error(str(error))
    except ValueError:  # UnicodeDecodeError is one too
        return _error("request is not valid JSON")
    if not isinstance(request, dict):
        return _error("request must be a JSON object")
    try:
        reply = await handler(cast(Request, request))
    except Exception as error:  # a handler bug must not take the server down
        log.exception("ipc: handler failed for %s", request.get("cmd"))
        return _error(f"internal error: {error}", code=1)
    return reply


async def _reply(writer: asyncio.StreamWriter, reply: Reply | Snapshot) -> None:
    writer.write(json.dumps(reply, default=str).encode() + b"\n")
    await writer.drain()


def _peer_allowed(writer: asyncio.StreamWriter, allowed: int) -> bool:
    sock = writer.get_extra_info("socket")
    if sock is None or not hasattr(socket, "SO_PEERCRED"):
        return True  # macOS/BSD: the 0700 directory is the guard
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return bool(uid == allowed)


def _prepare_directory(directory: Path) -> None:
    """Our own 0700 directory; one planted by another user (``/tmp``) is refused."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if directory.stat().st_uid != os.getuid():
        raise PermissionError(f"{directory} belongs to another user; the agent will not use it")
    os.chmod(directory, 0o700)


def _answers(path: Path) -> bool:
    try:
        with _connect(path, 1.0):
            return True
    except AgentNotRunning:
        return False


def _connect(path: Path, timeout: float) -> socket.socket:
    """A connected socket; a full listen queue (EAGAIN, a flood) is retried until ``timeout``."""
    import time

    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError) as error:
            sock.close()
            raise AgentNotRunning(f"no agent is running ({path}: {error.strerror})") from None
        except BlockingIOError:
            sock.close()
            if time.monotonic() + pause > deadline:
                raise TimeoutError(
                    f"the agent is busy: no connection within {timeout:g}s"
                ) from None
            time.sleep(pause)  # the kernel's queue has no waiter to block on: back off
            pause = min(pause * 2, 0.1)
            continue
        except OSError:
            sock.close()
            raise
        return sock


def request(path: Path, message: Request, timeout: float = 5.0) -> Reply:
    """Send one request and wait for its reply; raises AgentNotRunning or TimeoutError."""
    data = json.dumps(message).encode() + b"\n"
    if sys.platform == "win32":
        return cast(Reply, _parse(pipe_request(pipe_name(path), data, timeout)))
    with _connect(path, timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            # A server that refuses us answers and hangs up at once: read that answer.
            sock.sendall(data)
        return cast(Reply, _parse(_read_reply(sock.recv)))


def _read_reply(read: Callable[[int], bytes]) -> bytes:
    buffer = b""
    while not buffer.endswith(b"\n"):
        chunk = read(65536)
        if not chunk:
            if not buffer:
                raise AgentNotRunning("the agent closed the connection without answering")
            break
        buffer += chunk
    return buffer


def pipe_request(
    name: str, data: bytes, timeout: float, opener: Callable[..., Any] = open
) -> bytes:
    """One exchange over a Windows named pipe (opened like a file, read in a thread).

    Blocking pipe reads have no timeout, so the exchange runs in a daemon thread that
    is abandoned when ``timeout`` passes.
    """
    import threading

    result: list[bytes] = []
    failure: list[BaseException] = []

    def exchange() -> None:
        try:
            with opener(name, "r+b", buffering=0) as pipe:
                pipe.write(data)
                result.append(_read_reply(pipe.read))
        except FileNotFoundError:
            failure.append(AgentNotRunning(f"no agent is running ({name} does not exist)"))
        except BaseException as error:  # handed to the caller's thread below
            failure.append(error)

    worker = threading.Thread(target=exchange, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(f"the agent did not answer within {timeout:g}s")
    if failure:
        raise failure[0]
    return result[0]


def _pipe_answers(name: str) -> bool:
    try:
        pipe_request(name, b'{"cmd": "status"}\n', 1.0)
    except (AgentNotRunning, TimeoutError):
        return False
    except OSError:
        return True  # busy: someone is serving it
    return True


def _parse(buffer: bytes) -> dict[str, Any]:
    reply = json.loads(buffer)
    if not isinstance(reply, dict):
        raise ValueError("the agent sent a reply that is not a JSON object")
    return reply


class Subscription:
    """A blocking client for pushed messages: iterate it on a thread of your own.

    Connecting sends ``{"cmd": "subscribe"}`` and waits for the acknowledgement
    (AgentNotRunning if nobody listens, OSError if the agent refuses). Iteration
    blocks without any timer and ends with AgentNotRunning when the agent goes away;
    :meth:`close` (from any thread) ends it quietly; on Windows (a named pipe, or
    whenever ``pipe_opener`` is given) it first cancels a read blocked in the pipe,
    which would otherwise hold the close until the agent next writes.
    """

    def __init__(
        self,
        path: Path,
        timeout: float = 5.0,
        *,
        pipe_opener: Callable[..., Any] | None = None,
    ) -> None:
        self._closed = False
        self._idle = threading.Event()  # clear while a thread is inside a read
        self._idle.set()
        self._buffer = b""
        self._sock: socket.socket | None = None
        if sys.platform == "win32" or pipe_opener is not None:
            name = pipe_name(path)
            try:
                pipe = (pipe_opener or open)(name, "r+b", buffering=0)
            except FileNotFoundError:
                raise AgentNotRunning(f"no agent is running ({name} does not exist)") from None
            self._read: Callable[[int], bytes] = pipe.read
            self._release: Callable[[], None] = _pipe_closer(pipe, self._idle)
            write: Callable[[bytes], Any] = pipe.write
        else:
            self._sock = sock = _connect(path, timeout)
            self._read, self._release, write = sock.recv, sock.close, sock.sendall
        try:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                # A server that refuses us answers and hangs up at once: read that answer.
                write(json.dumps({"cmd": "subscribe"}).encode() + b"\n")
            ack = self._next()
        except BaseException:
            self._release()
            raise
        if ack is None or not ack.get("ok"):
            self._release()
            error = ack.get("error") if ack else None
            raise OSError(str(error or "the agent refused the subscription"))
        if self._sock is not None:
            self._sock.settimeout(None)  # pushes come whenever something changes

    def __iter__(self) -> Iterator[Snapshot]:
        while (message := self._next()) is not None:
            yield cast(Snapshot, message)
        if not self._closed:
            raise AgentNotRunning("the agent closed the connection")

    def _next(self) -> dict[str, Any] | None:
        while b"\n" not in self._buffer:
            self._idle.clear()  # before looking at _closed: close() sees one or the other
            try:
                if self._closed:
                    return None
                chunk = self._read(65536)
            except (OSError, ValueError):  # ValueError: the pipe file was closed under us
                if self._closed:
                    return None
                raise
            finally:
                self._idle.set()
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return _parse(line)

    def close(self) -> None:
        """End the subscription; a thread blocked in the iteration returns."""
        self._closed = True
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._release()


def _pipe_closer(pipe: Any, idle: threading.Event) -> Callable[[], None]:
    """Close a pipe file that another thread may be reading (see ``pipe_io``).

    The read is cancelled until the reader is out of it: a cancel that lands just before
    the reader enters ``ReadFile`` finds nothing to cancel.
    """

    def close() -> None:
        if sys.platform == "win32" and isinstance(pipe, io.FileIO):
            from agent.platform.windows.pipe_io import cancel_pending_io

            deadline = time.monotonic() + CANCEL_LIMIT
            while not idle.is_set() and time.monotonic() < deadline:
                with contextlib.suppress(OSError, ValueError):
                    cancel_pending_io(pipe.fileno())
                idle.wait(0.01)
        pipe.close()

    return close

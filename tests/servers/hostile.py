"""A loopback webhook receiver that misbehaves on request, the way hostile servers do.

Healthy (``mode = "ok"``) it is the strict webhook receiver of
:mod:`tests.servers.webhook` (signature, event shape, ``changes``). Otherwise every
request gets the mode's treatment, whatever it is:

=========== ==========================================================================
``500``     500 with a JSON error
``429``     429 with ``Retry-After: 0`` (the server asks to be hammered)
``huge``    200 with a 50 MB body, chunked, so only reading it reveals the size
``trickle`` 200 that promises 100 bytes and sends one per ``trickle_every`` seconds
``reset``   the connection is reset (RST) after the request is read
``hang``    the request is read and never answered (until the server stops)
``redirect`` 302 to a plain-http address elsewhere
``malformed`` 500 whose JSON body is cut off in the middle
=========== ==========================================================================

It is its own small HTTP/1.1 server on raw sockets (not http.server) so it can
stream, trickle, reset and hang exactly. Every request is recorded with its time
(``times``), so tests count requests per window. Threading: one thread per
connection; ``mode`` may be changed from any thread.
"""

from __future__ import annotations

import json
import socket
import socketserver
import struct
import threading
import time
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from tests.servers.base import Recorded, Reject
from tests.servers.webhook import WebhookServer

MODES = ("ok", "500", "429", "huge", "trickle", "reset", "hang", "redirect", "malformed")
HUGE_BYTES = 50 * 1024 * 1024
_CHUNK = 64 * 1024
_MAX_HEADER = 64 * 1024


class HostileServer:
    """See the module docstring; ``base_url`` is the webhook URL to configure."""

    def __init__(self, mode: str = "ok", trickle_every: float = 1.0) -> None:
        self.mode = mode
        self.trickle_every = trickle_every
        self.receiver = WebhookServer()  # never started: its route checks the contract
        self._lock = threading.Lock()
        self._times: list[tuple[float, str]] = []
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler(self))

    # -- life --------------------------------------------------------------------------

    def start(self) -> Self:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.receiver.path}"

    @property
    def secret(self) -> str:
        return self.receiver.secret

    # -- what happened ---------------------------------------------------------------

    def times(self, mode: str | None = None) -> list[float]:
        """Monotonic arrival times of the requests (answered in ``mode``, if given)."""
        with self._lock:
            return [at for at, seen in self._times if mode is None or seen == mode]

    def count_since(self, since: float) -> int:
        return sum(1 for at in self.times() if at >= since)

    @property
    def changes(self) -> list[dict[str, Any]]:
        """Presence changes accepted while healthy (the webhook receiver's record)."""
        return list(self.receiver.changes)

    def _record(self, mode: str) -> None:
        with self._lock:
            self._times.append((time.monotonic(), mode))

    # -- one exchange ----------------------------------------------------------------

    def handle(self, conn: socket.socket) -> None:
        stream = conn.makefile("rb")
        while not self._stopping.is_set():
            request = _read_request(stream)
            if request is None:
                return
            mode = self.mode
            self._record(mode)
            if not self._answer(conn, mode, request):
                return

    def _answer(self, conn: socket.socket, mode: str, request: Recorded) -> bool:
        """Answer ``request`` as ``mode`` says; ``False`` when the connection is over."""
        if mode == "ok":
            try:
                reply = self.receiver.route(request)
                status, body = reply.status, json.dumps(reply.body).encode()
            except Reject as exc:
                status, body = exc.status, json.dumps({"message": exc.message}).encode()
            _send(conn, status, body)
        elif mode == "500":
            _send(conn, 500, b'{"message": "internal error"}')
        elif mode == "429":
            _send(conn, 429, b'{"message": "slow down"}', {"Retry-After": "0"})
        elif mode == "malformed":
            _send(conn, 500, b'{"message": "half a repl')
        elif mode == "redirect":
            _send(conn, 302, b"", {"Location": "http://203.0.113.9/steal"})
        elif mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        elif mode == "hang":
            self._stopping.wait()  # a server that never answers, until the test ends
            return False
        elif mode == "trickle":
            conn.sendall(_head("Content-Length: 100"))
            for _ in range(100):
                # The slow server under test, not synchronisation: it ends with the server.
                if self._stopping.wait(self.trickle_every):
                    return False
                conn.sendall(b" ")
            return False
        elif mode == "huge":
            conn.sendall(_head("Transfer-Encoding: chunked"))
            chunk = b"%x\r\n" % _CHUNK + b"[" * _CHUNK + b"\r\n"
            for _ in range(HUGE_BYTES // _CHUNK):
                conn.sendall(chunk)  # the client hanging up ends this with an error
            conn.sendall(b"0\r\n\r\n")
        else:
            raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
        return True


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-reply (the agent refusing a huge body) is expected."""


def _handler(server: HostileServer) -> type[socketserver.BaseRequestHandler]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            try:
                server.handle(self.request)
            except OSError:
                pass

    return Handler


def _read_request(stream: Any) -> Recorded | None:
    """One HTTP/1.1 request from ``stream`` (``None`` at end of stream)."""
    line = stream.readline(_MAX_HEADER)
    if not line.strip():
        return None
    method, target, _version = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while (header := stream.readline(_MAX_HEADER)) not in (b"\r\n", b"\n", b""):
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = stream.read(int(headers.get("content-length") or 0))
    parts = urlsplit(target)
    return Recorded(method, parts.path, parse_qs(parts.query), headers, body)


def _head(framing: str) -> bytes:
    """The head of a 200 reply whose body follows in pieces."""
    return f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{framing}\r\n\r\n".encode()


def _send(
    conn: socket.socket, status: int, body: bytes, headers: dict[str, str] | None = None
) -> None:
    lines = [f"HTTP/1.1 {status} Hostile", f"Content-Length: {len(body)}"]
    if body:
        lines.append("Content-Type: application/json")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

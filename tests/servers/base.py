"""A strict loopback HTTP server that vendor contract servers build on.

Each vendor server subclasses :class:`StrictServer` and implements :meth:`route`,
raising :class:`Reject` (400/401/404/405...) for anything its API document does
not allow. The base records every request, answers on 127.0.0.1 on a free port,
and can be told to misbehave on purpose (``fail``) so delivery tests and
benchmarks can exercise retries: N times 500/503/429 with Retry-After/401,
a garbage body, a connection reset, or a slow reply.

Threading: requests are handled on server threads; ``requests``/``accepted`` are
guarded by a lock and return copies, so tests may read them from any thread.
"""

from __future__ import annotations

import base64
import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

JSON = "application/json"


@dataclass(frozen=True)
class Recorded:
    """One request as the server saw it, and the status it answered with."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int = 0
    reply: Any = None

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Reject(Exception):
    """Raised by a route: the server answers ``status`` with ``{"message": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Failure:
    """One planned misbehaviour, consumed by the next request."""

    kind: str  # "status" | "garbage" | "reset" | "slow"
    status: int = 500
    retry_after: str | None = None
    delay: float = 0.0


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-able, or bytes as is
    headers: dict[str, str] = field(default_factory=dict)


FAILURE_KINDS = ("500", "503", "429", "401", "404", "308", "garbage", "reset", "slow")


class StrictServer:
    """Base of the vendor servers. Use as a context manager or ``start()``/``stop()``."""

    vendor = "base"

    def __init__(self, port: int = 0) -> None:
        self._port = port
        self._lock = threading.Lock()
        self._requests: list[Recorded] = []
        self._failures: deque[Failure] = deque()
        self._failing_until: tuple[Failure, float] | None = None
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.on_request: Callable[[Recorded], None] | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        handler = _make_handler(self)
        self._httpd = _QuietServer(("127.0.0.1", self._port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            args=(0.05,),
            name=f"{self.vendor}-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What goes in the backend's ``base_url`` setting."""
        return self.origin

    # -- what tests read -------------------------------------------------------------

    @property
    def requests(self) -> list[Recorded]:
        """Every request received, in order, with the status answered."""
        with self._lock:
            return list(self._requests)

    @property
    def accepted(self) -> list[Recorded]:
        """The requests answered with a 2xx (what the vendor would have applied)."""
        return [r for r in self.requests if 200 <= r.status < 300]

    def wait_for(self, count: int, timeout: float = 10.0, accepted: bool = True) -> list[Recorded]:
        """Block until ``count`` (accepted) requests arrived; returns them."""
        deadline = time.monotonic() + timeout
        while True:
            seen = self.accepted if accepted else self.requests
            if len(seen) >= count:
                return seen
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.vendor}: wanted {count} requests, got {len(seen)}: {seen}"
                )
            time.sleep(0.01)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- misbehaving on purpose --------------------------------------------------------

    def fail(
        self, kind: str, times: int = 1, *, retry_after: str | None = None, delay: float = 1.0
    ) -> None:
        """Make the next ``times`` requests fail as ``kind`` (see ``FAILURE_KINDS``).

        ``retry_after`` is sent verbatim (seconds or an HTTP date) with 429/503;
        ``delay`` is how long a "slow" reply waits before answering normally.
        """
        if kind not in FAILURE_KINDS:
            raise ValueError(f"kind must be one of {FAILURE_KINDS}")
        if kind.isdigit():
            failure = Failure("status", int(kind), retry_after)
        else:
            failure = Failure(kind, delay=delay)
        with self._lock:
            self._failures.extend(failure for _ in range(times))

    def fail_for(self, kind: str, seconds: float) -> None:
        """Answer every request as ``kind`` for the next ``seconds`` (an outage, a bad deploy)."""
        if kind not in FAILURE_KINDS or not kind.isdigit():
            raise ValueError(f"kind must be an HTTP status among {FAILURE_KINDS}")
        with self._lock:
            self._failing_until = (Failure("status", int(kind)), time.monotonic() + seconds)

    def _next_failure(self) -> Failure | None:
        with self._lock:
            if self._failing_until is not None:
                failure, until = self._failing_until
                if time.monotonic() < until:
                    return failure
                self._failing_until = None
            return self._failures.popleft() if self._failures else None

    # -- for vendor servers ----------------------------------------------------------

    def route(self, request: Recorded) -> Reply:
        """Validate ``request`` against the contract and answer it (raise Reject if not)."""
        raise Reject(404, "no such endpoint")

    def _record(self, request: Recorded) -> None:
        with self._lock:
            self._requests.append(request)
        if self.on_request is not None:
            self.on_request(request)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a timed-out test client) is expected, not an error."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _make_handler(server: StrictServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read ``requests`` instead."""

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            request = Recorded(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            failure = server._next_failure()
            if failure is not None and failure.kind == "reset":
                server._record(_with(request, status=-1))
                # SO_LINGER 0 makes close() send RST: the client sees a connection reset.
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.close()
                self.close_connection = True
                return
            if failure is not None and failure.kind == "slow":
                time.sleep(failure.delay)  # a deliberately slow server, not synchronisation
                failure = None
            if failure is not None and failure.kind == "status":
                headers = {}
                if failure.retry_after is not None:
                    headers["Retry-After"] = failure.retry_after
                if 300 <= failure.status < 400:
                    headers["Location"] = server.origin + "/moved"  # an endpoint that moved
                reply = Reply(failure.status, {"message": "planned failure"}, headers)
            elif failure is not None and failure.kind == "garbage":
                reply = Reply(200, b"<html>garbage{", {"Content-Type": JSON})
            else:
                try:
                    reply = server.route(request)
                except Reject as exc:
                    reply = Reply(exc.status, {"message": exc.message})
            server._record(_with(request, status=reply.status, reply=reply.body))
            self._write(reply)

        def _write(self, reply: Reply) -> None:
            if isinstance(reply.body, bytes):
                payload = reply.body
            elif reply.body is None:
                payload = b""
            else:
                payload = json.dumps(reply.body).encode()
            self.send_response(reply.status)
            headers = dict(reply.headers)
            if payload:
                headers.setdefault("Content-Type", JSON)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    return Handler


def _with(request: Recorded, **changes: Any) -> Recorded:
    from dataclasses import replace

    return replace(request, **changes)


# -- validation helpers the vendor servers share ---------------------------------------


def expect(request: Recorded, method: str) -> None:
    if request.method != method:
        raise Reject(405, f"method {request.method} not allowed here, use {method}")


def json_body(request: Recorded) -> Any:
    """The body as JSON; the content type must say so."""
    ctype = (request.header("content-type") or "").split(";")[0].strip().lower()
    if ctype != JSON:
        raise Reject(400, f"Content-Type must be {JSON}, not {ctype or 'missing'}")
    try:
        return json.loads(request.body)
    except ValueError as exc:
        raise Reject(400, f"body is not JSON: {exc}") from exc


def auth_value(request: Recorded, scheme: str) -> str:
    """The credentials after ``scheme`` in Authorization (schemes are case-insensitive)."""
    value = request.header("authorization")
    if not value:
        raise Reject(401, "missing Authorization header")
    given, _, rest = value.partition(" ")
    if given.lower() != scheme.lower() or not rest:
        raise Reject(401, f"Authorization must use the {scheme} scheme")
    return rest.strip()


def basic_credentials(request: Recorded) -> tuple[str, str]:
    raw = auth_value(request, "Basic")
    try:
        user, _, password = base64.b64decode(raw, validate=True).decode().partition(":")
    except ValueError as exc:
        raise Reject(401, "malformed Basic credentials") from exc
    return user, password


Spec = Mapping[str, type | tuple[type, ...]]


def check_object(
    value: Any, required: Spec, optional: Spec | None = None, where: str = "body"
) -> dict[str, Any]:
    """``value`` must be an object with exactly these fields (case-sensitive) and types."""
    if not isinstance(value, dict):
        raise Reject(400, f"{where} must be a JSON object")
    optional = optional or {}
    for name in value:
        if name not in required and name not in optional:
            raise Reject(400, f"{where}: unknown field {name!r}")
    for name in required:
        if name not in value:
            raise Reject(400, f"{where}: missing required field {name!r}")
    for name, kind in {**required, **optional}.items():
        if name in value and not _is(value[name], kind):
            raise Reject(400, f"{where}.{name}: wrong type {type(value[name]).__name__}")
    return value


def _is(value: Any, kind: type | tuple[type, ...]) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False  # JSON true is not a number here
    if value is None:
        return type(None) in kinds
    return isinstance(value, kinds)


def iso_utc(value: Any, where: str, milliseconds: bool | None = None) -> str:
    """An ISO-8601 UTC instant ending in Z (with exactly 3 fraction digits if asked)."""
    import re

    pattern = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"
    if milliseconds:
        pattern = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise Reject(400, f"{where}: {value!r} is not a UTC timestamp like 2021-09-01T12:00:00Z")
    return value

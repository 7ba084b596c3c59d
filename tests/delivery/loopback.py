"""A loopback HTTP server that fails on purpose, and a tiny real-HTTP backend for it.

Used by the delivery tests, the crash driver and the delivery benchmark. The server
records every message it accepted (in arrival order) so tests can check what a real
vendor would have stored after de-duplication by idempotency key.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from agent.backends.base import (
    Backend,
    CalendarSync,
    DeliveryKind,
    Message,
    Outcome,
    ProbeReport,
    ProbeStatus,
    Result,
)
from agent.backends.http import classify
from agent.core.model import PresenceChange

# Fault names the server understands, one consumed per request:
#   reset     close the connection with a TCP RST, no reply
#   hang      answer after `hang_for` seconds (longer than the client's timeout)
#   500/503   server error (503 carries Retry-After: 0)
#   429       too many requests with Retry-After: `retry_after`
#   garbage   200 with a body that is not the JSON acknowledgement (not stored)
#   400       permanent rejection with a JSON error message
#   401       unauthorised
FAULTS = ("reset", "hang", "500", "503", "429", "garbage", "400", "401")


@dataclass
class Received:
    key: str
    payload: dict[str, Any]
    at: float


@dataclass
class _Shared:
    faults: deque[str] = field(default_factory=deque)
    reject_keys: set[str] = field(default_factory=set)
    accepted: list[Received] = field(default_factory=list)
    requests: list[float] = field(default_factory=list)
    delay: float = 0.0
    hang_for: float = 1.0
    retry_after: str = "1"
    token: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        pass

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        shared = self.server.shared
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with shared.lock:
            shared.requests.append(time.monotonic())
            fault = shared.faults.popleft() if shared.faults else None
        if shared.delay:
            time.sleep(shared.delay)  # a slow server, on its own thread
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if fault == "hang":
            time.sleep(shared.hang_for)
            self._reply(200, {"ok": True})  # too late: the client gave up, nothing stored
            return
        if fault in ("500", "503"):
            self._reply(int(fault), {"error": "server error"}, {"Retry-After": "0"})
            return
        if fault == "429":
            self._reply(429, {"error": "slow down"}, {"Retry-After": shared.retry_after})
            return
        if fault == "garbage":
            self._raw(200, b"<html>\x00\xff not json", "text/html")
            return
        if fault == "400":
            self._reply(400, {"error": "field 'status' is invalid"})
            return
        auth = self.headers.get("Authorization")
        if fault == "401" or (shared.token is not None and auth != f"Bearer {shared.token}"):
            self._reply(401, {"error": "invalid token"})
            return
        try:
            data = json.loads(body)
            key = str(data["key"])
            payload = dict(data["payload"])
        except (ValueError, KeyError, TypeError):
            self._reply(400, {"error": "malformed request"})
            return
        if key in shared.reject_keys:
            self._reply(400, {"error": f"message {key} is not acceptable"})
            return
        with shared.lock:
            shared.accepted.append(Received(key, payload, time.monotonic()))
        self._reply(200, {"ok": True, "key": key})

    def _reply(
        self, code: int, data: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self._raw(code, json.dumps(data).encode(), "application/json", headers)

    def _raw(
        self, code: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        try:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client already gave up (timeout fault)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, shared: _Shared) -> None:
        self.shared = shared
        super().__init__(("127.0.0.1", port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # faults break connections on purpose


class FaultServer:
    """A loopback server on a fixed port that can be taken down (connection refused)."""

    def __init__(self) -> None:
        self.shared = _Shared()
        self._server: _Server | None = _Server(0, self.shared)
        self.port = self._server.server_address[1]
        self._thread: threading.Thread | None = None
        self._serve()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/messages"

    def _serve(self) -> None:
        assert self._server is not None
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()

    def down(self) -> None:
        """Stop listening: connections are now refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def up(self) -> None:
        if self._server is None:
            self._server = _Server(self.port, self.shared)
            self._serve()

    def close(self) -> None:
        self.down()

    def add_faults(self, *faults: str) -> None:
        with self.shared.lock:
            self.shared.faults.extend(faults)

    @property
    def accepted(self) -> list[Received]:
        with self.shared.lock:
            return list(self.shared.accepted)

    def accepted_keys(self) -> list[str]:
        return [item.key for item in self.accepted]

    def request_count(self) -> int:
        with self.shared.lock:
            return len(self.shared.requests)

    def request_times(self) -> list[float]:
        with self.shared.lock:
            return list(self.shared.requests)


def unique_in_order(keys: list[str]) -> list[str]:
    """What the vendor keeps after de-duplicating by idempotency key (first wins)."""
    seen: set[str] = set()
    out: list[str] = []
    for key in keys:
        if key not in seen:
            seen.add(key)
            out.append(key)
    return out


class LoopbackBackend(Backend):
    """A minimal real backend: one POST per message, replies classified like the real ones.

    Event backends use the change's message text as the event id (tests number them);
    state backends use a fresh id per message and expire with the state's ``until``.
    """

    def __init__(
        self,
        name: str,
        kind: DeliveryKind,
        url: str,
        timeout: float = 0.5,
        token: str | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.type = "loopback"
        self.url = url
        self.token = token
        self.next_token: str | None = token
        self.refreshes = 0
        self._client = httpx.AsyncClient(timeout=timeout)

    def messages_for(self, change: PresenceChange) -> list[Message]:
        state = change.state
        payload = {"status": state.status.value, "message": state.message}
        if self.kind is DeliveryKind.EVENT:
            return [Message(key=state.message, payload=payload)]
        expires = state.until.isoformat() if state.until else None
        return [Message(key=str(uuid.uuid4()), payload=payload, expires_at=expires)]

    def messages_for_calendar(self, sync: CalendarSync) -> list[Message]:
        return []

    async def send(self, message: Message) -> Result:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = await self._client.post(
                self.url, json={"key": message.key, "payload": message.payload}, headers=headers
            )
        except httpx.TransportError as exc:
            return Result(Outcome.RETRY, f"network: {type(exc).__name__}")
        result = classify(response, datetime.now(UTC))  # the agent's own classification
        if result.outcome is not Outcome.OK:
            return result
        try:
            ok = response.json().get("ok") is True
        except (ValueError, AttributeError):
            ok = False
        if not ok:
            return Result(Outcome.RETRY, "unreadable acknowledgement")
        return Result(Outcome.OK)

    async def refresh_credentials(self) -> None:
        self.refreshes += 1
        self.token = self.next_token

    async def probe(self) -> ProbeReport:
        return ProbeReport(ProbeStatus.REACHABLE)

    async def aclose(self) -> None:
        await self._client.aclose()

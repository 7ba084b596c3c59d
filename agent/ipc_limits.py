"""Bounds on the agent's local socket, so a flood of clients cannot lock the CLI out.

Every connection is the same user's (the socket is 0700/0600 and the peer uid is
checked), but a runaway script of that user can still open thousands. The server
keeps at most :data:`MAX_CONNECTIONS`; when a new one arrives at the cap, the
connection that has waited longest without sending a request is closed to make room
(a flood of idle connections therefore never keeps ``presence-agent status`` out),
and only when every connection is busy or subscribed is the newcomer refused.
A connection that sends nothing for :data:`IDLE_TIMEOUT` seconds is closed anyway.

Threading: used only on the server's asyncio loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_CONNECTIONS = 64
BACKLOG = 256
"""Pending connections the kernel queues for us (Linux caps it at ``somaxconn``)."""
IDLE_TIMEOUT = 60.0
"""Seconds a connection may stay open without sending a request (subscribers excepted)."""
MAX_DEPTH = 16
"""Nesting a request may have; real ones are two levels deep."""


@dataclass
class _Connection:
    close: Callable[[], None]
    idle_since: float | None
    subscribed: bool = False


@dataclass
class ConnectionLimiter:
    """Which connections are open, and which one gives way to a newcomer at the cap."""

    limit: int = MAX_CONNECTIONS
    now: Callable[[], float] = time.monotonic
    _open: dict[int, _Connection] = field(default_factory=dict)
    evicted: int = 0

    def admit(self, key: Any, close: Callable[[], None]) -> bool:
        """Register a new connection; ``False`` when it must be refused (all are busy)."""
        if len(self._open) >= self.limit and not self._evict_one():
            return False
        self._open[id(key)] = _Connection(close, idle_since=self.now())
        return True

    def busy(self, key: Any) -> None:
        """The connection sent a request: it is not a candidate for eviction."""
        if (connection := self._open.get(id(key))) is not None:
            connection.idle_since = None

    def idle(self, key: Any) -> None:
        """The connection was answered and waits for its next request."""
        if (connection := self._open.get(id(key))) is not None:
            connection.idle_since = self.now()

    def subscribed(self, key: Any) -> None:
        """A subscriber (the tray) stays open and is never evicted for a newcomer."""
        if (connection := self._open.get(id(key))) is not None:
            connection.subscribed, connection.idle_since = True, None

    def release(self, key: Any) -> None:
        self._open.pop(id(key), None)

    def __len__(self) -> int:
        return len(self._open)

    def _evict_one(self) -> bool:
        waiting = [
            (c.idle_since, key)
            for key, c in self._open.items()
            if c.idle_since is not None and not c.subscribed
        ]
        if not waiting:
            return False
        _since, key = min(waiting)
        self._open.pop(key).close()
        self.evicted += 1
        return True

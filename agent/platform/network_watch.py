"""The shapes every OS's network sources take: a reader, a change watcher, a Wi-Fi source.

Each OS module offers a reader (blocking, run in a worker thread) and one
:class:`ChangeWatcher` class; Linux can add NetworkManager's Wi-Fi as a
:class:`WifiSource`. :func:`agent.platform.network.network_sources` picks them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Protocol

from agent.platform.network_view import NetworkView, WifiLink


class NetworkReader(Protocol):
    """Reads the OS's network view; blocking, called from a worker thread."""

    source: str

    def read(self) -> NetworkView: ...


class ChangeWatcher(Protocol):
    """Calls ``on_change`` on the loop when addresses, routes or Wi-Fi change.

    Threading: ``start`` and ``stop`` are called on the agent's loop, and
    ``on_change`` is always called there, whatever thread the OS reports on.
    """

    source: str

    def start(self, on_change: Callable[[], None]) -> None:
        """Start watching (on the loop); raises when it cannot."""
        ...

    def stop(self) -> None: ...


class WifiSource(Protocol):
    """Wi-Fi links from a service (NetworkManager) that also says when they change."""

    source: str

    async def start(self, on_change: Callable[[], None]) -> None: ...

    async def read(self) -> tuple[WifiLink, ...]: ...

    async def stop(self) -> None: ...


Register = Callable[[Callable[[], None]], Callable[[], None]]


class CallbackWatcher:
    """A :class:`ChangeWatcher` over an OS registration that calls back on its own thread.

    ``register(callback)`` starts the OS notifications and returns the function that
    cancels them; each callback is handed to the loop with ``call_soon_threadsafe``.
    """

    def __init__(self, source: str, register: Register) -> None:
        self.source = source
        self._register = register
        self._cancel: Callable[[], None] | None = None

    def start(self, on_change: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()

        def from_any_thread() -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed under us
                loop.call_soon_threadsafe(on_change)

        self._cancel = self._register(from_any_thread)

    def stop(self) -> None:
        if self._cancel is not None:
            self._cancel()
            self._cancel = None

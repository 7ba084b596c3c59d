"""Screen lock on macOS, from distributed notifications and the Quartz session.

Changes come as ``com.apple.screenIsLocked``/``screenIsUnlocked`` distributed
notifications; the state at start from ``CGSessionCopyCurrentDictionary``.

The session dictionary has ``CGSSessionScreenIsLocked`` only while locked: a missing
key means unlocked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from agent.platform.macos.notifications import DISTRIBUTED, Observe, observe

LOCKED = "com.apple.screenIsLocked"
UNLOCKED = "com.apple.screenIsUnlocked"


def screen_locked(session: Mapping[str, Any] | None) -> bool:
    """The lock state in a session dictionary; ``None`` means no GUI session (raises)."""
    if session is None:
        raise OSError("no window-server session (CGSessionCopyCurrentDictionary is empty)")
    return bool(session.get("CGSSessionScreenIsLocked", False))


class MacLock:
    """Lock state pushed by distributed notifications; the OS calls are injectable."""

    def __init__(
        self,
        session_dictionary: Callable[[], Mapping[str, Any] | None],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._session_dictionary = session_dictionary
        self._loop = loop
        self._events: asyncio.Queue[bool] = asyncio.Queue()
        self._stop: Callable[[], None] | None = None

    @classmethod
    async def open(
        cls,
        session_dictionary: Callable[[], Mapping[str, Any] | None] | None = None,
        observe_with: Observe | None = None,
    ) -> MacLock:
        source = cls(session_dictionary or _quartz_session, asyncio.get_running_loop())
        await source.locked()
        callbacks = {LOCKED: lambda: source._push(True), UNLOCKED: lambda: source._push(False)}
        source._stop = await asyncio.to_thread(observe_with or observe, DISTRIBUTED, callbacks)
        return source

    def _push(self, locked: bool) -> None:
        self._loop.call_soon_threadsafe(self._events.put_nowait, locked)

    async def locked(self) -> bool:
        return screen_locked(await asyncio.to_thread(self._session_dictionary))

    async def changed(self) -> bool:
        return await self._events.get()

    async def close(self) -> None:
        stop, self._stop = self._stop, None
        if stop is not None:
            await asyncio.to_thread(stop)


def _quartz_session() -> Mapping[str, Any] | None:
    import Quartz

    session: Mapping[str, Any] | None = Quartz.CGSessionCopyCurrentDictionary()
    return session

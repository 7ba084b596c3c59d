"""logind's ``PrepareForSleep``, with a delay inhibitor so we can say "away" first.

While we hold the inhibitor's file descriptor, logind waits (up to its
``InhibitDelayMaxSec``, 5 s by default) before suspending; closing it lets the machine go.
"""

from __future__ import annotations

import asyncio
from typing import Any

from jeepney import MatchRule, new_method_call

from agent.platform.linux.dbus_link import DBusLink
from agent.platform.linux.dbus_logind import LOGIND, MANAGER

WHO = "Presence Agent"
WHY = "Telling presence services you are away before the machine sleeps"


class LogindSleep:
    """Sleep/resume events from logind; holds a delay inhibitor between them."""

    def __init__(self, link: DBusLink, events: asyncio.Queue[Any]) -> None:
        self._link = link
        self._events = events
        self._inhibitor: Any = None

    @classmethod
    async def open(cls, bus: str = "SYSTEM") -> LogindSleep:
        link = await DBusLink.open(bus)
        with link.closed_on_error():
            rule = MatchRule(
                type="signal",
                interface=MANAGER.interface,
                member="PrepareForSleep",
                path=MANAGER.object_path,
            )
            source = cls(link, await link.subscribe([rule], service=LOGIND))
            await source.rearm()
            return source

    async def next_event(self) -> bool:
        """``True`` when the machine is about to sleep, ``False`` once it resumed."""
        message = await self._link.receive(self._events)
        return bool(message.body[0])

    async def rearm(self) -> None:
        """Take the delay inhibitor (again: logind does not keep it across a sleep)."""
        self.release()
        (fd,) = await self._link.call(
            new_method_call(MANAGER, "Inhibit", "ssss", ("sleep", WHO, WHY, "delay"))
        )
        self._inhibitor = fd

    def release(self) -> None:
        """Let the machine sleep now."""
        inhibitor, self._inhibitor = self._inhibitor, None
        if inhibitor is not None:
            inhibitor.close()

    @property
    def holding(self) -> bool:
        return self._inhibitor is not None

    async def close(self) -> None:
        self.release()
        self._link.close()

"""logind's word that the session ends: ``PrepareForShutdown(true)`` or our session removed.

A "shutdown" delay inhibitor makes logind wait (up to its ``InhibitDelayMaxSec``,
5 s by default) before powering off, so the agent can report ``offline`` first;
closing it lets the machine go. Log-out usually reaches the agent as SIGTERM from the
session manager; ``SessionRemoved`` covers an agent that outlives its session (one
started as a systemd user service).
"""

from __future__ import annotations

import asyncio
from typing import Any

from jeepney import HeaderFields, MatchRule, new_method_call

from agent.platform.linux.dbus_link import DBusLink
from agent.platform.linux.dbus_logind import LOGIND, MANAGER, find_session

WHO = "Presence Agent"
WHY = "Telling presence services you are offline before the machine shuts down"
SHUTDOWN = "shutdown"
LOG_OUT = "log-out"


class LogindSessionEnd:
    """Waits for shutdown or the end of our session; holds a delay inhibitor meanwhile."""

    def __init__(self, link: DBusLink, session_path: str, events: asyncio.Queue[Any]) -> None:
        self._link = link
        self._session_path = session_path
        self._events = events
        self._inhibitor: Any = None

    @classmethod
    async def open(cls, bus: str = "SYSTEM") -> LogindSessionEnd:
        link = await DBusLink.open(bus)
        with link.closed_on_error():
            session = await find_session(link)
            rules = [
                MatchRule(
                    type="signal",
                    interface=MANAGER.interface,
                    member=member,
                    path=MANAGER.object_path,
                )
                for member in ("PrepareForShutdown", "SessionRemoved")
            ]
            events = await link.subscribe(rules, service=LOGIND)
            source = cls(link, session.object_path, events)
            (source._inhibitor,) = await link.call(
                new_method_call(MANAGER, "Inhibit", "ssss", ("shutdown", WHO, WHY, "delay"))
            )
            return source

    async def wait(self) -> str:
        """``"shutdown"`` or ``"log-out"``, whichever logind announces first."""
        while True:
            message = await self._link.receive(self._events)
            member = message.header.fields.get(HeaderFields.member)
            if member == "PrepareForShutdown" and message.body and bool(message.body[0]):
                return SHUTDOWN
            if member == "SessionRemoved" and tuple(message.body[1:2]) == (self._session_path,):
                return LOG_OUT

    def release(self) -> None:
        """Let the shutdown go ahead."""
        inhibitor, self._inhibitor = self._inhibitor, None
        if inhibitor is not None:
            inhibitor.close()

    async def close(self) -> None:
        self.release()
        self._link.close()

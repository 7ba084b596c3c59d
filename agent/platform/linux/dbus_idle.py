"""Idle time from desktop services over D-Bus: GNOME Mutter, the ScreenSaver API, logind.

Each ``open`` probes the service once (and raises when it is not there); ``idle_seconds``
raises ``BusGone`` or ``DBusErrorResponse`` when the service stopped working.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from jeepney import DBusAddress, MatchRule, new_method_call

from agent.platform.linux.dbus_link import DBusLink
from agent.platform.linux.dbus_logind import find_session

MUTTER = DBusAddress(
    "/org/gnome/Mutter/IdleMonitor/Core",
    "org.gnome.Mutter.IdleMonitor",
    "org.gnome.Mutter.IdleMonitor",
)
SCREENSAVER = DBusAddress(
    "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver", "org.freedesktop.ScreenSaver"
)


class MutterIdle:
    """GNOME's idle monitor: works on Wayland and X11, and can push the user's return."""

    def __init__(self, link: DBusLink, fired: asyncio.Queue[object]) -> None:
        self._link = link
        self._fired = fired

    @classmethod
    async def open(cls, bus: str = "SESSION") -> MutterIdle:
        link = await DBusLink.open(bus)
        with link.closed_on_error():
            rule = MatchRule(type="signal", interface=MUTTER.interface, member="WatchFired")
            source = cls(link, await link.subscribe([rule], service=MUTTER.bus_name))
            await source.idle_seconds()
            return source

    async def idle_seconds(self) -> float:
        (millis,) = await self._link.call(new_method_call(MUTTER, "GetIdletime"))
        return float(millis) / 1000.0

    async def wait_active(self, timeout: float | None) -> None:
        """Return at the user's next input (a one-shot user-active watch), or after ``timeout``."""
        (watch,) = await self._link.call(new_method_call(MUTTER, "AddUserActiveWatch"))
        try:
            async with asyncio.timeout(timeout):
                while (await self._link.receive(self._fired)).body[0] != watch:
                    pass
        except TimeoutError:
            await self._link.call(new_method_call(MUTTER, "RemoveWatch", "u", (watch,)))

    async def close(self) -> None:
        self._link.close()


class ScreenSaverIdle:
    """``org.freedesktop.ScreenSaver.GetSessionIdleTime`` (KDE, Xfce on X11).

    It answers in milliseconds as KDE's implementation does; KWin on Wayland answers
    NotSupported, which makes the probe fail as it should.
    """

    def __init__(self, link: DBusLink) -> None:
        self._link = link

    @classmethod
    async def open(cls, bus: str = "SESSION") -> ScreenSaverIdle:
        link = await DBusLink.open(bus)
        with link.closed_on_error():
            source = cls(link)
            await source.idle_seconds()
            return source

    async def idle_seconds(self) -> float:
        (millis,) = await self._link.call(new_method_call(SCREENSAVER, "GetSessionIdleTime"))
        return float(millis) / 1000.0

    async def close(self) -> None:
        self._link.close()


def _monotonic_usec() -> int:
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000


class LogindIdle:
    """The session's ``IdleHint``/``IdleSinceHintMonotonic`` from logind.

    Coarse: the desktop sets the hint only after its own idle delay, so until then the
    user reads as active (idle 0).
    """

    def __init__(
        self, link: DBusLink, session: DBusAddress, monotonic_usec: Callable[[], int]
    ) -> None:
        self._link = link
        self._session = session
        self._monotonic_usec = monotonic_usec

    @classmethod
    async def open(
        cls, bus: str = "SYSTEM", monotonic_usec: Callable[[], int] = _monotonic_usec
    ) -> LogindIdle:
        link = await DBusLink.open(bus)
        with link.closed_on_error():
            source = cls(link, await find_session(link), monotonic_usec)
            await source.idle_seconds()
            return source

    async def idle_seconds(self) -> float:
        if not await self._link.get_property(self._session, "IdleHint"):
            return 0.0
        since = int(await self._link.get_property(self._session, "IdleSinceHintMonotonic"))
        return max(0.0, (self._monotonic_usec() - since) / 1e6)

    async def close(self) -> None:
        self._link.close()

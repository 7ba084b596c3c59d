"""Screen lock state over D-Bus: logind's ``LockedHint``, or the desktop's ScreenSaver API."""

from __future__ import annotations

import asyncio
from typing import Any

from jeepney import DBusAddress, HeaderFields, MatchRule, new_method_call

from agent.platform.linux.dbus_link import DBusLink
from agent.platform.linux.dbus_logind import LOGIND, SESSION_IFACE, find_session

GNOME_SCREENSAVER = DBusAddress(
    "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver", "org.gnome.ScreenSaver"
)
FREEDESKTOP_SCREENSAVER = DBusAddress(
    "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver", "org.freedesktop.ScreenSaver"
)


class LogindLock:
    """Our session's ``LockedHint`` (set by GNOME, KDE and most lockers), pushed on change.

    ``Lock``/``Unlock`` are logind asking the locker to act (``loginctl lock-session``);
    they count at once, and the hint confirms or corrects them.
    """

    def __init__(self, link: DBusLink, session: DBusAddress, events: asyncio.Queue[Any]) -> None:
        self._link = link
        self._session = session
        self._events = events

    @classmethod
    async def open(cls, bus: str = "SYSTEM") -> LogindLock:
        link = await DBusLink.open(bus)
        with link.closed_on_error():
            session = await find_session(link)
            path = session.object_path
            rules = [
                MatchRule(
                    type="signal",
                    interface="org.freedesktop.DBus.Properties",
                    member="PropertiesChanged",
                    path=path,
                ),
                MatchRule(type="signal", interface=SESSION_IFACE, member="Lock", path=path),
                MatchRule(type="signal", interface=SESSION_IFACE, member="Unlock", path=path),
            ]
            source = cls(link, session, await link.subscribe(rules, service=LOGIND))
            await source.locked()
            return source

    async def locked(self) -> bool:
        return bool(await self._link.get_property(self._session, "LockedHint"))

    async def changed(self) -> bool:
        """The state after the next lock-related event."""
        while True:
            message = await self._link.receive(self._events)
            member = message.header.fields.get(HeaderFields.member)
            if member in ("Lock", "Unlock"):
                return bool(member == "Lock")
            interface, changed, invalidated = message.body
            if interface != SESSION_IFACE:
                continue
            if "LockedHint" in changed:
                return bool(changed["LockedHint"][1])
            if "LockedHint" in invalidated:
                return await self.locked()

    async def close(self) -> None:
        self._link.close()


class ScreenSaverLock:
    """``ActiveChanged`` of the desktop's screen saver (GNOME's or the freedesktop one)."""

    def __init__(self, link: DBusLink, address: DBusAddress, events: asyncio.Queue[Any]) -> None:
        self._link = link
        self._address = address
        self._events = events

    @classmethod
    async def open(cls, address: DBusAddress, bus: str = "SESSION") -> ScreenSaverLock:
        link = await DBusLink.open(bus)
        with link.closed_on_error():
            rule = MatchRule(
                type="signal",
                interface=address.interface,
                member="ActiveChanged",
                path=address.object_path,
            )
            source = cls(link, address, await link.subscribe([rule], service=address.bus_name))
            await source.locked()
            return source

    @classmethod
    async def open_gnome(cls) -> ScreenSaverLock:
        return await cls.open(GNOME_SCREENSAVER)

    @classmethod
    async def open_freedesktop(cls) -> ScreenSaverLock:
        return await cls.open(FREEDESKTOP_SCREENSAVER)

    async def locked(self) -> bool:
        (active,) = await self._link.call(new_method_call(self._address, "GetActive"))
        return bool(active)

    async def changed(self) -> bool:
        message = await self._link.receive(self._events)
        return bool(message.body[0])

    async def close(self) -> None:
        self._link.close()

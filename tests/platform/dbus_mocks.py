"""Mock desktop services (python-dbusmock) on real buses: a private system bus, logind, Mutter.

The logind mock is built by hand rather than from dbusmock's template, which needs
PyGObject; its ``Inhibit`` hands out the write end of a pipe and ``InhibitorsHeld``
tells whether the client still holds it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dbus
from dbusmock import MOCK_IFACE
from dbusmock.testcase import BusType, PrivateDBus, SpawnedMock

LOGIND = "org.freedesktop.login1"
MANAGER_PATH = "/org/freedesktop/login1"
MANAGER_IFACE = "org.freedesktop.login1.Manager"
SESSION_IFACE = "org.freedesktop.login1.Session"
SESSION_PATH = "/org/freedesktop/login1/session/c1"
MUTTER = "org.gnome.Mutter.IdleMonitor"
MUTTER_PATH = "/org/gnome/Mutter/IdleMonitor/Core"

_INHIBIT = """
r, w = os.pipe()
self.inhibitors = getattr(self, "inhibitors", []) + [r]
ret = dbus.types.UnixFd(w)
os.close(w)
"""
_HELD = """
held = 0
for fd in getattr(self, "inhibitors", []):
    os.set_blocking(fd, False)
    try:
        held += os.read(fd, 1) != b""
    except BlockingIOError:
        held += 1
ret = dbus.UInt32(held)
"""


@contextmanager
def private_system_bus() -> Iterator[PrivateDBus]:
    """A throw-away system bus; ``DBUS_SYSTEM_BUS_ADDRESS`` points at it meanwhile."""
    before = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
    bus = PrivateDBus(BusType.SYSTEM)
    bus.start()
    try:
        yield bus
    finally:
        bus.stop()
        if before is None:
            os.environ.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = before


@contextmanager
def logind_mock() -> Iterator[tuple[Any, Any]]:
    """(manager, session) mock objects on the system bus; our session is ``c1``."""
    mock = SpawnedMock.spawn_for_name(
        LOGIND, MANAGER_PATH, MANAGER_IFACE, BusType.SYSTEM, stdout=subprocess.DEVNULL
    )
    try:
        manager = dbus.Interface(mock.obj, MOCK_IFACE)
        manager.AddMethods(
            MANAGER_IFACE,
            [
                ("GetSessionByPID", "u", "o", f'ret = dbus.ObjectPath("{SESSION_PATH}")'),
                ("GetSession", "s", "o", f'ret = dbus.ObjectPath("{SESSION_PATH}")'),
                ("Inhibit", "ssss", "h", _INHIBIT),
                ("InhibitorsHeld", "", "u", _HELD),
            ],
        )
        manager.AddObject(
            SESSION_PATH,
            SESSION_IFACE,
            {
                "Id": "c1",
                "LockedHint": False,
                "IdleHint": False,
                "IdleSinceHintMonotonic": dbus.UInt64(0),
            },
            [
                ("Lock", "", "", 'self.EmitSignal("", "Lock", "", [])'),
                ("Unlock", "", "", 'self.EmitSignal("", "Unlock", "", [])'),
                ("SetLockedHint", "b", "", 'self.UpdateProperties("", {"LockedHint": args[0]})'),
            ],
        )
        bus = BusType.SYSTEM.get_connection()
        session = dbus.Interface(bus.get_object(LOGIND, SESSION_PATH), MOCK_IFACE)
        yield manager, session
    finally:
        mock.terminate()


class MutterMock:
    """GNOME's idle monitor on the session bus, driven by the test."""

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def set_idle(self, millis: int) -> None:
        self._obj.Set(MUTTER, "Idletime", dbus.UInt64(millis), dbus_interface=dbus.PROPERTIES_IFACE)

    def fire(self, watch: int) -> None:
        self._obj.EmitSignal(
            MUTTER, "WatchFired", "u", [dbus.UInt32(watch)], dbus_interface=MOCK_IFACE
        )

    def calls(self, method: str) -> list[Any]:
        return list(self._obj.GetMethodCalls(method, dbus_interface=MOCK_IFACE))


@contextmanager
def mutter_mock() -> Iterator[MutterMock]:
    """Mutter's ``GetIdletime`` (ms), ``AddUserActiveWatch`` (ids 1, 2, ...), ``RemoveWatch``."""
    mock = SpawnedMock.spawn_for_name(
        MUTTER, MUTTER_PATH, MUTTER, BusType.SESSION, stdout=subprocess.DEVNULL
    )
    try:
        obj = dbus.Interface(mock.obj, MOCK_IFACE)
        obj.AddProperty(MUTTER, "Idletime", dbus.UInt64(0))
        obj.AddMethods(
            MUTTER,
            [
                ("GetIdletime", "", "t", f'ret = self.Get("{MUTTER}", "Idletime")'),
                (
                    "AddUserActiveWatch",
                    "",
                    "u",
                    "self.watch = getattr(self, 'watch', 0) + 1; ret = dbus.UInt32(self.watch)",
                ),
                ("RemoveWatch", "u", "", ""),
            ],
        )
        yield MutterMock(mock.obj)
    finally:
        mock.terminate()


@contextmanager
def gnome_screensaver_mock() -> Iterator[Any]:
    """dbusmock's org.gnome.ScreenSaver; ``SetActive(b)`` emits ``ActiveChanged``."""
    mock = SpawnedMock.spawn_with_template("gnome_screensaver", stdout=subprocess.DEVNULL)
    try:
        yield dbus.Interface(mock.obj, "org.gnome.ScreenSaver")
    finally:
        mock.terminate()

"""Desktop notifications through the freedesktop ``org.freedesktop.Notifications`` service.

Blocking jeepney calls on the session bus (the tray process has no asyncio loop): the
caller runs :meth:`FreedesktopNotifier.notify` off its GUI thread. The connection is
opened on first use and opened again after the bus or the daemon went away.

Threading: any thread; calls are serialised by a lock.
"""

from __future__ import annotations

import threading
from typing import Any

from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from jeepney.wrappers import DBusErrorResponse, unwrap_msg

NOTIFICATIONS = DBusAddress(
    "/org/freedesktop/Notifications",
    bus_name="org.freedesktop.Notifications",
    interface="org.freedesktop.Notifications",
)
CALL_TIMEOUT = 5.0
#: The "normal" urgency of the Desktop Notifications Specification (0 low, 2 critical).
NORMAL = 1


class NotificationsUnavailable(RuntimeError):
    """No session bus, or nothing on it shows notifications."""


class FreedesktopNotifier:
    """Sends ``Notify`` calls to whichever daemon owns the name (GNOME Shell, dunst, mako…)."""

    def __init__(self, app_name: str, icon: str, bus: str = "SESSION") -> None:
        self._app_name = app_name
        self._icon = icon
        self._bus = bus
        self._lock = threading.Lock()
        self._connection: DBusConnection | None = None

    def notify(self, title: str, body: str, urgency: int = NORMAL) -> int:
        """Show a notification; returns the id the daemon gave it."""
        hints: dict[str, tuple[str, Any]] = {
            "urgency": ("y", urgency),
            "desktop-entry": ("s", "presence-agent"),
        }
        message = new_method_call(
            NOTIFICATIONS,
            "Notify",
            "susssasa{sv}i",
            (self._app_name, 0, self._icon, title, body, [], hints, -1),
        )
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = open_dbus_connection(self._bus)
                reply = self._connection.send_and_get_reply(message, timeout=CALL_TIMEOUT)
            except (OSError, TimeoutError, KeyError) as error:
                self._drop()
                raise NotificationsUnavailable(f"no session bus: {error}") from None
            try:
                (notification_id,) = unwrap_msg(reply)
            except DBusErrorResponse as error:  # e.g. ServiceUnknown: no daemon running
                raise NotificationsUnavailable(str(error.name)) from None
            return int(notification_id)

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except OSError:
                pass
            self._connection = None

"""Where this process's logind session lives on the system bus."""

from __future__ import annotations

import os

from jeepney import DBusAddress, new_method_call
from jeepney.wrappers import DBusErrorResponse

from agent.platform.linux.dbus_link import DBusLink

LOGIND = "org.freedesktop.login1"
MANAGER = DBusAddress("/org/freedesktop/login1", LOGIND, "org.freedesktop.login1.Manager")
SESSION_IFACE = "org.freedesktop.login1.Session"


async def find_session(link: DBusLink) -> DBusAddress:
    """Our session: by our PID, else ``XDG_SESSION_ID``, else logind's ``auto``.

    An agent started as a systemd user service has no session of its own; ``auto`` then
    names the user's graphical session.
    """
    try:
        (path,) = await link.call(new_method_call(MANAGER, "GetSessionByPID", "u", (os.getpid(),)))
    except DBusErrorResponse:
        session_id = os.environ.get("XDG_SESSION_ID", "") or "auto"
        (path,) = await link.call(new_method_call(MANAGER, "GetSession", "s", (session_id,)))
    return DBusAddress(path, LOGIND, SESSION_IFACE)

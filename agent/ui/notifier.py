"""Showing a notification the way the desktop does it.

Linux: the freedesktop Notifications service on the session bus (GNOME Shell, KDE,
dunst, mako…), called off the GUI thread; Qt's own tray balloon is only the fallback
when no daemon answers (an XEmbed tray draws it, and many desktops show nothing).
Windows and macOS: ``QSystemTrayIcon.showMessage``, which Qt turns into the OS's own
toast / Notification Center banner.

Threading: :meth:`Notifier.show` is called on the GUI thread and never blocks.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtWidgets import QSystemTrayIcon

from agent.ui.notifications import Notice

log = logging.getLogger(__name__)

Background = Callable[[Callable[[], Any], Callable[[Any], None]], None]
"""Run blocking work off the GUI thread, then a callback on it (``AgentLink.background``)."""

APP_NAME = "Presence Agent"


class Notifier(Protocol):
    def show(self, notice: Notice) -> None: ...


class TrayNotifier:
    """The OS's notifications through Qt's tray icon (Windows toasts, macOS banners)."""

    def __init__(self, tray: QSystemTrayIcon) -> None:
        self._tray = tray

    def show(self, notice: Notice) -> None:
        icon = (
            QSystemTrayIcon.MessageIcon.Warning
            if notice.warning
            else QSystemTrayIcon.MessageIcon.Information
        )
        self._tray.showMessage(notice.title, notice.body, icon)


class FreedesktopNotifier:
    """``org.freedesktop.Notifications.Notify``; the tray balloon when no daemon answers."""

    def __init__(self, background: Background, fallback: Notifier) -> None:
        from agent.platform.linux.desktop_notify import FreedesktopNotifier as Client

        self._client = Client(APP_NAME, "presence-agent")
        self._background = background
        self._fallback = fallback
        self._warned = False
        self.sent: list[int] = []
        """Ids the daemon gave, newest last (for tests and for logging)."""

    def show(self, notice: Notice) -> None:
        self._background(lambda: self._send(notice), lambda sent: self._done(notice, sent))

    def _send(self, notice: Notice) -> int | str:
        from agent.platform.linux.desktop_notify import NotificationsUnavailable

        try:
            return self._client.notify(notice.title, notice.body)
        except NotificationsUnavailable as error:
            return str(error)

    def _done(self, notice: Notice, sent: int | str | None) -> None:
        if isinstance(sent, int):
            self.sent.append(sent)
            return
        if not self._warned:
            log.warning("no notification service on the session bus (%s); using the tray", sent)
            self._warned = True
        self._fallback.show(notice)


def notifier_for_platform(tray: QSystemTrayIcon, background: Background) -> Notifier:
    if sys.platform.startswith("linux"):
        return FreedesktopNotifier(background, TrayNotifier(tray))
    return TrayNotifier(tray)

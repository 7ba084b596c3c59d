"""The StatusNotifierItem path (what Wayland desktops use) read back over D-Bus.

A fake ``org.kde.StatusNotifierWatcher`` (python-dbusmock) on the session bus makes Qt
export the tray icon as a StatusNotifierItem with a com.canonical.dbusmenu menu. The
tray runs in its own process: Qt decides between SNI and XEmbed once per process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from agent.config.paths import Paths
from tests.support import wait_until

WATCHER = "org.kde.StatusNotifierWatcher"
ITEM = "org.kde.StatusNotifierItem"


@pytest.fixture
def watcher() -> Iterator[Any]:
    import dbus
    import dbusmock

    process = subprocess.Popen(
        [sys.executable, "-m", "dbusmock", WATCHER, "/StatusNotifierWatcher", WATCHER],
        stdout=subprocess.DEVNULL,
    )
    try:
        bus = dbus.SessionBus()
        wait_until(lambda: bus.name_has_owner(WATCHER), what="the fake watcher")
        mock = dbus.Interface(
            bus.get_object(WATCHER, "/StatusNotifierWatcher"), dbusmock.MOCK_IFACE
        )
        mock.AddProperties(
            WATCHER,
            {
                "IsStatusNotifierHostRegistered": True,
                "ProtocolVersion": dbus.Int32(0),
                "RegisteredStatusNotifierItems": dbus.Array([], signature="s"),
            },
        )
        mock.AddMethod(WATCHER, "RegisterStatusNotifierItem", "s", "", "")
        mock.AddMethod(WATCHER, "RegisterStatusNotifierHost", "s", "", "")
        yield bus, mock
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_status_notifier_item_follows_status(
    watcher: Any, agent_paths: Paths, config_file: Any
) -> None:
    from agent import ipc

    bus, mock = watcher
    tray = subprocess.Popen([sys.executable, "-m", "tests.ui.tray_process"], env=dict(os.environ))
    try:
        calls = wait_until(mock.GetCalls, timeout=15, what="the item to register")
        assert calls[0][1] == "RegisterStatusNotifierItem"
        service = str(calls[0][2][0])
        item = bus.get_object(service, "/StatusNotifierItem")

        def prop(name: str) -> Any:
            return item.Get(ITEM, name, dbus_interface="org.freedesktop.DBus.Properties")

        def tooltip() -> str:
            _icon, _pixmaps, title, text = prop("ToolTip")
            return f"{title}\n{text}"

        wait_until(lambda: tooltip().startswith("Available"), what="the first snapshot")
        assert prop("Status") == "Active"
        assert prop("Title") == "presence-agent"
        menu_path = str(prop("Menu"))
        menu = bus.get_object(service, menu_path)

        def labels() -> list[str]:
            _revision, layout = menu.GetLayout(0, -1, [], dbus_interface="com.canonical.dbusmenu")
            return [str(child[1].get("label", "")) for child in layout[2]]

        assert "Set a status message…" in labels()
        assert "Do not disturb" in labels()
        icon_before = prop("IconPixmap") or prop("IconName")

        ipc.request(
            agent_paths.socket_path,
            {"cmd": "set", "status": "dnd", "message": "Focus time", "for": "1h"},
        )
        wait_until(lambda: tooltip().startswith("Do not disturb — set by you"), what="tooltip")
        assert "“Focus time”" in tooltip()
        wait_until(lambda: labels()[0].startswith("Do not disturb"), what="the menu header")
        assert "“Focus time”" in labels()
        wait_until(lambda: (prop("IconPixmap") or prop("IconName")) != icon_before, what="icon")
        assert prop("Status") == "Active"
    finally:
        tray.terminate()
        assert tray.wait(timeout=10) == 0  # SIGTERM quits cleanly

"""Notifications reach the desktop's notification daemon (issue 19).

python-dbusmock's ``notification_daemon`` template owns ``org.freedesktop.Notifications``
on the real session bus of tests/session.sh and records every ``Notify`` call; the tray
runs on a real agent. Windows and macOS go through Qt's tray icon (checked with a fake).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import dbus
import pytest
from dbusmock import MOCK_IFACE
from dbusmock.testcase import BusType, SpawnedMock

from agent.config.paths import Paths
from agent.platform.linux.desktop_notify import FreedesktopNotifier, NotificationsUnavailable
from agent.ui.notifications import Notice
from tests.ui.conftest import CONFIG, close_all, wait_for
from tests.ui.daemon_process import DAEMON

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the freedesktop service")


@pytest.fixture
def daemon() -> Iterator[Any]:
    mock = SpawnedMock.spawn_with_template(
        "notification_daemon", bustype=BusType.SESSION, stdout=subprocess.DEVNULL
    )
    try:
        yield dbus.Interface(mock.obj, MOCK_IFACE)
    finally:
        mock.terminate()


def notify_calls(daemon: Any) -> list[tuple[str, str]]:
    """(summary, body) of each Notify call the daemon received."""
    return [(str(args[3]), str(args[4])) for _, args in daemon.GetMethodCalls("Notify")]


def test_the_client_calls_notify_and_says_when_no_daemon_is_there(daemon: Any) -> None:
    client = FreedesktopNotifier("Presence Agent", "presence-agent")
    first = client.notify("You're now Busy", "Set by you")
    second = client.notify("Presence updates are failing", "Can't reach it")
    assert second != first
    assert notify_calls(daemon) == [
        ("You're now Busy", "Set by you"),
        ("Presence updates are failing", "Can't reach it"),
    ]
    (_, args), _ = daemon.GetMethodCalls("Notify")
    assert str(args[0]) == "Presence Agent" and str(args[6]["desktop-entry"]) == "presence-agent"
    client.close()


def test_no_daemon_is_a_clear_error() -> None:
    client = FreedesktopNotifier("Presence Agent", "presence-agent")
    with pytest.raises(NotificationsUnavailable):
        client.notify("title", "body")


def test_tray_notifies_manual_changes_and_a_failing_backend_once(
    qtbot: Any, agent_paths: Paths, tray_host: Any, daemon: Any
) -> None:
    from agent.ui.tray import TrayController

    agent_paths.config_file.write_text(
        CONFIG
        + "\n[ui]\nnotifications = true\n"
        + '\n[[backends]]\nname = "hub"\ntype = "webhook"\nbase_url = "http://127.0.0.1:9/x"\n',
        encoding="utf-8",
    )
    tray = TrayController(agent_paths, DAEMON)
    tray.start(first_run=False)
    try:
        wait_for(qtbot, lambda: tray.snapshot and tray.config is not None, "the first snapshot")
        tray.send({"cmd": "set", "status": "busy", "message": "Planning", "for": "1h"})
        wait_for(
            qtbot,
            lambda: any(title == "You're now Busy" for title, _ in notify_calls(daemon)),
            "a Notify call for the manual change",
        )
        summary, body = next(c for c in notify_calls(daemon) if c[0] == "You're now Busy")
        assert "Planning" in body and "until" in body.lower()

        def hub_failed() -> bool:
            tray.refresh_status()
            return tray.snapshot["backends"].get("hub", {}).get("state") in (
                "failing",
                "sign-in needed",
            )

        wait_for(qtbot, hub_failed, "the webhook to fail", 20)
        wait_for(
            qtbot,
            lambda: any("Presence updates" in title for title, _ in notify_calls(daemon)),
            "a Notify call for the failing backend",
        )
        tray.send({"cmd": "set", "status": "away", "message": "", "for": ""})
        wait_for(
            qtbot,
            lambda: any(title == "You're now Away" for title, _ in notify_calls(daemon)),
            "the next manual change",
        )
        failing = [c for c in notify_calls(daemon) if c[0].startswith("Presence updates")]
        assert len(failing) == 1, failing
        assert "hub" in failing[0][1] and "`" not in failing[0][1]
    finally:
        close_all(tray)


def test_windows_and_macos_use_the_tray_icon_messages() -> None:
    from agent.ui.notifier import TrayNotifier

    class FakeTray:
        def __init__(self) -> None:
            self.shown: list[tuple[str, str]] = []

        def showMessage(self, title: str, body: str, icon: Any) -> None:  # noqa: N802
            self.shown.append((title, body))

    fake = FakeTray()
    TrayNotifier(fake).show(Notice("You're now Busy", "Set by you"))  # type: ignore[arg-type]
    assert fake.shown == [("You're now Busy", "Set by you")]

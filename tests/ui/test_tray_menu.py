"""The tray icon and its menu, driven against the real service under a real tray host."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QSystemTrayIcon

from agent.core.model import Status
from tests.ui.conftest import wait_for


def trigger(qtbot: Any, controller: Any, action: Any, check: Any, what: str) -> Any:
    action.trigger()
    wait_for(qtbot, lambda: check(controller.snapshot), what)
    return controller.snapshot


def test_icon_is_shown_in_the_xembed_tray(qtbot: Any, controller: Any) -> None:
    assert QSystemTrayIcon.isSystemTrayAvailable()
    wait_for(qtbot, lambda: controller.tray.geometry().width() > 0, "the icon to be embedded")
    assert controller.status_window is None


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.AVAILABLE])
def test_every_menu_status_then_available_clears(
    qtbot: Any, controller: Any, status: Status
) -> None:
    menu = controller.menu
    trigger(
        qtbot,
        controller,
        menu.status_actions[status],
        lambda s: s["status"] == status.value and s["reason"] == "manual",
        f"status {status}",
    )
    assert menu.status_actions[status].isChecked()
    assert controller.tray.toolTip().startswith(status.label)
    trigger(
        qtbot,
        controller,
        menu.status_actions[Status.AVAILABLE],
        lambda s: s["override"] is None,
        "the override to be cleared",
    )


def _in_minutes(iso: str) -> float:
    moment = datetime.fromisoformat(iso)
    return (moment - datetime.now(UTC)).total_seconds() / 60


def action_named(menu: Any, name: str) -> Any:
    return next(a for a in menu.actions() if a.objectName() == name)


def test_do_not_disturb_for_30_minutes(qtbot: Any, controller: Any) -> None:
    thirty = next(a for a in controller.menu.dnd_menu.actions() if a.text() == "30 minutes")
    snapshot = trigger(qtbot, controller, thirty, lambda s: s["status"] == "dnd", "do not disturb")
    assert 29 < _in_minutes(snapshot["until"]) <= 30
    assert controller.tray.toolTip().lower().count("until") == 1


def test_pause_and_resume(qtbot: Any, controller: Any) -> None:
    menu = controller.menu
    one_hour = next(a for a in menu.pause_menu.actions() if a.text() == "1 hour")
    snapshot = trigger(qtbot, controller, one_hour, lambda s: s["paused_until"], "the pause")
    assert 59 < _in_minutes(snapshot["paused_until"]) <= 60
    assert menu.resume_action.isVisible()
    assert "status held until" in controller.tray.toolTip()
    trigger(qtbot, controller, menu.resume_action, lambda s: not s["paused_until"], "resume")
    assert not menu.resume_action.isVisible()


def test_pin_a_location_then_detect_automatically(qtbot: Any, controller: Any) -> None:
    locations = controller.menu.location_menu
    assert controller.menu.location_menu.menuAction().isVisible()
    hq = action_named(locations, "location:hq-3")
    assert hq.text() == "HQ level 3"
    snapshot = trigger(
        qtbot, controller, hq, lambda s: s["pinned_location"] == "hq-3", "the pinned location"
    )
    assert snapshot["location"]["name"] == "HQ level 3"
    assert hq.isChecked()
    assert "At HQ level 3" in controller.tray.toolTip()
    auto = action_named(locations, "location:auto")
    trigger(qtbot, controller, auto, lambda s: s["pinned_location"] is None, "automatic")
    assert auto.isChecked()


def test_header_and_recent_changes_explain_why(qtbot: Any, controller: Any) -> None:
    menu = controller.menu
    trigger(
        qtbot, controller, menu.status_actions[Status.AWAY], lambda s: s["status"] == "away", "away"
    )
    header = menu.actions()[0]
    assert header.text().startswith("Away — ")
    assert controller.tray.toolTip().splitlines()[0] == header.text()

    def recent() -> list[str]:
        return [a.text() for a in menu.recent_menu.actions() if "Away — set by you" in a.text()]

    wait_for(qtbot, recent, "the history line in Recent changes")


def test_items_hidden_by_policy_are_absent(
    qtbot: Any, agent_paths: Any, config_file: Any, tray_host: Any
) -> None:
    from agent.ui.tray import TrayController
    from tests.ui.conftest import close_all
    from tests.ui.daemon_process import DAEMON

    agent_paths.policy_file.write_text(
        '[enforced]\nHiddenMenuItems = ["quit", "invisible", "pause"]\n', encoding="utf-8"
    )
    tray = TrayController(agent_paths, DAEMON)
    tray.start()
    try:
        wait_for(qtbot, lambda: tray.snapshot and tray.config, "the first snapshot")
        menu = tray.menu
        visible = {a.objectName() for a in menu.actions() if a.isVisible()}
        assert not {"quit", "status.invisible", "pause", "resume"} & visible
        assert {"status.busy", "settings", "message", "dnd"} <= visible
    finally:
        close_all(tray)


class _Refusing(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"error": "unknown user"}'
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_PUT = do_POST  # noqa: N815

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def refusing_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/presence"
    server.shutdown()
    server.server_close()


def test_failing_backend_gets_a_line_and_a_badge(
    qtbot: Any, controller: Any, agent_paths: Any, refusing_server: str
) -> None:
    from agent.ui.icons import status_icon

    with agent_paths.config_file.open("a", encoding="utf-8") as file:
        file.write(
            f'\n[[backends]]\nname = "hub"\ntype = "webhook"\nbase_url = "{refusing_server}"\n'
        )
    controller.send({"cmd": "reload"})

    def has_hub() -> bool:
        controller.refresh_status()
        return "hub" in controller.snapshot.get("backends", {})

    wait_for(qtbot, has_hub, "the new backend")
    controller.send({"cmd": "set", "status": "busy", "message": "", "for": ""})

    def failing() -> bool:
        controller.refresh_status()
        state = controller.snapshot["backends"].get("hub", {}).get("state")
        # The added backend is sent the current state at once (issue 15): wait for busy too.
        return controller.snapshot["status"] == "busy" and state in ("failing", "sign-in needed")

    wait_for(qtbot, failing, "the backend to fail", 15)
    menu = controller.menu
    health = menu.health_action
    assert health.isVisible() and health.text().endswith(" — details…")
    assert health.text().startswith(("Presence updates are failing", "Sign-in needed"))
    assert len([a for a in menu.actions() if a.isVisible() and "hub" in a.text()]) == 0
    badge = status_icon(Status.BUSY, badge=True)
    assert controller.tray.icon().cacheKey() == badge.cacheKey()
    assert health.text().removesuffix(" — details…") in controller.tray.toolTip()
    health.trigger()
    details = wait_for(qtbot, lambda: controller.details_window, "the details window")
    assert details.isVisible()
    text = details.text.text()
    assert "Webhook (your own server) (hub)" in text, text
    assert "Settings › Backends" in text and "/presence" not in text
    details.settings_button.click()
    window = wait_for(qtbot, lambda: controller.settings_window, "settings")
    assert window.tabs.currentWidget().name == "backends"


def test_meeting_line_with_join(qtbot: Any, controller: Any) -> None:
    menu = controller.menu
    snapshot = dict(controller.snapshot)
    snapshot["next_meeting"] = {
        "title": "Standup",
        "start": "2030-01-01T10:00:00+00:00",
        "end": "2030-01-01T10:15:00+00:00",
        "join_url": "https://meet.example.com/standup",
    }
    menu.set_snapshot(snapshot)
    assert menu.meeting_action.isVisible() and menu.meeting_action.text().startswith(
        "Next: Standup"
    )
    assert menu.join_action.isVisible()
    with qtbot.waitSignal(menu.join_requested) as joined:
        menu.join_action.trigger()
    assert joined.args == ["https://meet.example.com/standup"]
    snapshot["next_meeting"] = None
    menu.set_snapshot(snapshot)
    assert not menu.meeting_action.isVisible() and not menu.join_action.isVisible()


class _UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture
def opened_urls() -> Iterator[list[str]]:
    """Catch what the tray asks the desktop to open (no browser or file manager starts)."""
    catcher = _UrlCatcher()
    for scheme in ("file", "https"):
        QDesktopServices.setUrlHandler(scheme, catcher, "open")
    yield catcher.urls
    for scheme in ("file", "https"):
        QDesktopServices.unsetUrlHandler(scheme)


def test_open_logs_folder_and_join(
    qtbot: Any, controller: Any, agent_paths: Any, opened_urls: list[str]
) -> None:
    controller.menu.logs_action.trigger()
    wait_for(qtbot, lambda: opened_urls, "the logs folder to open")
    assert opened_urls == [QUrl.fromLocalFile(str(agent_paths.log_dir)).toString()]
    assert agent_paths.log_dir.is_dir()
    snapshot = {
        **controller.snapshot,
        "meeting": {"title": "Review", "end": None, "join_url": "https://meet.example.com/r"},
    }
    controller.menu.set_snapshot(snapshot)
    assert controller.menu.meeting_action.text() == "In a meeting: Review"
    controller.menu.join_action.trigger()
    assert opened_urls[-1] == "https://meet.example.com/r"


def test_do_not_disturb_for_4_hours_or_until_a_chosen_time(qtbot: Any, controller: Any) -> None:
    from PySide6.QtCore import QDateTime

    texts = [a.text() for a in controller.menu.dnd_menu.actions()]
    assert "4 hours" in texts and "Until a time…" in texts
    custom = next(a for a in controller.menu.dnd_menu.actions() if a.text() == "Until a time…")
    custom.trigger()
    dialog = wait_for(qtbot, lambda: controller.dnd_dialog, "the Do not disturb dialog")
    dialog.until.setDateTime(QDateTime.currentDateTime().addSecs(6 * 3600))
    dialog.accept()
    wait_for(qtbot, lambda: controller.snapshot["status"] == "dnd", "do not disturb")
    assert 359 < _in_minutes(controller.snapshot["until"]) <= 361
    tip = controller.tray.toolTip()
    assert tip.lower().count("until") == 1, tip


def test_menu_words_and_width_with_raw_diagnostics(qtbot: Any, controller: Any) -> None:
    """The issue's degraded snapshot made the menu ~930 px wide; now one short line says it."""
    from PySide6.QtGui import QFontMetrics

    menu = controller.menu
    texts = [a.text() for a in menu.actions()]
    assert "Pause automatic updates for" not in texts
    assert menu.status_actions[Status.INVISIBLE].toolTip().startswith("Others see you as offline")
    assert menu.status_actions[Status.OFFLINE].toolTip() != ""
    assert menu.actions()[0].isEnabled() and menu.actions()[0].font().bold()
    snapshot = {
        **controller.snapshot,
        "message": "A very long status message that goes on and on about the quarterly plan",
        "detection": {
            "degraded": True,
            "sources": {"lock": "none", "sleep": "none", "call": "proc-video"},
            "notes": [
                "lock: no working source: unknown",
                "sleep: no working source: unknown",
                "call: camera use, read on change (not while locked)",
            ],
        },
        "config": {"problems": ["/etc/presence-agent/policy.toml:11 enforced.Bogus: unknown"]},
    }
    menu.set_snapshot(snapshot)
    visible = [a.text() for a in menu.actions() if a.isVisible() and a.text()]
    assert "Some settings could not be used — details…" in visible
    assert not any("policy.toml" in t or "no working source" in t for t in visible)
    metrics = QFontMetrics(menu.font())
    widest_item = max(
        metrics.horizontalAdvance(t)
        for t in ("Keep my current status for", "Change my status automatically again")
    )
    widest_info = max(metrics.horizontalAdvance(t) for t in visible)
    assert widest_info <= widest_item * 1.35, (widest_info, widest_item)
    assert menu.sizeHint().width() < 450


def test_recent_changes_come_from_the_agent_whatever_the_backends(
    qtbot: Any, controller: Any, agent_paths: Any
) -> None:
    text = agent_paths.config_file.read_text(encoding="utf-8")
    agent_paths.config_file.write_text(
        text.replace(
            'name = "local"\ntype = "local"',
            'name = "hook"\ntype = "webhook"\nbase_url = "http://127.0.0.1:9/hook"',
        ),
        encoding="utf-8",
    )
    controller.send({"cmd": "reload"})
    wait_for(
        qtbot,
        lambda: controller.refresh_status() or "hook" in controller.snapshot.get("backends", {}),
        "the webhook to replace local",
    )
    controller.send({"cmd": "set", "status": "busy", "message": "Planning", "for": ""})
    wait_for(qtbot, lambda: controller.snapshot["status"] == "busy", "busy")
    controller.refresh_recent()
    wait_for(
        qtbot,
        lambda: any(
            "Busy — set by you “Planning”" in a.text()
            for a in controller.menu.recent_menu.actions()
        ),
        "the change in Recent changes",
    )

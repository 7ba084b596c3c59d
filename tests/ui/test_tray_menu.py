"""The tray icon and its menu, driven against the real service under a real tray host."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from agent.core.model import Status
from tests.ui.conftest import wait_for


def trigger(qtbot: Any, controller: Any, action: Any, check: Any, what: str) -> Any:
    action.trigger()
    return wait_for(qtbot, lambda: check(controller.snapshot), what)


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

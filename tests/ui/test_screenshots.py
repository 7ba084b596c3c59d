"""Screenshots of the tray menu, the message dialog, every settings tab and the wizard.

They land in tests/ui/screenshots/ (git-ignored); the best are copied by hand into
docs/screenshots/ for README.md. The test also checks each grab is a real picture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QWidget

from tests.ui.conftest import wait_for

OUT = Path(__file__).parent / "screenshots"


def shoot(widget: QWidget, name: str) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}.png"
    image = widget.grab().toImage()
    assert image.width() > 100 and image.height() > 50
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 3, f"{name} looks blank"
    assert image.save(str(path))
    return path


def test_screenshots(qtbot: Any, controller: Any) -> None:
    controller.send({"cmd": "pin", "location": "hq-3"})
    controller.send({"cmd": "set", "status": "busy", "message": "Quarterly planning", "for": "1h"})
    wait_for(
        qtbot,
        lambda: controller.snapshot.get("message") and controller.snapshot.get("location"),
        "state",
    )
    wait_for(qtbot, lambda: controller.recent, "the journal")
    menu = controller.menu
    menu.popup(QPoint(900, 30))
    wait_for(qtbot, menu.isVisible, "the menu")
    shoot(menu, "tray-menu")
    menu.hide()

    controller.open_message_dialog()
    dialog = controller.message_dialog
    dialog.text.setText("Working from the Oslo office")
    dialog.clear_after.setCurrentIndex(dialog.clear_after.findText("Today"))
    shoot(dialog, "message-dialog")
    dialog.reject()

    controller.open_settings("")
    window = wait_for(qtbot, lambda: controller.settings_window, "settings")
    wait_for(qtbot, lambda: window.loaded is not None, "the tabs")
    backends = window.pages[4]
    backends.add_backend("audian")
    backends.widgets["base_url"].setText("https://api.audian.com:8443/v2")
    backends.widgets["account_id"].setText("acme")
    window.pages[1].entries.add_row(
        {"condition": "activeCall", "set_status": "busy", "message": "On a call"}
    )
    window.pages[1].entries.add_row({"condition": "idle", "after": "10m", "set_status": "away"})
    for index, page in enumerate(window.pages):
        window.tabs.setCurrentIndex(index)
        shoot(window, f"settings-{page.name}")
    window.close()

    controller.open_wizard()
    wizard = controller.wizard
    shoot(wizard, "wizard-backend")
    wizard.backend_page.server.setChecked(True)
    wizard.backend_page.kind.setCurrentText("audian")
    wizard.next()
    wizard.fields_page.widgets["base_url"].setText("https://api.audian.com:8443/v2")
    shoot(wizard, "wizard-fields")
    wizard.reject()

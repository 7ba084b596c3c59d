"""The status message dialog, with every "Clear after" choice, against the real service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QDialogButtonBox

from agent.ui.message_dialog import CLEAR_AFTER
from tests.ui.conftest import wait_for

MESSAGE = "🌴 Out to lunch"


def _minutes_ahead(iso: str | None) -> float:
    assert iso is not None
    return (datetime.fromisoformat(iso) - datetime.now(UTC)).total_seconds() / 60


@pytest.mark.parametrize(("label", "spec"), CLEAR_AFTER)
def test_message_with_each_clear_after(qtbot: Any, controller: Any, label: str, spec: str) -> None:
    controller.menu.message_action.trigger()
    dialog = wait_for(qtbot, lambda: controller.message_dialog, "the dialog")
    assert dialog.isVisible()
    dialog.text.setText(MESSAGE)
    dialog.status.setCurrentIndex(dialog.status.findData("away"))
    dialog.clear_after.setCurrentIndex(dialog.clear_after.findText(label))
    chosen = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3, minutes=7)
    if spec == "at":
        assert dialog.at.isEnabled()
        dialog.at.setDateTime(QDateTime.fromSecsSinceEpoch(int(chosen.timestamp())))
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    wait_for(qtbot, lambda: controller.snapshot.get("message") == MESSAGE, "the message")
    snapshot = controller.snapshot
    assert snapshot["status"] == "away"
    assert snapshot["reason"] == "manual"
    assert not dialog.isVisible()
    until = snapshot["until"]
    expected = {"30m": 30, "1h": 60, "4h": 240}
    if spec == "":
        assert until is None
    elif spec in expected:
        assert expected[spec] - 1 < _minutes_ahead(until) <= expected[spec]
    elif spec == "at":
        assert abs(datetime.fromisoformat(until) - chosen) < timedelta(minutes=1)
    else:  # today / this week: later than now, within the week
        assert 0 < _minutes_ahead(until) <= 8 * 24 * 60
    assert MESSAGE in controller.tray.toolTip()


def test_presets_and_recent_messages_fill_the_text(qtbot: Any, controller: Any) -> None:
    controller.send({"cmd": "set", "status": "busy", "message": "Writing the report ✍️"})
    wait_for(qtbot, lambda: controller.snapshot.get("message"), "the first message")
    controller.menu.message_action.trigger()
    dialog = controller.message_dialog

    def suggestions() -> list[str]:
        return [dialog.suggestions.item(i).text() for i in range(dialog.suggestions.count())]

    def recent_shown() -> bool:
        controller.refresh_recent()
        return any("Writing the report ✍️" in text for text in suggestions())

    assert "Commuting" in suggestions()
    wait_for(qtbot, recent_shown, "the recent message")
    preset = dialog.suggestions.findItems("Commuting", Qt.MatchFlag.MatchExactly)[0]
    dialog.suggestions.itemClicked.emit(preset)
    assert dialog.text.text() == "Commuting"
    dialog.reject()


def test_no_glyph_the_default_fonts_lack(qtbot: Any) -> None:
    """The issue saw a box where an emoji stood in the placeholder and the recent marker."""
    from PySide6.QtGui import QFontMetrics

    from agent.ui.message_dialog import MessageDialog

    dialog = MessageDialog(["In a meeting"])
    qtbot.addWidget(dialog)
    dialog.set_recent(["Quarterly planning"])
    metrics = QFontMetrics(dialog.font())
    texts = [dialog.text.placeholderText(), dialog.windowTitle()]
    texts += [dialog.suggestions.item(i).text() for i in range(dialog.suggestions.count())]
    texts += [dialog.status.itemText(i) for i in range(dialog.status.count())]
    texts += [dialog.clear_after.itemText(i) for i in range(dialog.clear_after.count())]
    for text in texts:
        for ch in text:
            assert metrics.inFontUcs4(ord(ch)), f"no glyph for {ch!r} in {text!r}"

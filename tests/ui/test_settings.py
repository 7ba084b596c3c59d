"""The settings window: edit, save (file and keyring checked), locks, diagnostics."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit

from agent.config.paths import Paths
from tests.ui.conftest import close_all, wait_for
from tests.ui.daemon_process import DAEMON


def open_settings(qtbot: Any, controller: Any, tab: str = "") -> Any:
    if tab:
        controller.open_settings(tab)
    else:
        controller.menu.settings_action.trigger()
    window = wait_for(qtbot, lambda: controller.settings_window, "the settings window")
    wait_for(qtbot, lambda: window.doc is not None and window.loaded is not None, "the tabs")
    assert window.isVisible()
    return window


@contextmanager
def settings_under_policy(qtbot: Any, paths: Paths, policy: str) -> Iterator[tuple[Any, Any]]:
    """A tray started under ``policy``, with its settings window open."""
    from agent.ui.tray import TrayController

    paths.policy_file.write_text(policy, encoding="utf-8")
    tray = TrayController(paths, DAEMON)
    tray.start()
    try:
        wait_for(qtbot, lambda: tray.snapshot and tray.config, "the first snapshot")
        yield tray, open_settings(qtbot, tray)
    finally:
        close_all(tray)


def save(qtbot: Any, window: Any) -> None:
    window.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    wait_for(qtbot, lambda: window.message.text() == "Saved and applied.", "the save", 15)


def test_general_edit_and_save_keeps_comments(
    qtbot: Any, controller: Any, agent_paths: Paths
) -> None:
    window = open_settings(qtbot, controller)
    general = window.pages[0]
    assert general.away_after.value() == 5
    general.away_after.setValue(12)
    general.notifications.setChecked(True)
    save(qtbot, window)
    text = agent_paths.config_file.read_text(encoding="utf-8")
    assert 'away_after = "12m"' in text
    assert "# five minutes" in text
    assert text.startswith("# My presence settings")
    assert "notifications = true" in text
    # Defaults the user did not touch are not copied into the file.
    assert "lock_is_away" not in text
    wait_for(qtbot, lambda: controller.config.config.idle.away_after == 720, "the reload")


def test_backend_secret_goes_to_the_keyring_not_the_file(
    qtbot: Any, controller: Any, agent_paths: Paths
) -> None:
    from agent.secrets import SecretStore

    window = open_settings(qtbot, controller, "backends")
    backends = window.pages[4]
    assert window.tabs.currentWidget() is backends
    backends.add_backend("webhook")
    backends.widgets["base_url"].setText("http://127.0.0.1:9/presence")
    secret = backends.widgets["secret:signing_secret"]
    assert isinstance(secret, QLineEdit)
    assert secret.echoMode() == QLineEdit.EchoMode.Password
    secret.setText("hunter2-signing-key")
    save(qtbot, window)
    text = agent_paths.config_file.read_text(encoding="utf-8")
    assert 'name = "webhook"' in text
    assert 'base_url = "http://127.0.0.1:9/presence"' in text
    assert "hunter2" not in text
    assert SecretStore().get("webhook", "signing_secret") == "hunter2-signing-key"
    wait_for(qtbot, lambda: "webhook" in controller.snapshot["backends"], "the new backend")

    # The stored secret shows as such, and "Test connection" reports the probe.
    def shown_as_stored() -> bool:
        backends.list.setCurrentRow(1)
        field = backends.widgets.get("secret:signing_secret")
        return field is not None and field.placeholderText().startswith("stored")

    wait_for(qtbot, shown_as_stored, "the secret shown as stored")
    backends.test_button.click()
    wait_for(qtbot, lambda: "reach" in backends.result.text(), "the probe", 20)
    assert backends.result.text().startswith("Could not reach 127.0.0.1:9."), backends.result.text()
    assert "`" not in backends.result.text() and "Back" not in backends.result.text()


def test_rules_and_locations_are_saved_in_order(
    qtbot: Any, controller: Any, agent_paths: Paths
) -> None:
    window = open_settings(qtbot, controller, "rules")
    rules = window.pages[1].entries
    rules.add_row({"condition": "locked", "set_status": "away"})
    rules.add_row({"condition": "activeCall", "set_status": "busy", "message": "On a call 📞"})
    rules.move_selected(-1)
    locations = window.pages[2].entries
    assert locations.table.rowCount() == 2
    locations.add_row({"id": "lab", "name": "Lab", "subnet": ["192.168.7.0/24"]})
    save(qtbot, window)
    text = agent_paths.config_file.read_text(encoding="utf-8")
    assert text.index('condition = "activeCall"') < text.index('condition = "locked"')
    assert 'message = "On a call 📞"' in text
    assert 'subnet = ["192.168.7.0/24"]' in text
    wait_for(qtbot, lambda: len(controller.config.config.locations) == 3, "the reload")
    labels = [a.text() for a in controller.menu.location_menu.actions()]
    assert "Lab" in labels


def test_a_refused_file_is_not_written(qtbot: Any, controller: Any, agent_paths: Paths) -> None:
    window = open_settings(qtbot, controller, "backends")
    backends = window.pages[4]
    backends.add_backend("audian")
    backends.widgets["base_url"].setText("http://presence.example.com/v2")
    before = agent_paths.config_file.read_text(encoding="utf-8")
    window.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    wait_for(qtbot, lambda: window.message.text().startswith("Not saved"), "the refusal")
    assert "base_url" in window.message.text()
    assert str(agent_paths.config_file.parent) not in window.message.text()
    assert agent_paths.config_file.read_text(encoding="utf-8") == before


def test_locked_keys_are_disabled(
    qtbot: Any, agent_paths: Paths, config_file: Any, tray_host: Any
) -> None:
    policy = '[enforced]\nIdleAwayAfter = "15m"\nHiddenMenuItems = ["pause"]\n'
    with settings_under_policy(qtbot, agent_paths, policy) as (tray, window):
        general = window.pages[0]
        assert general.away_after.value() == 15
        assert not general.away_after.isEnabled()
        assert general.away_after.toolTip() == "Managed by your organization"
        assert general.form._notes["idle.away_after"].isVisibleTo(window)
        assert general.notifications.isEnabled()
        save(qtbot, window)
        assert "15m" not in agent_paths.config_file.read_text(encoding="utf-8")


def test_diagnostics_report_and_copy(qtbot: Any, controller: Any) -> None:
    window = open_settings(qtbot, controller, "about")
    about = window.pages[5]
    about.run_button.click()
    wait_for(qtbot, lambda: "blocking problems" in about.report.toPlainText(), "the report", 30)
    about.copy_button.click()
    assert QApplication.clipboard().text() == about.report.toPlainText()


def _has_default_route() -> bool:
    try:
        with open("/proc/net/route", encoding="ascii") as routes:
            return any(line.split()[1] == "00000000" for line in list(routes)[1:])
    except OSError:
        return False


def test_use_current_network_fills_the_matchers(qtbot: Any, controller: Any) -> None:
    window = open_settings(qtbot, controller, "locations")
    tab = window.pages[2]
    tab.entries.table.selectRow(0)
    tab.use_network.click()
    wait_for(qtbot, lambda: "Reading" not in tab.network_note.text(), "the network", 15)
    if _has_default_route():
        assert tab.network_note.text().startswith("Filled from this network")
        assert tab.entries.cell(0, "subnet"), "the gateway's subnet was not filled in"
        assert tab.entries.dirty


def test_secret_calendar_address_goes_to_the_keyring(
    qtbot: Any, controller: Any, agent_paths: Paths
) -> None:
    from agent.secrets import SecretStore

    window = open_settings(qtbot, controller, "calendars")
    calendars = window.pages[3].entries
    url = "https://calendar.example.com/ical/secret-token-123/basic.ics"
    calendars.add_row({"name": "work", "url": url, "url_secret": True})
    save(qtbot, window)
    text = agent_paths.config_file.read_text(encoding="utf-8")
    assert 'name = "work"' in text and "url_secret = true" in text
    assert "secret-token-123" not in text
    assert SecretStore().get("calendar:work", "url") == url


def test_everything_locked_names_the_organisation_and_disables_save(
    qtbot: Any, agent_paths: Paths, config_file: Any, tray_host: Any
) -> None:
    policy = '[enforced]\nManagedByOrganizationName = "Example Corp"\nLockSettings = true\n'
    with settings_under_policy(qtbot, agent_paths, policy) as (_, window):
        general = window.pages[0]
        note = general.form._notes["idle.away_after"]
        assert note.text() == "Managed by Example Corp" and note.isVisibleTo(window)
        assert general.away_after.toolTip() == "Managed by Example Corp"
        assert not general.start_at_login.isEnabled()
        assert window.pages[1].entries.locked_note.text() == "Managed by Example Corp"
        assert not window.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
        assert "can't be changed" in window.message.text()


def test_closing_with_unsaved_edits_asks_then_saves_or_discards(
    qtbot: Any, controller: Any, agent_paths: Paths, monkeypatch: Any
) -> None:
    from PySide6.QtWidgets import QMessageBox

    answers: list[QMessageBox.StandardButton] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    window = open_settings(qtbot, controller)
    general = window.pages[0]
    assert not window.has_changes()
    window.close()  # nothing edited: no question
    assert not window.isVisible()

    window = open_settings(qtbot, controller)
    general.away_after.setValue(9)
    answers.append(QMessageBox.StandardButton.Cancel)
    window.close()
    assert window.isVisible() and general.away_after.value() == 9

    answers.append(QMessageBox.StandardButton.Discard)
    window.close()
    assert not window.isVisible()
    wait_for(qtbot, lambda: general.away_after.value() == 5, "the edit to be dropped")
    assert 'away_after = "5m"' in agent_paths.config_file.read_text(encoding="utf-8")

    window = open_settings(qtbot, controller)
    assert general.away_after.value() == 5  # the dropped edit is not back next time
    general.away_after.setValue(11)
    answers.append(QMessageBox.StandardButton.Save)
    window.close()
    wait_for(qtbot, lambda: not window.isVisible(), "the window to close after saving", 15)
    assert 'away_after = "11m"' in agent_paths.config_file.read_text(encoding="utf-8")


def test_rules_editor_speaks_words_and_picks_locations_from_a_list(
    qtbot: Any, controller: Any, agent_paths: Paths
) -> None:
    from PySide6.QtWidgets import QComboBox

    window = open_settings(qtbot, controller, "rules")
    rules = window.pages[1].entries
    rules.add_row({"condition": "location", "location": "hq-3", "set_status": "available"})
    row = rules.table.rowCount() - 1
    columns = [c.key for c in rules.columns]
    when = rules.table.cellWidget(row, columns.index("condition"))
    where = rules.table.cellWidget(row, columns.index("location"))
    status = rules.table.cellWidget(row, columns.index("set_status"))
    assert isinstance(when, QComboBox) and isinstance(where, QComboBox)
    assert isinstance(status, QComboBox)
    assert when.currentText() == "At a location"
    assert [when.itemText(i) for i in range(when.count())][:2] == ["On a call", "In a meeting"]
    assert [where.itemText(i) for i in range(where.count())] == [
        "Any",
        "HQ level 3",
        "Home office",
    ]
    assert where.currentText() == "HQ level 3"
    assert status.currentText() == "Available"
    where.setCurrentIndex(where.findText("Home office"))
    headers = [rules.table.horizontalHeaderItem(i).text() for i in range(len(columns))]
    assert not any(h.islower() or "id" in h.lower().split() for h in headers)
    save(qtbot, window)
    text = agent_paths.config_file.read_text(encoding="utf-8")
    assert 'condition = "location"' in text and 'location = "home-office"' in text
    assert 'set_status = "available"' in text

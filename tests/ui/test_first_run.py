"""The first-run wizard and the single-instance hand-off."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from PySide6.QtWidgets import QFormLayout, QLabel, QWizard

from agent.config.paths import Paths
from tests.ui.conftest import close_all, wait_for
from tests.ui.daemon_process import DAEMON


def test_first_run_wizard_writes_the_config(qtbot: Any, agent_paths: Paths, tray_host: Any) -> None:
    from agent.ui.tray import TrayController

    assert not agent_paths.config_file.exists()
    tray = TrayController(agent_paths, DAEMON)
    tray.start(first_run=True)
    try:
        wizard = wait_for(qtbot, lambda: tray.wizard, "the wizard")
        assert wizard.isVisible()
        choose(wizard, "webhook")
        wizard.next()
        fields = wizard.fields_page.widgets
        fields["base_url"].setText("http://127.0.0.1:9/hook")
        fields["secret:signing_secret"].setText("wizard-secret-value")
        wizard.next()
        assert wizard.currentPage() is wizard.test_page
        wizard.test_page.button.click()
        wait_for(qtbot, lambda: wizard.test_page.outcome, "the test result", 20)
        assert wizard.test_page.outcome == "unreachable"
        assert wizard.test_page.result.text().startswith("Could not reach 127.0.0.1:9.")
        wizard.next()
        wizard.preferences_page.idle.setValue(7)
        wizard.preferences_page.autostart.setChecked(False)
        wizard.button(QWizard.WizardButton.FinishButton).click()
        wait_for(qtbot, lambda: wizard.finished_saving and not wizard.isVisible(), "finish")
        text = agent_paths.config_file.read_text(encoding="utf-8")
        assert 'type = "webhook"' in text
        assert 'away_after = "7m"' in text
        assert "wizard-secret-value" not in text
        from agent.secrets import SecretStore

        assert SecretStore().get("webhook", "signing_secret") == "wizard-secret-value"
        wait_for(qtbot, lambda: "webhook" in tray.snapshot.get("backends", {}), "the reload")
    finally:
        close_all(tray)


def choose(wizard: Any, kind: str) -> None:
    page = wizard.backend_page
    page.server.setChecked(True)
    page.kind.setCurrentIndex(page.kind.findData(kind))


def test_wizard_shows_vendor_names_and_checks_fields_as_typed(
    qtbot: Any, agent_paths: Paths, tray_host: Any
) -> None:
    from agent.ui.tray import TrayController

    tray = TrayController(agent_paths, DAEMON)
    tray.start(first_run=True)
    try:
        wizard = wait_for(qtbot, lambda: tray.wizard, "the wizard")
        page = wizard.backend_page
        names = [page.kind.itemText(i) for i in range(page.kind.count())]
        assert names[0] == "Choose your presence system…"
        assert {"Audian", "SuperOffice", "essentry", "Webhook (your own server)"} <= set(names)
        page.server.setChecked(True)
        next_button = wizard.button(QWizard.WizardButton.NextButton)
        assert not next_button.isEnabled()  # nothing chosen yet
        choose(wizard, "audian")
        assert next_button.isEnabled()
        wizard.next()
        fields_page = wizard.fields_page
        url = fields_page.widgets["base_url"]
        assert url.placeholderText() == "e.g. https://api.audian.com:8443/v2"
        assert not next_button.isEnabled()  # empty Server address and Account ID
        qtbot.keyClicks(url, "api.audian.com")
        note = fields_page.notes["base_url"]
        assert note.text() == "Enter a web address starting with https://"
        url.setText("http://api.audian.com/v2")
        assert "plain http" in note.text()
        url.setText("https://api.audian.com:8443/v2")
        assert note.text() == "The web address of the presence service."
        assert not next_button.isEnabled()
        qtbot.keyClicks(fields_page.widgets["account_id"], "acc_1")
        qtbot.keyClicks(fields_page.widgets["secret:api_token"], "x")
        assert next_button.isEnabled()
        labels = [
            fields_page.form.itemAt(i, QFormLayout.ItemRole.LabelRole).widget().text()
            for i in range(fields_page.form.rowCount())
            if fields_page.form.itemAt(i, QFormLayout.ItemRole.LabelRole)
        ]
        assert "Phone do-not-disturb (optional)" in labels
        assert "Forward calls when away (optional)" in labels
        hints = [w.text() for w in fields_page.findChildren(QLabel) if w.objectName() == "hint"]
        assert "While you're Away, calls go to this number." in hints
        assert "Silence your phone line during Do not disturb." in hints
    finally:
        close_all(tray)


def test_a_failed_test_says_what_to_do_and_cancel_leaves_nothing(
    qtbot: Any, agent_paths: Paths, tray_host: Any
) -> None:
    from agent.secrets import SecretStore
    from agent.ui.tray import TrayController
    from tests.servers.audian import AudianServer

    with AudianServer(token="the-right-token") as server:
        tray = TrayController(agent_paths, DAEMON)
        tray.start(first_run=True)
        try:
            wizard = wait_for(qtbot, lambda: tray.wizard, "the wizard")
            choose(wizard, "audian")
            wizard.next()
            fields = wizard.fields_page.widgets
            fields["base_url"].setText(server.base_url)
            fields["account_id"].setText(server.account_id)
            fields["user_id"].setText(server.user_id)
            fields["secret:api_token"].setText("a-wrong-token")
            wizard.next()
            wizard.test_page.button.click()
            wait_for(qtbot, lambda: wizard.test_page.outcome, "the test result", 30)
            text = wizard.test_page.result.text()
            assert wizard.test_page.outcome == "unauthorised", text
            assert text == (
                f"Audian at 127.0.0.1:{server.port} did not accept your API token. "
                "Click Back and enter it again, then test again."
            )
            assert agent_paths.config_file.exists()  # the test ran on the written settings
            wizard.reject()
            wait_for(qtbot, lambda: wizard.cleaned_up, "Cancel to clean up")
            wait_for(qtbot, lambda: not agent_paths.config_file.exists(), "the file to go")
            assert SecretStore().get("audian", "api_token") is None
        finally:
            close_all(tray)


def test_wizard_just_on_this_computer(qtbot: Any, agent_paths: Paths, tray_host: Any) -> None:
    from agent.ui.tray import TrayController

    tray = TrayController(agent_paths, DAEMON)
    tray.start(first_run=True)
    try:
        wizard = wait_for(qtbot, lambda: tray.wizard, "the wizard")
        assert wizard.backend_page.local.isChecked()
        wizard.next()
        assert wizard.currentPage() is wizard.preferences_page
        wizard.button(QWizard.WizardButton.FinishButton).click()
        wait_for(qtbot, lambda: wizard.finished_saving, "finish")
        text = agent_paths.config_file.read_text(encoding="utf-8")
        assert 'type = "local"' in text and 'away_after = "5m"' in text
    finally:
        close_all(tray)


def test_second_launch_hands_off_to_the_first(
    qtbot: Any, controller: Any, agent_paths: Paths
) -> None:
    assert controller.settings_window is None
    code = (
        "from agent.config.paths import Paths; from agent.ui.main import run_tray; "
        "raise SystemExit(run_tray(Paths.from_environment()))"
    )
    second = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert second.returncode == 0, second.stderr
    assert "already running" in second.stdout
    window = wait_for(qtbot, lambda: controller.settings_window, "the first to show itself")
    assert window.isVisible()

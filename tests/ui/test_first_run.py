"""The first-run wizard and the single-instance hand-off."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from PySide6.QtWidgets import QWizard

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
        wizard.backend_page.server.setChecked(True)
        wizard.backend_page.kind.setCurrentText("webhook")
        wizard.next()
        fields = wizard.fields_page.widgets
        fields["base_url"].setText("http://127.0.0.1:9/hook")
        fields["secret:signing_secret"].setText("wizard-secret-value")
        wizard.next()
        assert wizard.currentPage() is wizard.test_page
        wizard.test_page.button.click()
        wait_for(qtbot, lambda: ":" in wizard.test_page.result.text(), "the test result", 20)
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

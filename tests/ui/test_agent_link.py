"""The tray is a thin client of the agent daemon: a crash on either side is survived."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from typing import Any

from agent import ipc
from agent.config.paths import Paths
from tests.support import ROOT, wait_until
from tests.ui.conftest import wait_for

THIN_TRAY = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from agent.config.paths import Paths
from agent.ui.main import start_tray
from tests.ui.daemon_process import DAEMON

tray = start_tray(Paths.from_environment(), agent_command=DAEMON)

def check():
    if tray.snapshot and tray.config:
        timer.stop()
        heavy = ("httpx", "asyncio", "agent.app", "agent.delivery", "agent.core.engine")
        print(json.dumps({"loaded": [m for m in heavy if m in sys.modules]}), flush=True)
        tray.quit()

timer = QTimer()
timer.timeout.connect(check)
timer.start(20)
sys.exit(QApplication.exec())
"""


def test_the_tray_process_loads_none_of_the_service(agent_paths: Paths, config_file: Any) -> None:
    done = subprocess.run(
        [sys.executable, "-c", THIN_TRAY],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"loaded": []}
    # Quit stopped the agent the tray had started.
    wait_until(lambda: not agent_paths.socket_path.exists(), what="the agent to stop")


def _tray_attached(paths: Paths) -> bool:
    try:
        return bool(ipc.request(paths.socket_path, {"cmd": "activate"}, timeout=5).get("ui"))
    except ipc.AgentNotRunning:
        return False


def _agent_pid(paths: Paths) -> int:
    return int(ipc.request(paths.socket_path, {"cmd": "status"})["snapshot"]["pid"])


def test_a_crashed_tray_leaves_the_agent_running_and_a_new_tray_attaches(
    agent_paths: Paths, config_file: Any, tray_host: Any
) -> None:
    tray = subprocess.Popen([sys.executable, "-m", "tests.ui.tray_process"], cwd=ROOT)
    second: subprocess.Popen[bytes] | None = None
    try:
        wait_until(lambda: _tray_attached(agent_paths), timeout=30, what="the tray to attach")
        agent = _agent_pid(agent_paths)
        tray.kill()  # a crash in Qt
        tray.wait(10)
        wait_until(lambda: not _tray_attached(agent_paths), what="the agent to notice")
        ipc.request(agent_paths.socket_path, {"cmd": "set", "status": "busy", "for": ""})
        code = (
            "from agent.config.paths import Paths; from agent.ui.main import run_tray; "
            "raise SystemExit(run_tray(Paths.from_environment()))"
        )
        second = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
        wait_until(lambda: _tray_attached(agent_paths), timeout=30, what="a new tray")
        assert _agent_pid(agent_paths) == agent  # the same agent, never restarted
        second.send_signal(signal.SIGTERM)
        assert second.wait(10) == 0
        wait_until(lambda: not agent_paths.socket_path.exists(), what="Quit to stop the agent")
    finally:
        for process in (tray, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(5)


def test_a_lost_agent_is_shown_and_started_again(qtbot: Any, controller: Any) -> None:
    first = controller.snapshot["pid"]
    os.kill(first, signal.SIGKILL)
    wait_for(qtbot, lambda: "not running" in controller.tray.toolTip(), "the tray to say so")
    assert "not running" in controller.menu.actions()[0].text()
    wait_for(
        qtbot, lambda: controller.snapshot["pid"] != first, "a new agent's snapshot", timeout=30
    )
    assert controller.tray.toolTip().startswith("Available")

"""The headless agent on the Windows CPython under Wine, end to end (the Wine lane only).

Started as users start it (``python -m agent run --headless``), driven by the Windows CLI
over the named pipe, reporting to a strict loopback webhook server that this (Windows)
interpreter runs, with its signing secret in the throw-away prefix's Credential Manager.
It must stop cleanly on ``quit``, on a console Ctrl+Break and on the session-end messages.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent import ipc
from agent.config.paths import Paths
from agent.platform.windows.session_end import CTRL_C_EVENT
from agent.platform.windows.session_window import WM_ENDSESSION, WM_QUERYENDSESSION
from tests.agent_process import (
    WEBHOOK,
    AgentRun,
    cli,
    running_agent,
    signed_webhook,
    statuses,
    write_config,
)
from tests.support import wait_until

pytestmark = pytest.mark.skipif(sys.platform != "win32", reason="the Wine lane's Windows CPython")

QUIET = """
[idle]
away_after = "1h"
"""


def test_status_set_quit_over_the_named_pipe_reach_the_vendor(agent_paths: Paths) -> None:
    with signed_webhook() as receiver:
        assert receiver is not None, "the lane runs with a throw-away Credential Manager"
        write_config(agent_paths, QUIET + WEBHOOK.format(url=receiver.base_url))
        with running_agent(agent_paths) as agent:
            agent.wait_alive(lambda: statuses(agent_paths), 60, "the first report")
            wait_until(lambda: receiver.changes, timeout=30, what="the first report at the hook")
            cli("set", "busy", "--message", "Focus")
            wait_until(
                lambda: any(c["status"] == "busy" for c in receiver.changes),
                timeout=30,
                what="busy at the vendor",
            )
            busy = next(c for c in receiver.changes if c["status"] == "busy")
            assert busy["message"] == "Focus" and busy["userId"] == "u-1"
            assert "busy" in cli("status").stdout.lower()
            ipc.request(agent_paths.socket_path, {"cmd": "quit"})  # the tray's Quit
            assert agent.process.wait(30) == 0, agent.output_text()
        assert "agent stopped" in _log_text(agent_paths)


def _log_text(paths: Paths) -> str:
    return "".join(p.read_text(errors="replace") for p in sorted(paths.log_dir.glob("*.log*")))


def _started(paths: Paths, creationflags: int = 0) -> AgentRun:
    write_config(paths, QUIET)
    output = paths.log_dir / "agent-output.txt"
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "agent", "run", "--headless"],
            stdout=sink,
            stderr=sink,
            stdin=subprocess.DEVNULL,
            creationflags=creationflags,
        )
    run = AgentRun(paths, process, output)
    run.wait_alive(lambda: statuses(paths), 60, "the first report")
    return run


def test_session_end_messages_stop_the_agent_cleanly(agent_paths: Paths) -> None:
    from tests.platform.windows.win32_messages import send, session_windows

    agent = _started(agent_paths)
    try:
        windows = wait_until(lambda: session_windows(agent.process.pid), 30, what="its windows")
        ending = windows[-1]  # the last one opened is the session-end watcher's
        assert all(send(hwnd, WM_QUERYENDSESSION, 0) == 1 for hwnd in windows)
        send(ending, WM_ENDSESSION, 1)
        assert agent.process.wait(30) == 0, agent.output_text()
    finally:
        agent.stop()
    assert "agent stopped" in _log_text(agent_paths), agent.output_text()


def test_ctrl_c_in_its_console_stops_the_agent_cleanly(agent_paths: Paths) -> None:
    from tests.platform.windows.win32_messages import send_console_event

    agent = _started(agent_paths, subprocess.CREATE_NEW_CONSOLE)
    try:
        send_console_event(agent.process.pid, CTRL_C_EVENT)
        assert agent.process.wait(30) == 0, agent.output_text()
    finally:
        agent.stop()
    assert "agent stopped" in _log_text(agent_paths), agent.output_text()


# CTRL_BREAK cannot be raised under Wine 8 (GenerateConsoleCtrlEvent answers error 6 for
# it); it takes the same handler path as CTRL_C, covered with injected events in
# tests/platform/windows/test_session_end.py.

"""End to end: the headless agent on a real Xvfb goes away when idle, and is back on input.

The agent runs as a subprocess with ``away_after = "2s"``; what the ``local`` backend
journals, and (inside tests/session.sh, with its throw-away keyring) what a signed
loopback webhook receiver got, is the proof: "away" after two idle seconds,
"available" within a second of ``xdotool mousemove``.
"""

from __future__ import annotations

import sys
import time

import pytest

from agent.config.paths import Paths
from agent.ipc import request
from tests.agent_process import (
    WEBHOOK,
    journal,
    running_agent,
    signed_webhook,
    statuses,
    write_config,
)
from tests.platform.x_input import move_mouse
from tests.servers.webhook import WebhookServer
from tests.support import wait_until

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="Xvfb"),
    pytest.mark.usefixtures("x11_session"),
]
CONFIG = '[idle]\naway_after = "2s"\n\n[schedule]\nenabled = false\n\n[location]\nmode = "off"\n'


def hook_statuses(receiver: WebhookServer | None) -> list[str]:
    return [change["status"] for change in receiver.changes] if receiver else []


def test_headless_agent_goes_away_when_idle_and_back_on_input(
    xvfb: object, agent_paths: Paths
) -> None:
    with signed_webhook() as receiver:
        hook = WEBHOOK.format(url=receiver.base_url) if receiver else ""
        write_config(agent_paths, CONFIG + hook)
        move_mouse()
        with running_agent(agent_paths) as agent:
            agent.wait_alive(lambda: "away" in statuses(agent_paths), 20, "away after 2 s idle")
            away = next(e for e in journal(agent_paths) if e["status"] == "away")
            assert away["reason"] == "rule:idle"
            snapshot = request(agent_paths.socket_path, {"cmd": "status"})["snapshot"]
            assert snapshot["detection"]["sources"]["idle"] == "x11-sync"
            if receiver is not None:
                wait_until(lambda: "away" in hook_statuses(receiver), what="away at the hook")
            lines = len(journal(agent_paths))
            sent = len(hook_statuses(receiver))
            moved = time.monotonic()
            move_mouse()
            wait_until(
                lambda: "available" in statuses(agent_paths)[lines:],
                timeout=5,
                interval=0.01,
                what="available again after input",
            )
            if receiver is not None:  # what a real HTTP presence service received
                wait_until(
                    lambda: "available" in hook_statuses(receiver)[sent:],
                    timeout=5,
                    interval=0.01,
                    what="available at the hook",
                )
            assert time.monotonic() - moved < 1.0
        assert agent.process.returncode == 0, agent.output_text()

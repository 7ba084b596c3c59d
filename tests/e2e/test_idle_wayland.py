"""End to end: the headless agent in a Wayland session (headless sway, no X server).

Before the push sources every idle source was refused here and the user was never
reported away. Now the agent picks ``org_kde_kwin_idle`` (sway 1.7), goes away after
``away_after`` and is back on a ``wtype`` key tap; the ``local`` backend's journal
is the proof.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.config.paths import Paths
from agent.ipc import request
from tests.agent_process import journal, running_agent, statuses, write_config
from tests.platform.wayland_session import headless_sway, type_key
from tests.support import wait_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Wayland")
CONFIG = '[idle]\naway_after = "2s"\n\n[schedule]\nenabled = false\n\n[location]\nmode = "off"\n'


@pytest.fixture
def sway_session(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with headless_sway() as socket:
        monkeypatch.delenv("DISPLAY", raising=False)
        monkeypatch.setenv("WAYLAND_DISPLAY", str(socket))
        yield socket


def test_headless_agent_under_sway_goes_away_and_back_on_input(
    sway_session: Path, agent_paths: Paths
) -> None:
    write_config(agent_paths, CONFIG)
    type_key(sway_session)
    with running_agent(agent_paths) as agent:
        agent.wait_alive(lambda: "away" in statuses(agent_paths), 20, "away after 2 s idle")
        away = next(e for e in journal(agent_paths) if e["status"] == "away")
        assert away["reason"] == "rule:idle"
        snapshot = request(agent_paths.socket_path, {"cmd": "status"})["snapshot"]
        assert snapshot["detection"]["sources"]["idle"] == "wayland-kde-idle"
        lines = len(journal(agent_paths))
        typed = time.monotonic()
        type_key(sway_session)
        wait_until(
            lambda: "available" in statuses(agent_paths)[lines:],
            timeout=5,
            interval=0.01,
            what="available again after input",
        )
        assert time.monotonic() - typed < 0.5
    assert agent.process.returncode == 0, agent.output_text()

"""End to end: the headless agent with pushed idle, on headless sway and on Xvfb.

Before the push sources every idle source was refused under sway (no X server) and the
user was never reported away. Now the agent picks ``org_kde_kwin_idle`` (sway 1.7),
goes away after ``away_after`` and is back on a ``wtype`` key tap. On both desktops a
user who keeps working stays available long past ``away_after``: no reading comes
while nobody crosses a threshold, and the engine must not work one out of the time
since the last. The ``local`` backend's journal is the proof.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agent.config.paths import Paths
from agent.ipc import request
from tests.agent_process import journal, running_agent, statuses, write_config
from tests.platform.wayland_session import headless_sway, type_key
from tests.platform.x_input import move_mouse
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


@pytest.fixture(params=["x11", "sway"])
def user_input(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Callable[[], None]]]:
    if request.param == "x11":
        request.getfixturevalue("xvfb")
        monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
        yield "x11-sync", move_mouse
        return
    with headless_sway() as socket:
        monkeypatch.delenv("DISPLAY", raising=False)
        monkeypatch.setenv("WAYLAND_DISPLAY", str(socket))
        yield "wayland-kde-idle", lambda: type_key(socket)


def test_a_working_user_stays_available_past_away_after(
    user_input: tuple[str, Callable[[], None]], agent_paths: Paths
) -> None:
    source, tap = user_input
    write_config(agent_paths, CONFIG)
    tap()
    with running_agent(agent_paths) as agent:
        agent.wait_alive(lambda: statuses(agent_paths), 20, "the first report")
        snapshot = request(agent_paths.socket_path, {"cmd": "status"})["snapshot"]
        assert snapshot["detection"]["sources"]["idle"] == source
        working_until = time.monotonic() + 7.0  # past away_after (2 s) and the engine's grace
        while time.monotonic() < working_until:
            tap()
            time.sleep(0.5)  # the user's typing pace, not a wait on the agent
        assert "away" not in statuses(agent_paths)
        agent.wait_alive(lambda: "away" in statuses(agent_paths), 10, "away once the user stops")
    assert agent.process.returncode == 0, agent.output_text()

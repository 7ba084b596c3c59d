"""End to end on mock logind (private system bus): lock and sleep drive the headless agent.

LockedHint lock -> "away" journalled -> unlock -> "available"; PrepareForSleep(true) ->
"away" is journalled before the agent lets go of its delay inhibitor.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dbus
import pytest

from agent.config.paths import Paths
from tests.detectors.agent_journal import statuses
from tests.platform.dbus_mocks import MANAGER_IFACE, SESSION_IFACE, logind_mock, private_system_bus
from tests.support import wait_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="logind over D-Bus")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def logind() -> Iterator[tuple[Any, Any]]:
    with private_system_bus(), logind_mock() as mocks:
        yield mocks


@pytest.fixture
def agent(xvfb: object, agent_paths: Paths, logind: tuple[Any, Any]) -> Iterator[Paths]:
    agent_paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    agent_paths.config_file.write_text(
        '[schedule]\nenabled = false\n\n[location]\nmode = "off"\n', encoding="utf-8"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "agent", "run", "--headless"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(
            lambda: statuses(agent_paths) or process.poll() is not None,
            timeout=20,
            what="the agent's first status",
        )
        assert process.poll() is None
        yield agent_paths
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err.decode(errors="replace")


def held(manager: Any) -> int:
    return int(manager.InhibitorsHeld(dbus_interface=MANAGER_IFACE))


def test_lock_is_away_and_unlock_is_back(agent: Paths, logind: tuple[Any, Any]) -> None:
    _manager, session = logind
    assert statuses(agent)[-1] == "available"
    session.SetLockedHint(True, dbus_interface=SESSION_IFACE)
    wait_until(lambda: statuses(agent)[-1] == "away", what="away when locked")
    session.SetLockedHint(False, dbus_interface=SESSION_IFACE)
    wait_until(lambda: statuses(agent)[-1] == "available", what="back when unlocked")


def test_away_is_sent_before_the_machine_sleeps(agent: Paths, logind: tuple[Any, Any]) -> None:
    manager, _session = logind
    wait_until(lambda: held(manager) == 1, what="the agent's delay inhibitor")
    manager.EmitSignal(MANAGER_IFACE, "PrepareForSleep", "b", [dbus.Boolean(True)])
    wait_until(lambda: held(manager) == 0, what="inhibitor released")
    assert statuses(agent)[-1] == "away"  # journalled before the inhibitor went
    manager.EmitSignal(MANAGER_IFACE, "PrepareForSleep", "b", [dbus.Boolean(False)])
    wait_until(lambda: held(manager) == 1, what="inhibitor taken again after resume")
    wait_until(lambda: statuses(agent)[-1] == "available", what="available after resume")

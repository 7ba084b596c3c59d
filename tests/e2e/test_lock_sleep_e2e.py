"""End to end on mock logind (private system bus): lock and sleep drive the headless agent.

LockedHint lock -> "away" journalled -> unlock -> "available"; PrepareForSleep(true) ->
"away" is journalled before the agent lets go of its delay inhibitor.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import dbus
import pytest

from agent.config.paths import Paths
from tests.agent_process import running_agent, statuses, write_config
from tests.platform.dbus_mocks import MANAGER_IFACE, SESSION_IFACE, logind_mock, private_system_bus
from tests.support import wait_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="logind over D-Bus")


@pytest.fixture
def logind() -> Iterator[tuple[Any, Any]]:
    with private_system_bus(), logind_mock() as mocks:
        yield mocks


@pytest.fixture
def agent(xvfb: object, agent_paths: Paths, logind: tuple[Any, Any]) -> Iterator[Paths]:
    write_config(agent_paths, '[schedule]\nenabled = false\n\n[location]\nmode = "off"\n')
    with running_agent(agent_paths) as run:
        run.wait_alive(lambda: statuses(agent_paths), 20, "the agent's first status")
        yield agent_paths
    assert run.process.returncode == 0, run.output_text()


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
    # Two delay inhibitors: sleep, and shutdown (to report "offline" first).
    wait_until(lambda: held(manager) == 2, what="the agent's delay inhibitors")
    manager.EmitSignal(MANAGER_IFACE, "PrepareForSleep", "b", [dbus.Boolean(True)])
    wait_until(lambda: held(manager) == 1, what="sleep inhibitor released")
    assert statuses(agent)[-1] == "away"  # journalled before the inhibitor went
    manager.EmitSignal(MANAGER_IFACE, "PrepareForSleep", "b", [dbus.Boolean(False)])
    wait_until(lambda: held(manager) == 2, what="inhibitor taken again after resume")
    wait_until(lambda: statuses(agent)[-1] == "available", what="available after resume")

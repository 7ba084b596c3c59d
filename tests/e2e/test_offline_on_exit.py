"""Issue 15: quitting, SIGTERM and logind's shutdown each report "offline" before exiting.

The real headless agent reports to loopback Audian and Cord servers; logind is a
python-dbusmock mock on a private system bus (the hand-built one of
tests/platform/dbus_mocks.py: dbusmock's own logind template needs PyGObject).
Each way out must leave Audian ``offline`` and Cord ``absent`` *before* the process
has exited: the servers are read the moment it is gone.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator
from typing import Any

import dbus
import pytest

from agent import ipc
from agent.config.paths import Paths
from tests.agent_process import AgentRun
from tests.e2e.presence_rig import (
    NO_PULSE,
    Servers,
    audian_statuses,
    configure,
    cord_bodies,
    servers_with_secrets,
)
from tests.platform.dbus_mocks import MANAGER_IFACE, logind_mock, private_system_bus
from tests.support import wait_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="logind and SIGTERM")


@pytest.fixture
def logind() -> Iterator[Any]:
    with private_system_bus(), logind_mock() as (manager, _session):
        yield manager


def started(paths: Paths, s: Servers, with_cord: bool = True) -> AgentRun:
    agent = AgentRun.start(paths, NO_PULSE)
    agent.wait_alive(
        lambda: "available" in audian_statuses(s.audian) and (cord_bodies(s.cord) or not with_cord),
        timeout=20,
        what="the start-up report",
    )
    return agent


def exited(agent: AgentRun, timeout: float = 10.0) -> float:
    """Wait for the exit; how long it took."""
    began = time.monotonic()
    try:
        agent.process.wait(timeout)
    finally:
        print(agent.output_text())
    return time.monotonic() - began


def assert_offline_everywhere(s: Servers) -> None:
    assert audian_statuses(s.audian)[-1] == "offline"
    last = cord_bodies(s.cord)[-1]
    assert last["absent"] is True and last["location"]["office"] == "remote"


def shutdown_inhibitor_taken(manager: Any) -> bool:
    calls = manager.GetMethodCalls("Inhibit", dbus_interface="org.freedesktop.DBus.Mock")
    return any(str(call[1][0]) == "shutdown" for call in calls)


def test_quit_reports_offline_before_exiting(agent_paths: Paths, logind: Any) -> None:
    with servers_with_secrets() as s:
        configure(agent_paths, s)
        agent = started(agent_paths, s)
        assert ipc.request(agent_paths.socket_path, {"cmd": "quit"})["ok"] is True
        exited(agent)
        assert_offline_everywhere(s)


def test_sigterm_reports_offline_before_exiting(agent_paths: Paths, logind: Any) -> None:
    with servers_with_secrets() as s:
        configure(agent_paths, s)
        agent = started(agent_paths, s)
        agent.process.send_signal(signal.SIGTERM)
        exited(agent)
        assert_offline_everywhere(s)


def test_logind_prepare_for_shutdown_reports_offline(agent_paths: Paths, logind: Any) -> None:
    with servers_with_secrets() as s:
        configure(agent_paths, s)
        agent = started(agent_paths, s)
        wait_until(lambda: shutdown_inhibitor_taken(logind), what="the shutdown inhibitor")
        logind.EmitSignal(MANAGER_IFACE, "PrepareForShutdown", "b", [dbus.Boolean(True)])
        exited(agent)
        assert_offline_everywhere(s)


def test_an_unanswering_server_holds_the_exit_about_three_seconds(
    agent_paths: Paths, logind: Any
) -> None:
    """What is not confirmed stays queued, and the next start's state supersedes it."""
    with servers_with_secrets() as s:
        configure(agent_paths, s, with_cord=False)
        agent = started(agent_paths, s, with_cord=False)
        s.audian.fail("slow", times=1, delay=20.0)
        agent.process.send_signal(signal.SIGTERM)
        took = exited(agent, timeout=15)
        assert 2.5 < took < 8.0, f"exit took {took:.1f}s"
        s.audian.clear()
        again = started(agent_paths, s, with_cord=False)
        try:
            assert audian_statuses(s.audian) == ["available"]  # never the stale "offline"
        finally:
            again.stop()


def test_offline_on_exit_can_be_turned_off(agent_paths: Paths, logind: Any) -> None:
    with servers_with_secrets() as s:
        configure(agent_paths, s, offline_on_exit=False)
        agent = started(agent_paths, s)
        agent.process.send_signal(signal.SIGTERM)
        exited(agent)
        assert "offline" not in audian_statuses(s.audian)
        assert not any(body.get("absent") for body in cord_bodies(s.cord))

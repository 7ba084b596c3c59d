"""Issue 15: the agent starting against Audian in each state a real account can be in.

A user who is logged out (Audian shows ``offline``), ``available``, and ``dnd`` set on a
desk phone before or after this agent's last report. Only the last is adopted (and
shown as set on another device); after every start idle-away and return still work
(real X idle through Xvfb and xdotool).
"""

from __future__ import annotations

import json
import shutil
import signal

import pytest

from agent.config.paths import Paths
from tests.agent_process import AgentRun, cli, journal
from tests.e2e.presence_rig import (
    NO_PULSE,
    Servers,
    audian_statuses,
    configure,
    move_mouse,
    servers_with_secrets,
)

pytestmark = pytest.mark.skipif(
    shutil.which("xdotool") is None, reason="needs xdotool (tests/system-deps.sh)"
)


def start(paths: Paths, s: Servers, first_status: str) -> AgentRun:
    move_mouse()
    agent = AgentRun.start(paths, NO_PULSE)
    agent.wait_alive(
        lambda: first_status in audian_statuses(s.audian), timeout=20, what="the start-up report"
    )
    return agent


def stop(agent: AgentRun) -> None:
    agent.process.send_signal(signal.SIGTERM)
    agent.process.wait(10)
    print(agent.output_text())


def snapshot() -> dict[str, object]:
    result = json.loads(cli("status", "--json").stdout)
    assert isinstance(result, dict)
    return result


def idle_away_and_back(agent: AgentRun, s: Servers) -> None:
    seen = len(audian_statuses(s.audian))
    agent.wait_alive(
        lambda: "away" in audian_statuses(s.audian)[seen:], timeout=15, what="idle away"
    )
    move_mouse()
    agent.wait_alive(
        lambda: audian_statuses(s.audian)[-1] == "available", timeout=5, what="back on input"
    )


def earlier_run(paths: Paths, s: Servers) -> None:
    """The agent ran before (it reported, then quit), so it has a last report."""
    stop(start(paths, s, "available"))
    assert audian_statuses(s.audian)[-1] == "offline"
    s.audian.clear()


@pytest.mark.parametrize("status", ["offline", "available"])
def test_a_logged_out_or_available_user_is_not_adopted(agent_paths: Paths, status: str) -> None:
    with servers_with_secrets() as s:
        if status == "offline":
            s.audian.user_signed_out()
        else:
            s.audian.set_elsewhere("available")
        configure(agent_paths, s, with_cord=False, away_after="3s")
        agent = start(agent_paths, s, "available")
        try:
            assert snapshot()["override"] is None
            assert s.audian.requests[0].method == "GET"  # it did look
            idle_away_and_back(agent, s)
        finally:
            stop(agent)


def test_dnd_set_before_the_last_report_is_not_adopted(agent_paths: Paths) -> None:
    with servers_with_secrets() as s:
        configure(agent_paths, s, with_cord=False, away_after="3s")
        earlier_run(agent_paths, s)
        s.audian.set_elsewhere("dnd", "Old", ago=3600)
        agent = start(agent_paths, s, "available")
        try:
            assert snapshot()["override"] is None
            idle_away_and_back(agent, s)
        finally:
            stop(agent)


def test_dnd_set_on_the_desk_phone_after_the_last_report_is_adopted(agent_paths: Paths) -> None:
    with servers_with_secrets() as s:
        configure(agent_paths, s, with_cord=False, away_after="3s")
        earlier_run(agent_paths, s)
        s.audian.set_elsewhere("dnd", "On the phone")
        agent = start(agent_paths, s, "dnd")
        try:
            state = snapshot()
            assert state["reason_text"] == "set on another device"
            assert state["override"] == {
                "status": "dnd",
                "message": "On the phone",
                "until": None,
                "origin": "audian",
            }
            assert journal(agent_paths)[-1]["status"] == "dnd"
            cli("clear")  # the next manual choice ends it
            agent.wait_alive(
                lambda: audian_statuses(s.audian)[-1] == "available", timeout=5, what="cleared"
            )
            idle_away_and_back(agent, s)
        finally:
            stop(agent)


def test_adoption_turned_off_does_not_even_look(agent_paths: Paths) -> None:
    with servers_with_secrets() as s:
        s.audian.set_elsewhere("dnd", "On the phone")
        configure(agent_paths, s, with_cord=False, adopt=False)
        agent = start(agent_paths, s, "available")
        try:
            assert snapshot()["override"] is None
            assert all(r.method == "POST" for r in s.audian.requests)
        finally:
            stop(agent)


def test_an_adopted_status_ends_at_its_own_expiry(agent_paths: Paths) -> None:
    with servers_with_secrets() as s:
        s.audian.set_elsewhere("busy", "Call on the desk phone", lasts=4)
        configure(agent_paths, s, with_cord=False)
        agent = start(agent_paths, s, "busy")
        try:
            override = snapshot()["override"]
            assert isinstance(override, dict) and override["until"] is not None
            agent.wait_alive(
                lambda: audian_statuses(s.audian)[-1] == "available", timeout=10, what="expiry"
            )
            assert snapshot()["override"] is None
        finally:
            stop(agent)

"""Issue 15: a backend that appears gets the current state at once; one that rejected
the state for a while (404) gets the latest state soon after it is fixed."""

from __future__ import annotations

import time

import pytest

from agent import ipc
from agent.config.paths import Paths
from tests.agent_process import cli, running_agent
from tests.e2e.presence_rig import (
    NO_PULSE,
    audian_statuses,
    configure,
    cord_bodies,
    servers_with_secrets,
)
from tests.support import wait_until


def test_a_backend_added_to_the_config_file_gets_the_current_state_within_2_s(
    agent_paths: Paths,
) -> None:
    with servers_with_secrets() as s:
        configure(agent_paths, s, with_cord=False)
        with running_agent(agent_paths, NO_PULSE) as agent:
            agent.wait_alive(
                lambda: "available" in audian_statuses(s.audian), timeout=20, what="start-up"
            )
            cli("set", "busy", "--message", "Focus")
            agent.wait_alive(lambda: "busy" in audian_statuses(s.audian), timeout=5, what="busy")
            configure(agent_paths, s, with_cord=True)  # as Settings or an editor writes it
            asked = time.monotonic()
            assert ipc.request(agent_paths.socket_path, {"cmd": "reload"})["ok"] is True
            agent.wait_alive(lambda: cord_bodies(s.cord), timeout=2, what="Cord's first report")
            print(f"added backend reported {time.monotonic() - asked:.2f}s after the reload")
            # busy is present at the desk: Cord hears where the user is
            assert cord_bodies(s.cord)[0]["location"]["office"] == "remote"
            assert audian_statuses(s.audian).count("busy") == 1  # the others are not re-sent


@pytest.mark.parametrize(
    ("answer", "seconds", "retry_cap"),
    [
        ("404", 20.0, "5m"),  # the case, with the default backoff
        ("308", 5.0, "2s"),  # a redirect (never followed) for a while
    ],
)
def test_a_server_rejecting_for_a_while_gets_the_latest_state_within_60_s(
    agent_paths: Paths, answer: str, seconds: float, retry_cap: str
) -> None:
    with servers_with_secrets() as s:
        configure(agent_paths, s, with_cord=False, retry_cap=retry_cap)
        with running_agent(agent_paths, NO_PULSE) as agent:
            agent.wait_alive(
                lambda: "available" in audian_statuses(s.audian), timeout=20, what="start-up"
            )
            s.audian.fail_for(answer, seconds)  # e.g. an endpoint moved, then moved back
            began = time.monotonic()
            cli("set", "dnd", "--message", "Deep work")
            wait_until(
                lambda: any(r.status == int(answer) for r in s.audian.requests),
                what="the rejection",
            )
            cli("set", "busy", "--message", "Latest")  # the state moves on meanwhile
            agent.wait_alive(
                lambda: audian_statuses(s.audian)[-1:] == ["busy"],
                timeout=60 - (time.monotonic() - began),
                what="the latest state after the server recovered",
            )
            took = time.monotonic() - began
            print(f"latest state accepted {took:.1f}s after the {answer}s began")
            assert s.audian.presence["customMessage"] == "Latest"
            status = ipc.request(agent_paths.socket_path, {"cmd": "status"})["snapshot"]
            wait_until(
                lambda: (
                    ipc.request(agent_paths.socket_path, {"cmd": "status"})["snapshot"]["backends"][
                        "audian"
                    ]["state"]
                    == "ok"
                ),
                what="audian ok again",
            )
            assert status["backends"]["audian"]["queue_depth"] >= 0


def test_a_backend_whose_secret_is_replaced_gets_the_current_state(agent_paths: Paths) -> None:
    with servers_with_secrets() as s:
        configure(agent_paths, s, with_cord=False)
        with running_agent(agent_paths, NO_PULSE) as agent:
            agent.wait_alive(
                lambda: "available" in audian_statuses(s.audian), timeout=20, what="start-up"
            )
            cli("set", "dnd")
            agent.wait_alive(lambda: "dnd" in audian_statuses(s.audian), timeout=5, what="dnd")
            s.audian.presence.update(status="available")  # e.g. the new token's account
            cli("secret", "set", "audian", "api_token", stdin="audian-token\n")
            agent.wait_alive(
                lambda: audian_statuses(s.audian).count("dnd") == 2, timeout=2, what="dnd again"
            )
            assert s.audian.presence["status"] == "dnd"

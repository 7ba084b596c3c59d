"""A running agent that reloads a broken file keeps its last good configuration and says so."""

from __future__ import annotations

from typing import Any

from agent.config.paths import Paths
from agent.ipc import AgentNotRunning, request
from tests.agent_process import running_agent, write_config

GOOD = '[schedule]\nenabled = false\n\n[[backends]]\nname = "mine"\ntype = "local"\n'
BROKEN = GOOD + '\n[idle]\naway_after = "soon"\n'


def ask(paths: Paths, message: dict[str, Any]) -> dict[str, Any]:
    reply = request(paths.socket_path, message)
    assert reply["ok"], reply
    return reply


def answers(paths: Paths) -> bool:
    try:
        return bool(request(paths.socket_path, {"cmd": "status"})["ok"])
    except AgentNotRunning:
        return False


def test_broken_reload_keeps_the_last_good_config_and_says_so(agent_paths: Paths) -> None:
    write_config(agent_paths, GOOD)
    with running_agent(agent_paths) as agent:
        agent.wait_alive(lambda: answers(agent_paths), 20, "the agent to answer")
        assert "mine" in ask(agent_paths, {"cmd": "status"})["snapshot"]["backends"]

        write_config(agent_paths, BROKEN)
        problems = ask(agent_paths, {"cmd": "reload"})["problems"]
        assert any(f"{agent_paths.config_file}:9 idle.away_after" in p for p in problems)
        snapshot = ask(agent_paths, {"cmd": "status"})["snapshot"]
        assert snapshot["config"]["problems"] == problems
        assert "mine" in snapshot["backends"]  # still running on the last good file

        write_config(agent_paths, GOOD)
        assert "problems" not in ask(agent_paths, {"cmd": "reload"})
        assert ask(agent_paths, {"cmd": "status"})["snapshot"]["config"]["problems"] == []
    log = (agent_paths.log_dir / "agent.log").read_text(encoding="utf-8")
    assert "keeping the last good configuration" in log
    assert agent.process.returncode == 0, agent.output_text()

"""The agent's own history of reported changes, served as the ``history`` request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agent import ipc
from agent.config.paths import Paths
from agent.core.model import PresenceChange, PresenceState, Status
from agent.history import ChangeHistory
from tests.agent_process import cli, running_agent, write_config

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def change(minute: int, status: Status, reason: str = "manual") -> PresenceChange:
    return PresenceChange(
        PresenceState(status, message=f"m{minute}", reason=reason),
        None,
        START + timedelta(minutes=minute),
    )


def test_newest_first_and_bounded() -> None:
    history = ChangeHistory(limit=3)
    assert history.newest(8) == []
    for minute, status in enumerate((Status.BUSY, Status.AWAY, Status.DND, Status.AVAILABLE)):
        history.record(change(minute, status, "rule:idle"), f"idle for {minute} min")
    newest = history.newest(8)
    assert [c["status"] for c in newest] == ["available", "dnd", "away"]
    assert newest[0] == {
        "at": (START + timedelta(minutes=3)).isoformat(),
        "status": "available",
        "message": "m3",
        "reason": "rule:idle",
        "reason_text": "idle for 3 min",
    }
    assert len(history.newest(1)) == 1 and history.newest(0) == []


def test_the_running_agent_serves_its_history_without_a_local_backend(
    agent_paths: Paths,
) -> None:
    """No ``local`` journal here: the history comes from the agent itself."""
    write_config(
        agent_paths,
        '[schedule]\nenabled = false\n\n[[backends]]\nname = "hook"\ntype = "webhook"\n'
        'base_url = "http://127.0.0.1:9/hook"\n',
    )
    with running_agent(agent_paths) as agent:
        agent.wait_alive(agent_paths.socket_path.exists, timeout=20, what="the agent's socket")
        for status in ("busy", "dnd"):
            cli("set", status, "--message", f"m-{status}")
        reply = ipc.request(agent_paths.socket_path, {"cmd": "history", "limit": 2})
        assert reply["ok"]
        changes = reply["changes"]
        assert [c["status"] for c in changes] == ["dnd", "busy"]
        assert changes[0]["reason"] == "manual" and changes[0]["message"] == "m-dnd"
        assert changes[0]["reason_text"].startswith("set by you")
        bad = ipc.request(agent_paths.socket_path, {"cmd": "history", "limit": "lots"})
        assert bad["ok"] is False and bad["code"] == 2 and "limit" in bad["error"]
    assert not agent_paths.journal_file.exists()

"""The command line as users run it: a real ``python -m agent`` process, real exit codes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent import ipc
from agent.config.paths import Paths
from tests.platform.loop_thread import LoopThread
from tests.support import run_cli as cli


class FakeAgent:
    """A real IPC server on its own loop thread, answering like the agent would."""

    def __init__(self, path: Path, loop: LoopThread) -> None:
        self.path = path
        self.requests: list[dict[str, Any]] = []
        self.loop = loop
        self.server = loop.run(ipc.serve(path, self.handle))

    async def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        if request.get("cmd") == "pin" and request.get("location") == "nowhere":
            return {"ok": False, "error": "unknown location 'nowhere'", "code": 2}
        snapshot = {
            "status": "busy",
            "label": "Busy",
            "message": "focus",
            "reason_text": "set by you until 14:30",
            "backends": {"local": {"type": "local", "state": "ok", "queue_depth": 0}},
        }
        return {"ok": True, "snapshot": snapshot}

    def close(self) -> None:
        """Stop listening; the ``loop`` fixture ends the loop thread."""
        self.loop.loop.call_soon_threadsafe(self.server.close)


@pytest.fixture
def fake_agent(agent_paths: Paths, loop: LoopThread) -> Iterator[FakeAgent]:
    agent = FakeAgent(agent_paths.socket_path, loop)
    yield agent
    agent.close()


def test_version_and_usage_errors() -> None:
    from agent import __version__

    done = cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"presence-agent {__version__}"
    assert cli().returncode == 2
    assert cli("frobnicate").returncode == 2
    assert cli("secret").returncode == 2


def test_without_an_agent_status_set_clear_exit_3(agent_paths: Paths) -> None:
    for args in (("status",), ("status", "--json"), ("set", "busy"), ("clear",), ("pause", "1h")):
        done = cli(*args)
        assert done.returncode == 3, args
        assert "agent is not running" in done.stderr


def test_set_checks_its_input_before_asking_the_agent(agent_paths: Paths) -> None:
    bad_status = cli("set", "sleeping")
    assert bad_status.returncode == 2 and "unknown status 'sleeping'" in bad_status.stderr
    bad_for = cli("set", "busy", "--for", "a while")
    assert bad_for.returncode == 2 and "is not a duration" in bad_for.stderr


def test_commands_reach_the_running_agent(agent_paths: Paths, fake_agent: FakeAgent) -> None:
    done = cli("set", "Do not disturb", "--message", "focus", "--for", "30m")
    assert done.returncode == 0, done.stderr
    assert "Busy (set by you until 14:30): focus" in done.stdout
    assert cli("status").returncode == 0
    assert '"status": "busy"' in cli("status", "--json").stdout
    assert cli("clear").returncode == 0
    assert cli("pin", "auto").returncode == 0
    refused = cli("pin", "nowhere")
    assert refused.returncode == 2 and "unknown location" in refused.stderr
    assert fake_agent.requests[0] == {
        "cmd": "set",
        "status": "dnd",
        "message": "focus",
        "for": "30m",
    }
    assert {"cmd": "clear"} in fake_agent.requests
    assert {"cmd": "pin", "location": None} in fake_agent.requests


def test_config_check_path_and_show(agent_paths: Paths, tmp_path: Path) -> None:
    assert cli("config", "path").stdout.strip() == str(agent_paths.config_file)
    missing = cli("config", "check")
    assert missing.returncode == 0 and "built-in defaults" in missing.stdout
    good = tmp_path / "good.toml"
    good.write_text('[idle]\naway_after = "7m"\n')
    assert cli("config", "check", str(good)).returncode == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('[idle]\naway_after = "7 minutes"\n')
    checked = cli("config", "check", str(bad))
    assert checked.returncode == 2
    assert f"{bad}:2 idle.away_after:" in checked.stderr
    assert cli("config", "check", str(tmp_path / "nope.toml")).returncode == 2
    agent_paths.config_file.write_text('[idle]\naway_after = "7m"\n')
    agent_paths.policy_file.write_text('[enforced]\nLocationMode = "site"\n')
    shown = cli("config", "show", "--origin").stdout.splitlines()
    assert any(
        line.startswith("idle.away_after") and '"7m"' in line and "[user]" in line for line in shown
    )
    assert any(line.startswith("location.mode") and "[enforced]" in line for line in shown)
    assert any(line.startswith("schedule.start") and "[default]" in line for line in shown)


def test_config_check_fails_on_a_bad_policy(agent_paths: Paths) -> None:
    agent_paths.policy_file.write_text("[enforced]\nNoSuchPolicy = 1\n")
    done = cli("config", "check")
    assert done.returncode == 2 and "NoSuchPolicy: unknown policy key" in done.stderr


@pytest.mark.parametrize(
    ("args", "heavy"),
    [
        (["status"], ("httpx", "PySide6", "keyring", "tomllib")),
        # The file's URLs are checked with the backends' url_problem, without httpx.
        (["config", "check"], ("httpx", "PySide6", "keyring")),
    ],
)
def test_quick_commands_do_not_load_heavy_libraries(
    agent_paths: Paths, args: list[str], heavy: tuple[str, ...]
) -> None:
    agent_paths.config_file.write_text(
        '[[backends]]\nname = "hook"\ntype = "webhook"\nbase_url = "http://127.0.0.1:9/x"\n'
    )
    code = (
        "import sys\n"
        "from agent.cli.main import main\n"
        f"main({args!r})\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr


def test_doctor_reports_every_section_and_blocks_on_a_bad_config(agent_paths: Paths) -> None:
    agent_paths.config_file.write_text("[idle]\nnope = 1\n")
    done = cli("doctor")
    assert done.returncode == 1
    for section in ("== config", "== keyring", "== detectors", "== backends", "== agent"):
        assert section in done.stdout
    assert "idle.nope: unknown key" in done.stdout
    assert "local (local): reachable" in done.stdout
    assert "not running" in done.stdout


@pytest.mark.linux_only  # DISPLAY; and AutoStart = always would write a real HKCU Run value
def test_run_without_display_falls_back_to_headless(agent_paths: Paths, tmp_path: Path) -> None:
    import os

    from tests.support import wait_until

    agent_paths.policy_file.write_text('[enforced]\nAutoStart = "always"\n')
    xdg = tmp_path / "xdg"
    # The entry must point at an installed agent, never into this checkout: a stand-in.
    installed = tmp_path / "bin" / "presence-agent"
    installed.parent.mkdir()
    installed.write_text("#!/bin/sh\n")
    installed.chmod(0o755)
    env = {
        **os.environ,
        "DISPLAY": "",
        "WAYLAND_DISPLAY": "",
        "XDG_CONFIG_HOME": str(xdg),
        "PATH": f"{installed.parent}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.Popen(
        [sys.executable, "-m", "agent", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: cli("status").returncode == 0, timeout=20, what="headless agent")
    finally:
        done.terminate()
        out, err = done.communicate(timeout=20)
    assert "no graphical display" in err and "running headless" in err
    # AutoStart = always is applied when the agent starts.
    assert (xdg / "autostart" / "presence-agent.desktop").exists()
    assert "AutoStart = always" in out


def test_run_config_points_the_agent_at_another_file(agent_paths: Paths, tmp_path: Path) -> None:
    from agent.ipc import AgentNotRunning
    from tests.agent_process import AgentRun

    other = tmp_path / "elsewhere.toml"
    other.write_text(
        '[schedule]\nenabled = false\n\n[[backends]]\nname = "elsewhere"\ntype = "local"\n'
    )

    def snapshot() -> dict[str, Any] | None:
        try:
            return ipc.request(agent_paths.socket_path, {"cmd": "status"}).get("snapshot")
        except AgentNotRunning:
            return None

    run = AgentRun.start(agent_paths, args=["--config", str(other)])
    try:
        shown = run.wait_alive(snapshot, 20, "the agent on elsewhere.toml")
    finally:
        run.stop()
    assert shown["config"]["path"] == str(other)
    assert list(shown["backends"]) == ["elsewhere"]


def test_autostart_launch_obeys_policy_never(agent_paths: Paths) -> None:
    agent_paths.policy_file.write_text('[enforced]\nAutoStart = "never"\n')
    result = cli("run", "--headless", "--autostart")
    assert result.returncode == 0
    assert not agent_paths.socket_path.exists()


def test_autostart_launch_leaves_a_running_agent_alone(fake_agent: FakeAgent) -> None:
    result = cli("run", "--headless", "--autostart")
    assert result.returncode == 0
    assert fake_agent.requests == [{"cmd": "status"}]

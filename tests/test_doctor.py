"""``presence-agent doctor`` blocks on a backend the user's presence cannot reach (issue 19)."""

from __future__ import annotations

import socket
import uuid

from agent.backends.http import host_and_port
from agent.config.paths import Paths
from agent.doctor import one_line
from agent.secrets import SecretStore
from tests.support import run_cli as cli


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_backend_is_a_blocking_problem_naming_host_and_port(
    agent_paths: Paths,
) -> None:
    name = f"hook-{uuid.uuid4().hex[:6]}"
    port = closed_port()
    agent_paths.config_file.write_text(
        f'[[backends]]\nname = "{name}"\ntype = "webhook"\n'
        f'base_url = "http://127.0.0.1:{port}/presence"\n'
    )
    SecretStore().set(name, "signing_secret", "whsec-doctor")
    try:
        done = cli("doctor", env={"DISPLAY": ":919"})  # no X server there: pynput's long error
    finally:
        SecretStore().delete(name, "signing_secret")
    assert done.returncode == 1, done.stdout
    problem = next(line for line in done.stdout.splitlines() if "PROBLEM" in line)
    assert f"{name} (webhook): unreachable" in problem and f"127.0.0.1:{port}" in problem
    assert "1 blocking problem(s)." in done.stdout
    detectors = done.stdout.split("== detectors", 1)[1].split("== backends", 1)[0]
    for line in detectors.splitlines()[1:]:  # every line is a signal or one of its sources
        assert line.startswith("  ") and line.strip(), repr(line)
    assert "Try one of the following resolutions" not in done.stdout + done.stderr


def test_address_and_one_line() -> None:
    assert host_and_port("https://api.audian.com/v2") == "api.audian.com:443"
    assert host_and_port("http://127.0.0.1:8080/x") == "127.0.0.1:8080"
    assert host_and_port("https://[::1]:9/") == "[::1]:9"
    assert one_line("first\n\nTry one of the following") == "first"
    assert one_line("x" * 500).endswith("…") and len(one_line("x" * 500)) == 200


def test_a_missing_secret_names_its_command_once(agent_paths: Paths) -> None:
    agent_paths.config_file.write_text(
        '[[backends]]\nname = "nosecret"\ntype = "webhook"\nbase_url = "http://127.0.0.1:9/"\n'
    )
    done = cli("doctor")
    assert done.returncode == 1
    line = next(line for line in done.stdout.splitlines() if "nosecret (webhook)" in line)
    assert line.count("presence-agent secret set nosecret signing_secret") == 1, line

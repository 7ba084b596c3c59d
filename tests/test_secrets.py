"""The secret store against the real Secret Service (gnome-keyring from tests/session.sh)."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.config.paths import Paths
from agent.secrets import NoKeyringError, SecretStore
from tests.agent_process import AgentRun
from tests.servers.webhook import WebhookServer
from tests.support import run_cli as cli
from tests.support import wait_until

pytestmark = pytest.mark.skipif(
    not os.environ.get("PA_IN_SESSION"), reason="needs the keyring session of tests/session.sh"
)


def test_round_trip_in_gnome_keyring() -> None:
    store = SecretStore()
    assert "SecretService" in store.describe()
    backend = f"b-{uuid.uuid4().hex[:8]}"
    store.set(backend, "api_token", "value-1")
    assert store.get(backend, "api_token") == "value-1"
    assert (backend, "api_token") in store.list()
    assert store.delete(backend, "api_token") is True
    assert store.get(backend, "api_token") is None
    assert (backend, "api_token") not in store.list()
    assert store.delete(backend, "api_token") is False
    # Stored where other tools find it: service presence-agent, user <backend>/<field>.
    store.set(backend, "password", "value-2")
    lookup = subprocess.run(
        ["secret-tool", "lookup", "service", "presence-agent", "username", f"{backend}/password"],
        capture_output=True,
        text=True,
        check=False,
    )
    if lookup.returncode != 127:
        assert lookup.stdout.strip() == "value-2"
    store.delete(backend, "password")


def test_only_the_fail_keyring_gives_an_actionable_error() -> None:
    from keyring.backends import fail

    with pytest.raises(NoKeyringError) as caught:
        SecretStore(fail.Keyring()).get("x", "token")
    assert "gnome-keyring" in str(caught.value) and "keyrings.alt" in str(caught.value)


def _configure(paths: Paths, *names: str) -> None:
    """A config with a Cord backend per name (its secret fields: project_secret, token)."""
    paths.config_file.write_text(
        "".join(
            f'[[backends]]\nname = "{n}"\ntype = "cord"\nbase_url = "http://127.0.0.1:9/"\n'
            'project_id = "p"\nuser_id = "u"\n'
            for n in names
        )
    )


def test_cli_without_a_usable_keyring_fails_with_the_fix(agent_paths: Paths) -> None:
    only_fail = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    _configure(agent_paths, "hook")
    for args, stdin in ((("set", "hook", "token"), "plain-value\n"), (("list",), "")):
        done = cli("secret", *args, stdin=stdin, env=only_fail)
        assert done.returncode == 1 and "No usable keyring" in done.stderr
        assert "gnome-keyring" in done.stderr
    written = [p for p in agent_paths.config_file.parent.rglob("*") if p.is_file()]
    assert not any("plain-value" in p.read_text(errors="replace") for p in written)


def test_cli_secret_commands(agent_paths: Paths) -> None:
    backend = f"c-{uuid.uuid4().hex[:8]}"
    _configure(agent_paths, backend)
    stored = cli("secret", "set", backend, "token", stdin="s3cret-from-stdin\n")
    assert stored.returncode == 0, stored.stderr
    assert "s3cret" not in stored.stdout + stored.stderr
    assert SecretStore().get(backend, "token") == "s3cret-from-stdin"
    listed = cli("secret", "list")
    assert f"{backend}/token" in listed.stdout and "s3cret" not in listed.stdout
    assert cli("secret", "set", backend, "token", stdin="").returncode == 2
    assert cli("secret", "delete", backend, "token").returncode == 0
    assert cli("secret", "delete", backend, "token").returncode == 1


def test_secret_typed_on_a_terminal_is_not_echoed(agent_paths: Paths) -> None:
    import pty
    import select
    import sys

    backend = f"t-{uuid.uuid4().hex[:8]}"
    _configure(agent_paths, backend)
    typed = f"typed-{uuid.uuid4().hex}"
    pid, fd = pty.fork()  # the child's controlling terminal is this pty, as in a shell
    if pid == 0:
        os.execv(sys.executable, [sys.executable, "-m", "agent", "secret", "set", backend, "token"])
    seen = b""

    def read_until(done: Callable[[bytes], bool], timeout: float = 20) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while not done(seen) and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    chunk = os.read(fd, 1024)
                except OSError:  # EIO: the child closed the terminal
                    return
                if not chunk:
                    return
                seen += chunk

    try:
        read_until(lambda out: b"(not shown)" in out)
        assert b"(not shown)" in seen, seen
        os.write(fd, typed.encode() + b"\n")
        read_until(lambda out: False, timeout=20)  # to the end of the child's output
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert typed.encode() not in seen
    assert SecretStore().get(backend, "token") == typed
    SecretStore().delete(backend, "token")


def test_no_secret_reaches_the_log(agent_paths: Paths) -> None:
    """Run the agent with a keyring secret in use, then grep every log file for it."""
    secret = f"whsec-{uuid.uuid4().hex}"
    with WebhookServer(secret=secret) as server:
        agent_paths.config_file.write_text(
            f"""[general]
log_level = "debug"

[[backends]]
name = "hook"
type = "webhook"
base_url = "{server.base_url}"
"""
        )
        assert cli("secret", "set", "hook", "signing_secret", stdin=secret).returncode == 0
        run = AgentRun.start(agent_paths)
        try:
            # Accepted means signed with the keyring secret: the secret was really used.
            wait_until(lambda: server.accepted, timeout=20, what="a signed webhook request")
            assert cli("set", "busy", "--message", "focus", "--for", "30m").returncode == 0
            wait_until(lambda: "focus" in cli("status").stdout, timeout=10, what="busy")
        finally:
            run.stop()
    logs = "".join(p.read_text() for p in Path(agent_paths.log_dir).glob("agent.log*"))
    assert "hook" in logs  # the log really covers the run
    assert secret not in logs
    assert secret not in run.output_text()
    SecretStore().delete("hook", "signing_secret")

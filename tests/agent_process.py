"""The real headless agent as a subprocess, for end-to-end tests.

Every path comes from the ``agent_paths`` fixture, which exports them to the child
through ``PRESENCE_AGENT_*``; tests read what the agent did from the ``local``
backend's journal or from a loopback server, and always wait with a deadline. The
agent's own output goes to a file that is printed when the run ends, so a failing
test shows it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from agent.config.paths import Paths
from tests.servers.webhook import WebhookServer
from tests.support import ROOT, run_cli, wait_until

T = TypeVar("T")

WEBHOOK = """
[[backends]]
name = "local"
type = "local"

[[backends]]
name = "hook"
type = "webhook"
base_url = "{url}"
user_id = "u-1"
"""
"""The backends for :func:`signed_webhook`: the journal is kept beside the webhook."""


def write_config(paths: Paths, text: str) -> None:
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(text, encoding="utf-8")


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``presence-agent ARGS`` in a subprocess; it must succeed."""
    done = run_cli(*args, stdin=stdin, timeout=30)
    assert done.returncode == 0, done.stderr
    return done


def journal(paths: Paths) -> list[dict[str, Any]]:
    """The ``local`` backend's journal, one dict a change (empty before the first)."""
    try:
        text = paths.journal_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def statuses(paths: Paths) -> list[Any]:
    return [entry["status"] for entry in journal(paths)]


@dataclass
class AgentRun:
    """One ``python -m agent run --headless``; its stdout and stderr go to ``output``."""

    paths: Paths
    process: subprocess.Popen[bytes]
    output: Path

    @classmethod
    def start(
        cls, paths: Paths, env: Mapping[str, str] | None = None, args: Sequence[str] = ()
    ) -> AgentRun:
        """Start the agent on the config already written to ``paths`` (output appended).

        ``args`` go after ``run --headless`` (e.g. ``--config PATH``).
        """
        output = paths.log_dir / "agent-output.txt"
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("ab") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "agent", "run", "--headless", *args],
                cwd=ROOT,
                stdout=sink,
                stderr=sink,
                env={**os.environ, **(env or {})},
            )
        return cls(paths, process, output)

    def stop(self) -> int:
        """SIGTERM (a clean shutdown), SIGKILL if it has not exited within 10 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)

    def kill(self) -> None:
        """SIGKILL: a crash, nothing flushed or closed."""
        self.process.kill()
        self.process.wait()

    def output_text(self) -> str:
        return self.output.read_text(errors="replace") if self.output.exists() else ""

    def wait_alive(self, condition: Callable[[], T], timeout: float, what: str) -> T:
        """Wait for ``condition`` like ``wait_until``, but fail at once if the agent exits."""
        value: T | None = None

        def done() -> bool:
            nonlocal value
            value = condition()
            return bool(value) or self.process.poll() is not None

        wait_until(done, timeout=timeout, what=what)
        assert self.process.poll() is None, f"the agent exited:\n{self.output_text()}"
        assert value
        return value


@contextmanager
def running_agent(paths: Paths, env: Mapping[str, str] | None = None) -> Iterator[AgentRun]:
    """The agent on the config already written to ``paths``; always stopped afterwards."""
    run = AgentRun.start(paths, env)
    try:
        yield run
    finally:
        run.stop()
        print(run.output_text())  # shown when the test fails


@contextmanager
def signed_webhook() -> Iterator[WebhookServer | None]:
    """A strict webhook receiver for backend ``hook``, only inside tests/session.sh.

    Its signing secret goes to that session's throw-away keyring, never to the
    developer's own; outside it there is no receiver (``None``).
    """
    if not os.environ.get("PA_IN_SESSION"):
        yield None
        return
    from agent.secrets import SecretStore

    with WebhookServer() as server:
        SecretStore().set("hook", "signing_secret", server.secret)
        yield server

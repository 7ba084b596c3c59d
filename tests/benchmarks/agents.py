"""Agent processes under measurement, each reporting to its own loopback Audian server.

An :class:`Agent` is a real ``presence-agent run [--headless]`` process with private
paths (``PRESENCE_AGENT_*``) and a config written for the benchmark. Its backend is
the Audian contract server from ``tests/servers``; :class:`Backend` stamps each
accepted presence POST with ``time.monotonic()`` on arrival, which is what every
"start to first report" and reaction time is measured against.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.benchmarks.desktop import Desktop, stop
from tests.servers.audian import AudianServer
from tests.servers.base import Recorded
from tests.support import wait_until

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "audian-token"
BACKEND = "audian"


@dataclass(frozen=True)
class AgentSettings:
    """The knobs the benchmarks turn; everything else is the agent's default."""

    away_after: str = "5m"
    hold_after: str = "15s"
    lock_is_away: bool = True
    location: bool = True  # off: no re-reads of the network on other processes' changes


def config_text(settings: AgentSettings, base_url: str) -> str:
    # The schedule is off so a benchmark run at night or on a weekend is not "after hours".
    location = "" if settings.location else '[location]\nmode = "off"\n\n'
    return f"""
[idle]
away_after = "{settings.away_after}"
lock_is_away = {"true" if settings.lock_is_away else "false"}

[schedule]
enabled = false

{location}[call]
hold_after = "{settings.hold_after}"

[[backends]]
name = "{BACKEND}"
type = "audian"
base_url = "{base_url}"
account_id = "acc_1234567890"
user_id = "user_123456"
"""


class Backend:
    """A loopback Audian server that remembers when each status arrived."""

    def __init__(self) -> None:
        self.server = AudianServer(token=TOKEN)
        self._arrivals: list[tuple[float, str]] = []
        self._changed = threading.Condition()
        self.server.on_request = self._on_request

    def __enter__(self) -> Backend:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    def _on_request(self, request: Recorded) -> None:
        now = time.monotonic()
        if request.method != "POST" or not request.path.endswith("/presence"):
            return
        if not 200 <= request.status < 300:
            return
        with self._changed:
            self._arrivals.append((now, str(request.json["status"])))
            self._changed.notify_all()

    @property
    def arrivals(self) -> list[tuple[float, str]]:
        with self._changed:
            return list(self._arrivals)

    def wait_status(self, status: str | None, since: float, timeout: float = 15.0) -> float:
        """When ``status`` (any if None) first arrived at or after ``since``; waits for it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for at, seen in self._arrivals:
                    if at >= since and status in (None, seen):
                        return at
                left = deadline - time.monotonic()
                if left <= 0:
                    got = [s for at, s in self._arrivals if at >= since]
                    raise TimeoutError(f"no {status!r} report within {timeout:g}s (got {got})")
                self._changed.wait(left)


def store_secret(desktop: Desktop) -> None:
    """The Audian token, into the session's keyring through the agent's own secret store.

    Not ``secret set``: it refuses a backend that no config names yet, and each agent
    here writes its own config later.
    """
    store = (
        "import sys; from agent.secrets import SecretStore; "
        "SecretStore().set(sys.argv[1], sys.argv[2], sys.stdin.read())"
    )
    subprocess.run(
        [sys.executable, "-c", store, BACKEND, "api_token"],
        input=TOKEN.encode(),
        check=True,
        capture_output=True,
        timeout=30,
        cwd=ROOT,
        env=desktop.env(),
    )


class Agent:
    """One agent process with its own paths, config and backend."""

    def __init__(
        self,
        workdir: Path,
        desktop: Desktop,
        backend: Backend,
        settings: AgentSettings = AgentSettings(),
        tray: bool = False,
        command: list[str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.desktop = desktop
        self.backend = backend
        self.tray = tray
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "config.toml").write_text(
            config_text(settings, backend.server.base_url), encoding="utf-8"
        )
        base = command or [sys.executable, "-m", "agent"]
        self.command = [*base, "run"] + ([] if tray else ["--headless"])
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self._service_pid: int | None = None

    def env(self) -> dict[str, str]:
        env = self.desktop.env()
        work = self.workdir
        env.update(
            PRESENCE_AGENT_CONFIG=str(work / "config.toml"),
            PRESENCE_AGENT_DATA_DIR=str(work / "data"),
            PRESENCE_AGENT_LOG_DIR=str(work / "logs"),
            PRESENCE_AGENT_RUNTIME_DIR=str(work / "run"),
            PRESENCE_AGENT_POLICY_FILE=str(work / "policy.toml"),
        )
        return env

    def start(self) -> float:
        """Start the process; returns the monotonic instant just before it was spawned."""
        env = self.env()
        stderr = (self.workdir / "stderr.txt").open("wb")
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            self.command, env=env, cwd=ROOT, stdout=stderr, stderr=stderr
        )
        stderr.close()
        return self.started

    @property
    def pid(self) -> int:
        assert self.process is not None, "start() first"
        return self.process.pid

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"agent exited with {self.process.returncode}: {self.tail()}")

    def tail(self, lines: int = 5) -> str:
        try:
            text = (self.workdir / "stderr.txt").read_text(errors="replace")
        except OSError:
            return ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def first_report(self, timeout: float = 20.0) -> float:
        """Seconds from spawn to the first presence report (any status) at the backend."""
        try:
            at = self.backend.wait_status(None, self.started, timeout)
        except TimeoutError:
            self.check_alive()
            raise
        return at - self.started

    def _ask_pid(self) -> int | None:
        from agent import ipc

        try:
            reply = ipc.request(self.workdir / "run" / "agent.sock", {"cmd": "status"}, 2.0)
            return int(reply["snapshot"]["pid"])
        except (ipc.AgentNotRunning, OSError, ValueError, KeyError, TypeError):
            return None

    def service_pid(self, timeout: float = 20.0) -> int:
        """The process running the service: this one, or the agent the tray started.

        The tray is a thin client: it starts ``run --headless`` in a session of its
        own and talks to it over the socket, whose status reply names its pid.
        """
        if not self.tray:
            return self.pid
        if self._service_pid is None:
            self._service_pid = wait_until(self._ask_pid, timeout, what="the tray's agent")
        return self._service_pid

    def stop(self) -> None:
        if self.process is None:
            return
        service = self._service_pid or (self._ask_pid() if self.tray else None)
        stop(self.process, timeout=10)
        if service is not None and service != self.process.pid:
            self._stop_leftover(service)

    def _stop_leftover(self, pid: int) -> None:
        """The tray asks its agent to quit; if it is still there, stop it (ours: our paths)."""
        cmdline = Path(f"/proc/{pid}/cmdline")
        try:
            wait_until(lambda: not cmdline.exists(), timeout=5, what="the tray's agent to exit")
            return
        except AssertionError:
            pass
        try:
            if str(self.workdir) in cmdline.read_bytes().decode(errors="replace"):
                os.kill(pid, signal.SIGTERM)
        except (OSError, ProcessLookupError):
            pass

    def __enter__(self) -> Agent:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

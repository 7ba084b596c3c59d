"""The real headless agent against a hostile server: what it sends, how big it gets.

Shared by the end-to-end test (which asserts) and ``make bench`` (which reports).
The agent runs on a config with one webhook backend pointing at
:class:`tests.servers.hostile.HostileServer` and one broken ``[[locations]]``
entry (which it must drop, alone, and report). For each misbehaviour the server
takes, a status is set through the CLI and the requests are counted over a short
real window (a measurement, not synchronisation) while the agent's RSS is sampled;
then the server recovers and the status set after it must arrive.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.config.paths import Paths
from tests.agent_process import AgentRun
from tests.servers.hostile import HostileServer
from tests.support import run_cli, wait_until

CONFIG = """
[idle]
away_after = "24h"

[schedule]
enabled = false

[delivery]
retry_cap = "5s"

[[locations]]
id = "hq"
subnet = "10.0.0.0/8"

[[backends]]
name = "hook"
type = "webhook"
base_url = "{url}"
user_id = "u-1"
"""
"""``subnet`` must be an array: that location is dropped, the webhook must still work.

``retry_cap`` is short so that each recovery (which waits out the backoff: a new
status does not cut it short) is quick; 30 requests a minute hold at any cap."""

# (mode, window in seconds). Each phase starts on a fresh backoff (the recovery before
# it was a success), so every mode is judged from its first, fastest retries.
PHASES: tuple[tuple[str, float], ...] = (
    ("huge", 10.0),
    ("429", 15.0),
    ("500", 15.0),
    ("redirect", 4.0),
    ("reset", 8.0),
    ("malformed", 8.0),
)
STATUSES = ("busy", "dnd")


@dataclass
class Phase:
    mode: str
    window: float
    requests: int
    peak_rss_kb: int
    shortest_gap: float  # between two requests of the phase (inf with fewer than two)
    recovery_seconds: float  # from the server's recovery to the next status arriving

    @property
    def per_minute(self) -> float:
        return self.requests * 60.0 / self.window


@dataclass
class Figures:
    steady_rss_kb: int = 0
    phases: list[Phase] = field(default_factory=list)
    busiest_minute: int = 0  # most requests to the failing server in any 60 s
    after_rss_kb: int = 0
    status_text: str = ""
    bad_for_reply: dict[str, Any] = field(default_factory=dict)
    flood_ok: int = 0
    flood_tries: int = 0
    output: str = ""


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def run_scenario(paths: Paths, env: Mapping[str, str], scale: float = 1.0) -> Figures:
    """Everything above; ``env`` carries the ``PRESENCE_AGENT_*`` paths to the children.

    ``scale`` shortens the windows (``make bench --quick``).
    """
    from agent import ipc
    from agent.secrets import SecretStore

    figures = Figures()
    with HostileServer("ok") as server:
        SecretStore().set("hook", "signing_secret", server.secret)
        paths.config_file.parent.mkdir(parents=True, exist_ok=True)
        paths.config_file.write_text(CONFIG.format(url=server.base_url), encoding="utf-8")
        agent = AgentRun.start(paths, env)
        try:
            agent.wait_alive(lambda: server.changes, timeout=60, what="the start-up report")
            figures.steady_rss_kb = rss_kb(agent.process.pid)
            done = run_cli("status", env=env)
            figures.status_text = done.stdout + done.stderr
            for index, (mode, window) in enumerate(PHASES):
                figures.phases.append(_phase(server, agent, env, mode, window * scale, index))
            figures.busiest_minute = _busiest_minute(server)
            figures.after_rss_kb = _settled_rss(agent.process.pid, figures.steady_rss_kb)
            figures.bad_for_reply = ipc.request(
                paths.socket_path, {"cmd": "set", "status": "busy", "for": "99999999999d"}
            )
            figures.flood_ok, figures.flood_tries = _status_during_flood(paths, env)
            assert agent.process.poll() is None, "the agent exited"
        finally:
            agent.stop()
            figures.output = agent.output_text()
            # On stderr: shown when a test fails, kept out of the bench table.
            print(figures.output[-20000:], file=sys.stderr)
    return figures


def cli_ok(done: Any) -> None:
    assert done.returncode == 0, done.stderr


def _phase(
    server: HostileServer,
    agent: AgentRun,
    env: Mapping[str, str],
    mode: str,
    window: float,
    index: int,
) -> Phase:
    """One misbehaviour for ``window`` seconds, then the recovery and the next status."""
    pid = agent.process.pid
    server.mode = mode
    started = time.monotonic()
    cli_ok(run_cli("set", STATUSES[index % 2], "--message", f"during {mode}", env=env))
    peak = rss_kb(pid)
    while (left := started + window - time.monotonic()) > 0:
        peak = max(peak, rss_kb(pid))
        time.sleep(min(0.25, left))  # sampling RSS through the window, not a synchronisation
    server.mode = "ok"
    recovered = time.monotonic()
    times = server.times(mode)
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    after = f"after {mode}"
    cli_ok(run_cli("set", STATUSES[(index + 1) % 2], "--message", after, env=env))
    agent.wait_alive(
        lambda: bool(server.changes) and server.changes[-1]["message"] == after,
        timeout=30,
        what=f"the status set once the {mode} server recovered",
    )
    return Phase(
        mode,
        window,
        len(times),
        peak,
        min(gaps, default=math.inf),
        time.monotonic() - recovered,
    )


def _busiest_minute(server: HostileServer) -> int:
    """The most requests in any 60 s while the server misbehaved (sliding window)."""
    times = sorted(at for mode, _window in PHASES for at in server.times(mode))
    return max((sum(1 for t in times if start <= t < start + 60) for start in times), default=0)


def _settled_rss(pid: int, steady: int) -> int:
    """RSS once it is back within 5 MB of ``steady`` (or what it is after 10 s)."""
    try:
        wait_until(lambda: rss_kb(pid) - steady <= 5 * 1024, timeout=10, what="RSS to settle")
    except AssertionError:
        pass
    return rss_kb(pid)


def _status_during_flood(paths: Paths, env: Mapping[str, str]) -> tuple[int, int]:
    """``presence-agent status`` while 200 idle connections are held open."""
    from tests.test_ipc_limits import held_open

    tries = 10
    with held_open(paths.socket_path, 200):
        ok = sum(run_cli("status", env=env, timeout=30).returncode == 0 for _ in range(tries))
    return ok, tries


def environment(paths: Paths) -> dict[str, str]:
    """The ``PRESENCE_AGENT_*`` variables that point a child process at ``paths``."""
    return {
        **os.environ,
        "PRESENCE_AGENT_CONFIG": str(paths.config_file),
        "PRESENCE_AGENT_DATA_DIR": str(paths.data_dir),
        "PRESENCE_AGENT_LOG_DIR": str(paths.log_dir),
        "PRESENCE_AGENT_RUNTIME_DIR": str(paths.runtime_dir),
        "PRESENCE_AGENT_POLICY_FILE": str(paths.policy_file),
    }

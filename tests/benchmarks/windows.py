"""The headless agent on the Windows CPython, measured under Wine (not on Windows).

Debian's Wine 8.0 runs the official Windows embeddable CPython (tests/wine); the agent
reports to the same loopback Audian server as the Linux runs, its token in the throw-away
prefix's Credential Manager. Start-up is spawn (``wine python.exe -m agent run
--headless``) to the first presence POST; RSS is the Linux process running that Windows
interpreter, 15 s after the first report. Wine's own start (wineserver, the prefix's
services) is part of the first run; the median is over warm runs in one prefix.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.agents import TOKEN, AgentSettings, Backend, config_text
from tests.benchmarks.context import Context
from tests.benchmarks.procstat import memory_kb
from tests.benchmarks.report import Row, median
from tests.wine.run_lane import lane_interpreter, xvfb
from tests.wine.winepython import PROJECT, prepared, throwaway_prefix, windows_path, wine_env

SETTLE = 15.0
"""Seconds after the first report at which RSS is read (as for the Linux agent)."""

STORE_TOKEN = (
    "import keyring, sys; keyring.set_password('presence-agent', 'audian/api_token', sys.argv[1])"
)


def windows(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    runs = ctx.trials(5, 2)
    starts: list[float] = []
    rss: list[float] = []
    with xvfb() as display:
        cached = prepared(display, log=False)
        with (
            lane_interpreter(cached) as interpreter,
            throwaway_prefix(cached, display) as prefix,
            Backend() as backend,
        ):
            stored = interpreter.run(["-c", STORE_TOKEN, TOKEN], prefix, display, 120)
            if stored.returncode != 0:
                raise RuntimeError(f"storing the token failed: {stored.stdout[-300:]}")
            for _ in range(runs + 1):  # the first run also starts Wine's services: not counted
                work = ctx.workdir("windows-start")
                (work / "config.toml").write_text(
                    config_text(AgentSettings(), backend.server.base_url), encoding="utf-8"
                )
                env = wine_env(prefix, display)
                env.update(_paths(work))
                started = time.monotonic()
                process = subprocess.Popen(
                    ["wine", str(interpreter.python), "-m", "agent", "run", "--headless"],
                    stdin=subprocess.PIPE,  # pipes: see tests/wine/winepython.py
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=PROJECT,
                )
                try:
                    arrived = backend.wait_status(None, started, timeout=90)
                    starts.append(arrived - started)
                    deadline = arrived + SETTLE
                    while time.monotonic() < deadline and process.poll() is None:
                        process.wait(deadline - time.monotonic())
                    rss.append(memory_kb(process.pid)["rss_kb"] / 1024)
                except subprocess.TimeoutExpired:
                    rss.append(memory_kb(process.pid)["rss_kb"] / 1024)
                finally:
                    process.kill()
                    process.communicate(timeout=30)
    starts, rss = starts[1:], rss[1:]
    rows = [
        Row(
            "windows",
            "Windows agent under Wine: spawn -> first report (median)",
            median(starts),
            "s",
            note=f"measured under Wine 8.0, not Windows; {runs} warm runs, max {max(starts):.2f} s",
        ),
        Row(
            "windows",
            "Windows agent under Wine: RSS 15 s after the first report (median)",
            median(rss),
            "MB",
            note="measured under Wine 8.0: the Linux process running python.exe",
        ),
    ]
    return rows, {"windows_wine_first_report_s": starts, "windows_wine_rss_mb": rss}


def _paths(work: Path) -> dict[str, str]:
    return {
        "PRESENCE_AGENT_CONFIG": windows_path(work / "config.toml"),
        "PRESENCE_AGENT_DATA_DIR": windows_path(work / "data"),
        "PRESENCE_AGENT_LOG_DIR": windows_path(work / "logs"),
        "PRESENCE_AGENT_RUNTIME_DIR": windows_path(work / "run"),
        "PRESENCE_AGENT_POLICY_FILE": windows_path(work / "policy.toml"),
    }

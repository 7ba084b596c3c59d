"""The agent against a hostile server: requests per minute, RSS, time to recover.

Runs :func:`tests.e2e.hostile_scenario.run_scenario` (the same run the end-to-end
test asserts on) and reports its numbers: the busiest minute of requests to the
failing server, requests per mode, RSS steady / peak while a 50 MB reply arrives /
after, and how long the latest status took once the server recovered.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from agent.config.paths import Paths
from tests.benchmarks.context import Context
from tests.benchmarks.report import Row
from tests.e2e.hostile_scenario import environment, run_scenario

SECTION = "hostile server"


def hostile(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    home = ctx.workdir("hostile")
    paths = Paths(
        config_file=home / "config.toml",
        data_dir=home / "data",
        log_dir=home / "logs",
        runtime_dir=home / "run",
        policy_file=home / "policy.toml",
    )
    env = {**ctx.desktop.env(), **environment(paths)}
    figures = run_scenario(paths, env, scale=ctx.pick(1.0, 0.5))
    mib = 1 / 1024
    rows = [
        Row(SECTION, "busiest minute of retries (all modes)", figures.busiest_minute, "req", 31),
    ]
    for phase in figures.phases:
        rows.append(
            Row(
                SECTION,
                f"{phase.mode}: requests",
                phase.requests,
                "req",
                note=f"in a {phase.window:g} s window",
            )
        )
        rows.append(
            Row(
                SECTION,
                f"{phase.mode}: latest status delivered after recovery",
                phase.recovery_seconds,
                "s",
            )
        )
    gap = min(phase.shortest_gap for phase in figures.phases)
    rows.append(Row(SECTION, "shortest wait between two retries", _finite(gap), "s", note="≥ 2"))
    peak = max(phase.peak_rss_kb for phase in figures.phases)
    rows += [
        Row(SECTION, "RSS steady", figures.steady_rss_kb * mib, "MiB"),
        Row(SECTION, "RSS peak while misbehaving (50 MB reply)", peak * mib, "MiB", 80),
        Row(
            SECTION,
            "RSS after recovery minus steady",
            (figures.after_rss_kb - figures.steady_rss_kb) * mib,
            "MiB",
            5,
        ),
        Row(
            SECTION,
            "CLI status during a 200-connection flood",
            figures.flood_tries - figures.flood_ok,
            "failed",
            1,
            note=f"{figures.flood_ok}/{figures.flood_tries} answered",
        ),
    ]
    data = {
        "busiest_minute": figures.busiest_minute,
        "phases": [
            {**asdict(phase), "shortest_gap": _finite(phase.shortest_gap)}
            for phase in figures.phases
        ],
        "steady_rss_kb": figures.steady_rss_kb,
        "after_rss_kb": figures.after_rss_kb,
        "flood_ok": figures.flood_ok,
        "flood_tries": figures.flood_tries,
    }
    return rows, data


def _finite(value: float) -> float | None:
    """JSON has no infinity: a phase with fewer than two requests has no gap."""
    return round(value, 3) if math.isfinite(value) else None

"""Start-up: process spawn to tray icon shown, and to the first report at the backend."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from tests.benchmarks.agents import ROOT, Agent, Backend
from tests.benchmarks.context import Context
from tests.benchmarks.desktop import stop
from tests.benchmarks.report import Row, median
from tests.benchmarks.tray_probe import TrayProbe
from tests.support import wait_until

BARE_TRAY = ROOT / "tests" / "benchmarks" / "bare_tray.py"


def icon_time(probe: TrayProbe, process: subprocess.Popen[bytes], started: float) -> float:
    wait_until(
        lambda: process.poll() is not None or probe.icon_shown(process.pid),
        timeout=30,
        interval=0.005,
        what="the tray icon",
    )
    if process.poll() is not None:
        raise RuntimeError(f"exited with {process.returncode} before showing its icon")
    return time.monotonic() - started


def tray(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    """The tray app's icon and first report, beside a bare PySide6 tray icon."""
    ctx.desktop.need("display")
    runs = ctx.trials(7, 3)
    icon: list[float] = []
    report: list[float] = []
    bare: list[float] = []
    with TrayProbe() as probe, Backend() as backend:
        for _ in range(runs):
            agent = Agent(ctx.workdir("tray-start"), ctx.desktop, backend, tray=True)
            started = agent.start()
            try:
                assert agent.process is not None
                try:
                    icon.append(icon_time(probe, agent.process, started))
                except RuntimeError as error:
                    raise RuntimeError(f"tray app {error}: {agent.tail()}") from None
                report.append(agent.first_report())
            finally:
                agent.stop()
        for _ in range(runs):
            started = time.monotonic()
            process = subprocess.Popen([sys.executable, str(BARE_TRAY)], env=ctx.desktop.env())
            try:
                bare.append(icon_time(probe, process, started))
            finally:
                stop(process)
    rows = [
        Row(
            "start-up",
            "tray app: spawn -> icon in tray (median)",
            median(icon),
            "s",
            1.0,
            f"{runs} runs, max {max(icon):.2f} s",
        ),
        Row(
            "start-up",
            "bare PySide6 tray: spawn -> icon (median)",
            median(bare),
            "s",
            note="the floor for a Qt tray app",
        ),
        Row("start-up", "tray app: spawn -> first report (median)", median(report), "s"),
    ]
    return rows, {"tray_icon_s": icon, "bare_icon_s": bare, "tray_first_report_s": report}


def headless(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    """``run --headless``: spawn to the first "available" POST at the loopback server."""
    runs = ctx.trials(7, 3)
    times: list[float] = []
    with Backend() as backend:
        for _ in range(runs):
            with Agent(ctx.workdir("headless-start"), ctx.desktop, backend) as agent:
                times.append(agent.first_report())
    rows = [
        Row(
            "start-up",
            "headless: spawn -> first report (median)",
            median(times),
            "s",
            note=f"{runs} runs, max {max(times):.2f} s; Audian server on loopback",
        ),
    ]
    return rows, {"headless_first_report_s": times}

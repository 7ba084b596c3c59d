"""The built one-folder bundle: its size, ``--version`` time, and start-up to first report.

Builds the bundle with ``packaging/build_packages.py --no-msi`` when ``build/dist`` has
none (about 40 s); an existing bundle is measured as it is (its build time is noted).
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.benchmarks.agents import ROOT, Agent, Backend
from tests.benchmarks.context import Context
from tests.benchmarks.report import Row, median
from tests.benchmarks.startup import _icon_time
from tests.benchmarks.tray_probe import TrayProbe

BUNDLE = ROOT / "build" / "dist" / "presence-agent"
EXECUTABLE = BUNDLE / "presence-agent"


def _ensure_bundle() -> str:
    if EXECUTABLE.exists():
        built = datetime.fromtimestamp(EXECUTABLE.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        return f"bundle built {built}"
    subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build_packages.py"), "--no-msi"],
        check=True,
        capture_output=True,
        timeout=900,
        cwd=ROOT,
    )
    if not EXECUTABLE.exists():
        raise FileNotFoundError(f"the build left no {EXECUTABLE.relative_to(ROOT)}")
    return "bundle built by this run"


def _size_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def bundle(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    provenance = _ensure_bundle()
    size_mb = _size_bytes(BUNDLE) / 1e6
    env = ctx.desktop.env()
    versions: list[float] = []
    for _ in range(ctx.trials(5, 3)):
        started = time.monotonic()
        subprocess.run(
            [str(EXECUTABLE), "--version"], check=True, capture_output=True, timeout=60, env=env
        )
        versions.append(time.monotonic() - started)
    reports: list[float] = []
    icons: list[float] = []
    with Backend() as backend:
        for _ in range(ctx.trials(5, 2)):
            agent = Agent(
                ctx.workdir("bundle-headless"), ctx.desktop, backend, command=[str(EXECUTABLE)]
            )
            with agent:
                try:
                    reports.append(agent.first_report(timeout=30))
                except TimeoutError as error:
                    raise RuntimeError(f"{error}: {agent.tail()}") from None
        if ctx.desktop.display is not None:
            with TrayProbe() as probe:
                for _ in range(ctx.trials(5, 2)):
                    agent = Agent(
                        ctx.workdir("bundle-tray"),
                        ctx.desktop,
                        backend,
                        tray=True,
                        command=[str(EXECUTABLE)],
                    )
                    started = agent.start()
                    try:
                        assert agent.process is not None
                        icons.append(_icon_time(probe, agent.process, started))
                    finally:
                        agent.stop()
    rows = [
        Row("bundle", "size of build/dist/presence-agent", size_mb, "MB", note=provenance),
        Row(
            "bundle",
            "presence-agent --version (median)",
            median(versions),
            "s",
            note=f"{len(versions)} runs",
        ),
        Row(
            "bundle",
            "headless: spawn -> first report (median)",
            median(reports),
            "s",
            note=f"{len(reports)} runs",
        ),
    ]
    if icons:
        rows.append(
            Row(
                "bundle",
                "tray: spawn -> icon in tray (median)",
                median(icons),
                "s",
                1.0,
                f"{len(icons)} runs",
            )
        )
    data = {
        "size_mb": size_mb,
        "provenance": provenance,
        "version_s": versions,
        "headless_first_report_s": reports,
        "tray_icon_s": icons,
    }
    return rows, data

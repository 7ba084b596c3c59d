"""The built one-folder bundle: its size, ``--version`` time, and start-up to first report.

Builds the bundle with ``packaging/build_packages.py`` when ``build/dist`` has
none (about 40 s); an existing bundle is measured as it is (its build time is noted).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.benchmarks.agents import ROOT, Agent, Backend
from tests.benchmarks.context import Context
from tests.benchmarks.report import Row, median
from tests.benchmarks.startup import icon_time
from tests.benchmarks.tray_probe import TrayProbe

BUNDLE = ROOT / "build" / "dist" / "presence-agent"
EXECUTABLE = BUNDLE / "presence-agent"


def _ensure_bundle() -> str:
    if EXECUTABLE.exists():
        built = datetime.fromtimestamp(EXECUTABLE.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        return f"bundle built {built}"
    subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build_packages.py")],
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


def _versions(ctx: Context) -> list[float]:
    times = []
    for _ in range(ctx.trials(5, 3)):
        started = time.monotonic()
        subprocess.run(
            [str(EXECUTABLE), "--version"],
            check=True,
            capture_output=True,
            timeout=60,
            env=ctx.desktop.env(),
        )
        times.append(time.monotonic() - started)
    return times


def _headless(ctx: Context, backend: Backend) -> list[float]:
    times = []
    for _ in range(ctx.trials(5, 2)):
        command = [str(EXECUTABLE)]
        with Agent(ctx.workdir("bundle-headless"), ctx.desktop, backend, command=command) as agent:
            try:
                times.append(agent.first_report(timeout=30))
            except TimeoutError as error:
                raise RuntimeError(f"{error}: {agent.tail()}") from None
    return times


def _tray(ctx: Context, backend: Backend) -> list[float]:
    ctx.desktop.need("display")
    times = []
    with TrayProbe() as probe:
        for _ in range(ctx.trials(5, 2)):
            command = [str(EXECUTABLE)]
            agent = Agent(
                ctx.workdir("bundle-tray"), ctx.desktop, backend, tray=True, command=command
            )
            started = agent.start()
            try:
                assert agent.process is not None
                times.append(icon_time(probe, agent.process, started))
            except Exception as error:
                raise RuntimeError(f"{error}: {agent.tail()}") from None
            finally:
                agent.stop()
    return times


def _row(metric: str, measure: Callable[[], list[float]], target: float | None = None) -> Row:
    """One median row; a failure becomes this row's ``failed`` note, not the section's."""
    try:
        values = measure()
    except Exception as error:
        return Row("bundle", metric, None, failed=f"{type(error).__name__}: {error}"[:200])
    return Row("bundle", metric, median(values), "s", target, f"{len(values)} runs")


def bundle(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    provenance = _ensure_bundle()
    size_mb = _size_bytes(BUNDLE) / 1e6
    rows = [Row("bundle", "size of build/dist/presence-agent", size_mb, "MB", note=provenance)]
    with Backend() as backend:
        rows.append(_row("presence-agent --version (median)", lambda: _versions(ctx)))
        rows.append(
            _row("headless: spawn -> first report (median)", lambda: _headless(ctx, backend))
        )
        rows.append(_row("tray: spawn -> icon in tray (median)", lambda: _tray(ctx, backend), 1.0))
    data = {
        "size_mb": size_mb,
        "provenance": provenance,
        "rows": [r.to_json() for r in rows],
    }
    return rows, data

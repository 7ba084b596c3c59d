"""``make bench``: measure the agent on this machine, print one table, write results.json.

Runs inside ``tests/session.sh`` (private D-Bus session bus + gnome-keyring + temp HOME).
Starts its own desktop (Xvfb + trayer, PulseAudio, a mock logind on a private system
bus), then each section in turn. A section that fails reports ``failed: <why>`` in
the table; the others still run. Benchmarks measure, they never assert.

    python tests/benchmarks/run.py [--quick] [--only start-up,footprint,...] [--json PATH]

``--quick`` shortens the 60/120 s windows and the trial counts, for development.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: make ``tests.*`` importable

from tests.benchmarks import (  # noqa: E402
    bench_calendar,
    bundle,
    external,
    footprint,
    hostile,
    idle_push,
    reaction,
    startup,
    windows,
)
from tests.benchmarks.agents import store_secret  # noqa: E402
from tests.benchmarks.context import Context  # noqa: E402
from tests.benchmarks.desktop import desktop  # noqa: E402
from tests.benchmarks.report import Row, failed, table  # noqa: E402

Section = Callable[[Context], tuple[list[Row], dict[str, Any]]]

SECTIONS: list[tuple[str, Section]] = [
    ("start-up tray", startup.tray),
    ("start-up headless", startup.headless),
    ("footprint", footprint.footprint),
    ("reaction away", reaction.return_from_away),
    ("idle push", idle_push.idle_push),
    ("reaction call", reaction.call),
    ("reaction lock", reaction.lock),
    ("delivery", external.delivery),
    ("engine", external.engine),
    ("calendar", bench_calendar.section),
    ("bundle", bundle.bundle),
    ("hostile server", hostile.hostile),
    ("windows under wine", windows.windows),
]


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu or platform.processor(),
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def run_section(name: str, section: Section, ctx: Context) -> dict[str, Any]:
    started = time.monotonic()
    print(f"[bench] {name} ...", file=sys.stderr, flush=True)
    try:
        rows, data = section(ctx)
        error = None
    except Exception as exc:
        why = f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:200]
        traceback.print_exc(file=sys.stderr)
        rows, data, error = [failed(name, why)], {}, why
    seconds = round(time.monotonic() - started, 1)
    print(f"[bench] {name}: {seconds} s", file=sys.stderr, flush=True)
    return {"rows": rows, "data": data, "error": error, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short windows, few trials")
    parser.add_argument("--only", help="comma-separated section names (prefixes match)")
    parser.add_argument("--json", default=str(ROOT / "tests" / "benchmarks" / "results.json"))
    args = parser.parse_args(argv)
    chosen = SECTIONS
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        chosen = [(n, s) for n, s in SECTIONS if any(n.startswith(w) for w in wanted)]
    began = time.monotonic()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "quick": args.quick,
        "sections": {},
    }
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="pa-bench-") as scratch, desktop() as desk:
        ctx = Context(desk, Path(scratch), quick=args.quick)
        try:
            store_secret(desk)
        except Exception as exc:
            print(f"[bench] could not store the Audian token: {exc}", file=sys.stderr)
        for part, why in desk.problems.items():
            print(f"[bench] {part} unavailable: {why}", file=sys.stderr)
        for name, section in chosen:
            outcome = run_section(name, section, ctx)
            rows.extend(outcome["rows"])
            results["sections"][name] = {
                "seconds": outcome["seconds"],
                "error": outcome["error"],
                "rows": [r.to_json() for r in outcome["rows"]],
                "data": outcome["data"],
            }
    results["total_seconds"] = round(time.monotonic() - began, 1)
    results["table_markdown"] = table(rows, markdown=True)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    info = results["machine"]
    print()
    print(
        f"Presence Agent benchmarks, {results['date']}, {info['nproc']} CPUs ({info['cpu']}), "
        f"{info['ram_gib']} GiB RAM{', QUICK run' if args.quick else ''}"
    )
    print(table(rows))
    print(f"\n{results['total_seconds']} s; results in {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

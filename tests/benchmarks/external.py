"""The engine and delivery benchmarks, owned by their modules' engineers, run as subprocesses.

Each script prints JSON; its numbers go into the table as they are and the whole
output into results.json. Keys this runner does not know still show up as rows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.benchmarks.agents import ROOT
from tests.benchmarks.context import Context
from tests.benchmarks.report import Row

HERE = ROOT / "tests" / "benchmarks"


def run_script(name: str, *args: str, timeout: float = 600) -> Any:
    script = HERE / name
    if not script.exists():
        raise FileNotFoundError(f"{script.relative_to(ROOT)} is missing")
    done = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"{name} exited with {done.returncode}: {tail}")
    return json.loads(done.stdout)


def engine(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    data = run_script("bench_engine.py")
    items = data if isinstance(data, list) else [data]
    rows: list[Row] = []
    for item in items:
        name = str(item.get("name", "engine"))
        target = item.get("target_us")
        samples = item.get("samples", "?")
        rows.append(
            Row("engine", f"{name} median", item["median_us"], "µs", target, f"{samples} samples")
        )
        rows.append(Row("engine", f"{name} p99", item["p99_us"], "µs", target))
    return rows, {"bench_engine": data}


# (key, label, unit, scale): the delivery script's keys shown first, in this order.
DELIVERY_KEYS: list[tuple[str, str, str, float]] = [
    ("write_ms_per_change", "outbox write per change (durable, fsync)", "ms", 1.0),
    ("submit_seconds", "queue all changes (submit)", "s", 1.0),
    ("drain_seconds", "drain queued changes to loopback", "s", 1.0),
    ("drain_ms_per_message", "drain time per message", "ms", 1.0),
    ("drained_per_second", "drain rate", "req/s", 1.0),
    ("rss_peak_mib", "peak RSS of the benchmark process", "MiB", 1.0),
    ("outbox_bytes_when_full", "outbox size when full", "MB", 1e-6),
]


def delivery(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    count = "2000" if ctx.quick else "10000"
    data = run_script("bench_delivery.py", count)
    changes = data.get("changes", count)
    rows: list[Row] = []
    shown = set()
    for key, label, unit, scale in DELIVERY_KEYS:
        if isinstance(data.get(key), int | float) and not isinstance(data.get(key), bool):
            note = f"{changes} changes" if key in ("drain_seconds", "submit_seconds") else ""
            rows.append(Row("delivery", label, float(data[key]) * scale, unit, note=note))
            shown.add(key)
    for key, value in data.items():
        if key in shown or key == "changes":
            continue
        if isinstance(value, bool):
            rows.append(Row("delivery", key, None, note=str(value).lower()))
        elif isinstance(value, int | float):
            rows.append(Row("delivery", key, float(value)))
    return rows, {"bench_delivery": data}

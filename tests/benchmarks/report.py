"""Rows of the benchmark table: a number, its target, and whether the target was met.

Benchmarks measure and report; a missed target is a row that says ``MISSED``, never
an exception. A section that could not run is one row that says ``failed: <why>``.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    section: str
    metric: str
    value: float | None
    unit: str = ""
    target: float | None = None  # the value must stay below this
    note: str = ""
    failed: str = ""  # why the number is missing

    @property
    def verdict(self) -> str:
        if self.failed:
            return "failed"
        if self.target is None or self.value is None:
            return ""
        return "ok" if self.value < self.target else "MISSED"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "verdict": self.verdict}


def failed(section: str, why: str) -> Row:
    return Row(section, "", None, failed=why)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): a value that was actually measured."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0 or abs(value) >= 100 or (abs(value) >= 1 and value == int(value)):
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def cells(row: Row) -> list[str]:
    if row.failed:
        return [row.section, row.metric or "-", "-", "", "", "FAILED", f"failed: {row.failed}"]
    target = f"< {_number(row.target)}" if row.target is not None else ""
    return [
        row.section,
        row.metric,
        _number(row.value),
        row.unit,
        target,
        row.verdict,
        row.note,
    ]


HEADER = ["section", "metric", "value", "unit", "target", "verdict", "note"]


def table(rows: Sequence[Row], markdown: bool = False) -> str:
    grid = [HEADER, *(cells(r) for r in rows)]
    if markdown:
        lines = ["| " + " | ".join(c.replace("|", "/") for c in line) + " |" for line in grid]
        lines.insert(1, "|" + "|".join("---" for _ in HEADER) + "|")
        return "\n".join(lines)
    widths = [max(len(line[i]) for line in grid[:]) for i in range(len(HEADER) - 1)]
    out = []
    for line in grid:
        head = "  ".join(c.ljust(w) for c, w in zip(line[:-1], widths, strict=True))
        out.append((head + "  " + line[-1]).rstrip())
    out.insert(1, "-" * min(140, len(out[0])))
    return "\n".join(out)

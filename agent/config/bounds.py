"""Limits on the config and policy files, checked where their text enters.

A careless or hostile file must give a clear problem, never a RecursionError, an
overflow, a hot loop or hundreds of MB: the size is capped before reading it all,
bracket nesting is counted before ``tomllib`` (which recurses) sees the text, arrays
and entries are counted before anything is built from them, and every number and
duration has a finite range (with floors where a tiny value would hammer a server).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.core.durations import format_duration
from agent.core.nesting import MAX_DEPTH, too_deep, value_too_deep

MAX_FILE_BYTES = 1024 * 1024
"""A config or policy file is a few KB; anything past 1 MiB is refused unread."""

MAX_ENTRIES: dict[str, int] = {"backends": 32, "calendars": 32, "locations": 1000, "rules": 200}
"""How many ``[[...]]`` entries of each kind a file may have (the rest are dropped)."""

MAX_ITEMS = 1000
"""Items in any other array (subnets, SSIDs, menu items, messages)."""


@dataclass(frozen=True)
class Range:
    """Allowed values of one number; ``duration`` ones are shown as "5m" in messages."""

    low: float
    high: float
    duration: bool = True

    def problem(self, value: float) -> str | None:
        if isinstance(value, float) and not math.isfinite(value):
            return "must be a finite number"
        if self.low <= value <= self.high:
            return None
        return f"must be between {self._show(self.low)} and {self._show(self.high)}"

    def _show(self, value: float) -> str:
        if not self.duration:
            return f"{value:g}"
        return format_duration(value) if value >= 1 else f"{value * 1000:g}ms"


_MINUTE, _HOUR, _DAY = 60.0, 3600.0, 86400.0

RANGES: dict[str, Range] = {
    "idle.away_after": Range(1.0, 7 * _DAY),
    "call.min_duration": Range(0.0, _HOUR),
    "call.hold_after": Range(0.0, _DAY),
    "location.stable_for": Range(0.0, _DAY),
    "rules.after": Range(0.0, 366 * _DAY),
    "calendars.refresh": Range(1.0, 7 * _DAY),
    # Floors: every retry waits at least ~2 s and a state is re-sent at most once a
    # minute, so no setting makes the agent send more than 30 requests a minute.
    "delivery.retry_cap": Range(2.0, _DAY),
    "delivery.reassert_every": Range(_MINUTE, 7 * _DAY),
    "delivery.max_queue": Range(1, 100_000, duration=False),
    "version": Range(1, 1000, duration=False),
}
"""Ranges by setting; an entry's field is named without its index (``rules.after``)."""


class TooLarge(ValueError):
    """A file over :data:`MAX_FILE_BYTES`."""


class TooDeep(ValueError):
    """Nesting past :data:`MAX_DEPTH`; ``line`` is where it happens (when known)."""

    def __init__(self, line: int | None) -> None:
        self.reason = f"tables and arrays nested deeper than {MAX_DEPTH} levels"
        super().__init__(self.reason + (f" (at line {line})" if line else ""))
        self.line = line


def read_text(path: Path) -> str:
    """The file's text, never more than :data:`MAX_FILE_BYTES` read.

    Raises :class:`TooLarge`, OSError, or UnicodeDecodeError.
    """
    with path.open("rb") as file:
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge(f"is larger than {MAX_FILE_BYTES // 1024} KB; a config file is a few KB")
    return data.decode("utf-8")


def parse_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads`` that can never recurse deep: raises TooDeep or TOMLDecodeError."""
    if len(text) > MAX_FILE_BYTES:
        raise TooLarge(f"is larger than {MAX_FILE_BYTES // 1024} KB")
    line = too_deep(text)
    if line is not None:
        raise TooDeep(line)
    data = tomllib.loads(text)
    if value_too_deep(data):  # dotted keys and table headers nest without brackets
        raise TooDeep(None)
    return data


def count_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Entries and array items past their limits, which are cut off here (``data`` changes)."""
    problems: list[tuple[str, str]] = []
    for table, limit in MAX_ENTRIES.items():
        entries = data.get(table)
        if isinstance(entries, list) and len(entries) > limit:
            problems.append(
                (
                    f"{table}[{limit}]",
                    f"at most {limit} {table} entries; the other "
                    f"{len(entries) - limit} are ignored",
                )
            )
            del entries[limit:]
    stack: list[tuple[str, Any]] = [(key, value) for key, value in data.items()]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((f"{path}.{key}", item) for key, item in value.items())
        elif isinstance(value, list):
            if len(value) > MAX_ITEMS:
                problems.append((path, f"at most {MAX_ITEMS} items; the rest are ignored"))
                del value[MAX_ITEMS:]
            stack.extend((f"{path}[{index}]", item) for index, item in enumerate(value))
    return problems


def range_problems(config: Any) -> list[tuple[str, str]]:
    """Every number in the built config outside its :data:`RANGES` entry."""
    problems: list[tuple[str, str]] = []
    for setting, allowed in RANGES.items():
        section, _, name = setting.rpartition(".")
        holders: list[tuple[str, Any]]
        if not section:
            holders = [("", config)]
        elif section in ("rules", "calendars"):
            holders = [(f"{section}[{i}].", e) for i, e in enumerate(getattr(config, section))]
        else:
            holders = [(f"{section}.", getattr(config, section))]
        for prefix, holder in holders:
            value = getattr(holder, name)
            if value is None:
                continue
            problem = allowed.problem(value)
            if problem:
                problems.append((f"{prefix}{name}", problem))
    return problems

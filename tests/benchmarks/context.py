"""What every benchmark section gets: the desktop, a scratch directory, the run's length."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.benchmarks.desktop import Desktop


@dataclass
class Context:
    desktop: Desktop
    scratch: Path
    quick: bool = False
    _used: set[str] = field(default_factory=set)

    def workdir(self, name: str) -> Path:
        """A fresh directory for one agent (its config, data, logs, socket)."""
        candidate, n = name, 1
        while candidate in self._used:
            n += 1
            candidate = f"{name}-{n}"
        self._used.add(candidate)
        path = self.scratch / candidate
        path.mkdir(parents=True)
        return path

    def pick(self, full: float, quick: float) -> float:
        return quick if self.quick else full

    def trials(self, full: int, quick: int) -> int:
        return quick if self.quick else full

"""What every detector offers the agent, and how it reports what it sees.

Threading: ``start`` and ``stop`` are called on the agent's asyncio loop, and the
sink must be called on that loop too. A detector that reads from a thread (an OS
callback, a blocking library) hands its results over with
``loop.call_soon_threadsafe``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from agent.core.signals import Observation

Sink = Callable[[Observation], None]


@dataclass(frozen=True)
class SourceReport:
    """One candidate source for a signal, whether it is used, and why (for ``doctor``)."""

    signal: str
    source: str
    in_use: bool
    detail: str = ""


class Detector(Protocol):
    """A running signal source: pushes observations into the sink until stopped."""

    signal: str

    async def start(self, sink: Sink) -> None: ...

    async def stop(self) -> None: ...

    def report(self) -> list[SourceReport]:
        """Every source tried for this signal, for ``doctor`` and the tray."""
        ...

    @property
    def degraded(self) -> bool:
        """True when the preferred source failed and a fallback (or nothing) is in use."""
        ...

"""What the push idle sources' tests share: readings, a source kept for its counters, a round.

"No polling" is proven by the source's own counters (``reads``: idle readings,
``wakeups``: its connection waking the loop): while the user stays away they must not
move, and the user's return costs exactly one reading.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from agent.core.signals import IdleObserved, Observation
from tests.support import wait_until

AWAY_WINDOW = 1.5
"""Seconds the user stays away while the reads are counted (a measurement, not a wait)."""


def idle_values(seen: list[Observation]) -> list[float]:
    return [
        o.idle_seconds for o in seen if isinstance(o, IdleObserved) and o.idle_seconds is not None
    ]


class Opened:
    """Opens a source and keeps it, so the test can read its counters."""

    def __init__(self, open_source: Callable[[], Awaitable[Any]]) -> None:
        self._open = open_source
        self.source: Any = None

    async def __call__(self) -> Any:
        self.source = await self._open()
        return self.source


def away_then_back(
    seen: list[Observation], opened: Opened, threshold: float, user_input: Callable[[], None]
) -> None:
    """Wait for away, count nothing read while away, then input: back with one read."""
    active = max((i for i, v in enumerate(idle_values(seen)) if v < threshold), default=0)
    wait_until(lambda: any(v >= threshold for v in idle_values(seen)[active:]), what="away")
    reads, wakeups = opened.source.reads, opened.source.wakeups
    time.sleep(AWAY_WINDOW)  # the user stays away: nothing may be read meanwhile
    assert (opened.source.reads, opened.source.wakeups) == (reads, wakeups), "polled while away"
    count = len(seen)
    began = time.monotonic()
    user_input()
    wait_until(lambda: any(v < threshold for v in idle_values(seen[count:])), what="back")
    assert time.monotonic() - began < 0.5
    assert opened.source.reads == reads + 1  # one read for the pushed return

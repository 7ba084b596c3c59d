"""How long to wait before the next attempt after a transient failure.

Exponential backoff with *full jitter* (a uniformly random wait up to the exponential
bound, as in the AWS architecture blog's "Exponential Backoff And Jitter"): many agents
that lost the network together do not come back in lock step and flatten a server that
has just recovered. A server's ``Retry-After`` wins over the computed wait, because the
server knows when it will take traffic again, but only up to :data:`MAX_RETRY_AFTER`
and with up to 10 % jitter added.

No wait is shorter than :data:`MIN_WAIT` (or the cap, if that is shorter: tests), so a
failing server gets at most 30 requests a minute from one backend, whatever it answers
(``Retry-After: 0`` included) and however short ``retry_cap`` is set.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# A Retry-After longer than this is treated as a misbehaving server, not an order to
# stay silent for a day; the wait is clamped (and retried, so nothing is lost).
MAX_RETRY_AFTER = 3600.0
MIN_WAIT = 2.0
"""The shortest wait between attempts (as long as the cap allows): 30 a minute at most."""


@dataclass
class Backoff:
    """Per-backend retry timing; ``reset()`` on success so recovery runs at full speed.

    ``base`` is the first bound, doubled per consecutive failure up to ``cap``.
    ``rng`` is injectable so tests get deterministic waits.
    """

    cap: float = 300.0
    base: float = 1.0
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        """Record one more failure and return the seconds to wait before retrying."""
        self.failures += 1
        floor = max(min(MIN_WAIT, self.cap), 0.0)
        if retry_after is not None and retry_after >= 0:  # (a NaN fails both tests)
            wait = min(max(retry_after, floor), MAX_RETRY_AFTER)
            return wait + self.rng.uniform(0.0, wait * 0.1)
        # 2**n overflows float for big n; the cap is reached long before 64 failures.
        bound = min(self.cap, self.base * 2.0 ** min(self.failures - 1, 64))
        # Spread even below the floor's bound: agents that failed together stay apart.
        return self.rng.uniform(floor, max(bound, 1.5 * floor))

    def reset(self) -> None:
        """Forget past failures: the next failure starts again from ``base``."""
        self.failures = 0

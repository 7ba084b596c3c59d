from __future__ import annotations

import math
import random

from agent.delivery.retry import MAX_RETRY_AFTER, MIN_WAIT, Backoff


def test_full_jitter_stays_under_a_doubling_bound_up_to_the_cap() -> None:
    backoff = Backoff(cap=10.0, base=1.0, rng=random.Random(7))
    bounds = [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    for bound in bounds:
        delay = backoff.next_delay()
        assert MIN_WAIT <= delay <= max(bound, 1.5 * MIN_WAIT)
    assert backoff.failures == len(bounds)


def test_jitter_spreads_waits_across_the_whole_range() -> None:
    delays = []
    for seed in range(200):
        backoff = Backoff(cap=300.0, base=1.0, rng=random.Random(seed))
        for _ in range(20):
            delay = backoff.next_delay()
        delays.append(delay)
    assert max(delays) <= 300.0
    assert min(delays) < 30.0 and max(delays) > 270.0  # full jitter, not a fixed cap


def test_retry_after_wins_over_the_computed_wait_and_is_clamped() -> None:
    backoff = Backoff(cap=0.05, base=0.01, rng=random.Random(1))
    assert 7.0 <= backoff.next_delay(retry_after=7.0) <= 7.7
    assert MAX_RETRY_AFTER <= backoff.next_delay(retry_after=10 * MAX_RETRY_AFTER)
    assert backoff.next_delay(retry_after=10 * MAX_RETRY_AFTER) <= 1.1 * MAX_RETRY_AFTER
    assert 0.05 <= backoff.next_delay(retry_after=0.0) <= 0.055  # the floor is the cap here


def test_retry_after_zero_waits_at_least_the_floor_with_jitter() -> None:
    """429 with Retry-After: 0 gives at most 30 requests a minute, not one per loop turn."""
    backoff = Backoff(cap=300.0, base=1.0, rng=random.Random(5))
    waits = [backoff.next_delay(retry_after=0.0) for _ in range(200)]
    assert min(waits) >= MIN_WAIT >= 1.0
    assert max(waits) <= 1.1 * MIN_WAIT and len(set(waits)) > 100  # jittered
    assert sum(1 for total in _running(waits) if total <= 60.0) <= 30


def test_no_retry_cap_makes_more_than_30_requests_a_minute() -> None:
    """The shortest retry_cap the config allows, from the first failure on."""
    backoff = Backoff(cap=2.0, base=1.0, rng=random.Random(9))
    waits = [backoff.next_delay() for _ in range(100)]
    assert min(waits) >= MIN_WAIT
    assert sum(1 for total in _running(waits) if total <= 60.0) <= 30


def test_nonsense_retry_after_falls_back_to_the_backoff() -> None:
    backoff = Backoff(cap=10.0, base=1.0, rng=random.Random(2))
    assert MIN_WAIT <= backoff.next_delay(retry_after=math.nan) <= 1.5 * MIN_WAIT


def _running(waits: list[float]) -> list[float]:
    total, times = 0.0, []
    for wait in waits:
        total += wait
        times.append(total)
    return times


def test_reset_starts_again_from_the_base() -> None:
    backoff = Backoff(cap=1000.0, base=1.0, rng=random.Random(3))
    for _ in range(12):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() <= 1.5 * MIN_WAIT  # the base's bound, raised to the floor


def test_many_failures_do_not_overflow() -> None:
    backoff = Backoff(cap=5.0, base=1.0, rng=random.Random(0))
    for _ in range(5000):
        assert backoff.next_delay() <= 5.0

from __future__ import annotations

import random

from agent.delivery.retry import MAX_RETRY_AFTER, Backoff


def test_full_jitter_stays_under_a_doubling_bound_up_to_the_cap() -> None:
    backoff = Backoff(cap=10.0, base=1.0, rng=random.Random(7))
    bounds = [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    for bound in bounds:
        delay = backoff.next_delay()
        assert 0.0 <= delay <= bound
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
    assert backoff.next_delay(retry_after=7.0) == 7.0
    assert backoff.next_delay(retry_after=10 * MAX_RETRY_AFTER) == MAX_RETRY_AFTER
    assert backoff.next_delay(retry_after=0.0) == 0.0


def test_reset_starts_again_from_the_base() -> None:
    backoff = Backoff(cap=1000.0, base=1.0, rng=random.Random(3))
    for _ in range(12):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_many_failures_do_not_overflow() -> None:
    backoff = Backoff(cap=5.0, base=1.0, rng=random.Random(0))
    for _ in range(5000):
        assert backoff.next_delay() <= 5.0

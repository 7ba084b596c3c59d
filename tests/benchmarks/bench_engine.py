"""Time one engine evaluation (median and p99, in microseconds) and print JSON.

Run directly (``python tests/benchmarks/bench_engine.py``) or call
:func:`time_evaluation` from the benchmark runner. Not collected by pytest.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from agent.config.schema import Config, LocationEntry, ScheduleSettings
from agent.core.clock import ManualClock
from agent.core.engine import Engine, EngineSettings
from agent.core.model import Location
from agent.core.signals import (
    CallObserved,
    IdleObserved,
    LocationObserved,
    LockObserved,
    Meeting,
    MeetingsObserved,
)

START = datetime(2026, 3, 25, 9, 0, tzinfo=UTC)


def _engine() -> tuple[Engine, ManualClock]:
    """An engine with every signal known: default rules, a schedule, places, meetings."""
    config = Config(
        schedule=ScheduleSettings(timezone="Europe/Berlin"),
        locations=(
            LocationEntry("hq", "building", "HQ"),
            LocationEntry("hq-3", "level", "HQ level 3", parent="hq"),
        ),
    )
    clock = ManualClock(START)
    engine = Engine(EngineSettings.from_config(config), clock)
    meetings = tuple(
        Meeting(
            uid=f"m{i}",
            title=f"Meeting {i}",
            start=START + timedelta(hours=i, minutes=30),
            end=START + timedelta(hours=i, minutes=55),
        )
        for i in range(10)
    )
    for observation in (
        IdleObserved(12.0),
        LockObserved(False),
        CallObserved(False),
        MeetingsObserved(meetings),
        LocationObserved(Location("hq-3", "level", "HQ level 3")),
    ):
        engine.observe(observation)
    engine.evaluate()
    return engine, clock


def time_evaluation(samples: int = 20_000, observe: bool = False) -> dict[str, Any]:
    """Median and p99 of one ``evaluate()`` (µs); the clock moves 1 ms between calls.

    With ``observe`` each timed call is an idle observation followed by the evaluation,
    which is what the agent does per detector push.
    """
    engine, clock = _engine()
    timings: list[float] = []
    reading = IdleObserved(0.5)
    counter = time.perf_counter_ns
    for _ in range(samples):
        clock.advance(0.001)
        if observe:
            start = counter()
            engine.observe(reading)
            engine.evaluate()
        else:
            start = counter()
            engine.evaluate()
        timings.append((counter() - start) / 1000)
    timings.sort()
    return {
        "name": "engine.observe+evaluate" if observe else "engine.evaluate",
        "samples": samples,
        "median_us": round(statistics.median(timings), 2),
        "p99_us": round(timings[int(len(timings) * 0.99) - 1], 2),
        "target_us": 50.0,
    }


def main() -> int:
    results = [time_evaluation(), time_evaluation(observe=True)]
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

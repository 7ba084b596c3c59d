"""Delivery benchmark: queue 10,000 changes durably, then drain them to a loopback server.

Run: ``.venv/bin/python tests/benchmarks/bench_delivery.py [COUNT]``. Prints one JSON
object: the durable write cost per change (one SQLite transaction with fsync each),
the drain rate to a loopback server, peak Python memory while queueing (tracemalloc),
peak RSS of the whole run and
the outbox size, for an event backend (every change kept) and a state backend
(coalesced to one pending message).
"""

from __future__ import annotations

import asyncio
import json
import re
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from agent.backends.base import DeliveryKind  # noqa: E402
from agent.config.schema import DeliverySettings  # noqa: E402
from agent.core.clock import SystemClock  # noqa: E402
from agent.core.model import PresenceChange, PresenceState, Status  # noqa: E402
from agent.delivery.dispatcher import Dispatcher  # noqa: E402
from agent.delivery.outbox import Outbox  # noqa: E402
from tests.delivery.loopback import FaultServer, LoopbackBackend  # noqa: E402


def outbox_bytes(path: Path) -> int:
    return sum(
        p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    )


async def bench(count: int, workdir: Path) -> dict[str, object]:
    server = FaultServer()
    clock = SystemClock()
    path = workdir / "outbox.sqlite"
    outbox = Outbox(path, max_per_backend=count * 2)
    events = LoopbackBackend("events", DeliveryKind.EVENT, server.url, timeout=5.0)
    states = LoopbackBackend("states", DeliveryKind.STATE, server.url, timeout=5.0)
    current = [PresenceState(Status.AVAILABLE)]
    dispatcher = Dispatcher(outbox, [events, states], clock, DeliverySettings(), lambda: current[0])
    tracemalloc.start()
    started = time.perf_counter()
    for n in range(count):
        current[0] = PresenceState(Status.BUSY if n % 2 else Status.AWAY, f"e{n:05d}")
        dispatcher.submit(PresenceChange(current[0], None, clock.now()))
    submit_seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()  # it would triple the cost of the drain below
    queued_bytes = outbox_bytes(path)
    depth_events = outbox.depth("events")
    depth_states = outbox.depth("states")

    started = time.perf_counter()
    await dispatcher.start()
    while outbox.depth("events") or outbox.depth("states"):
        await asyncio.sleep(0.05)
    drain_seconds = time.perf_counter() - started
    await dispatcher.stop()
    await events.aclose()
    await states.aclose()
    outbox.close()
    server.close()

    keys = server.accepted_keys()
    # Event keys are "e00042"; a state message's key is a UUID, which may also start
    # with "e". At-least-once delivery may repeat an event (a reply lost to a client
    # timeout): order is judged on first arrivals, repeats are counted apart.
    arrivals = [k for k in keys if re.fullmatch(r"e\d{5}", k)]
    event_keys = list(dict.fromkeys(arrivals))
    return {
        "changes": count,
        "submit_seconds": round(submit_seconds, 3),
        "write_ms_per_change": round(submit_seconds / count * 1000, 3),
        "queued_event_messages": depth_events,
        "queued_state_messages": depth_states,
        "outbox_bytes_when_full": queued_bytes,
        "drain_seconds": round(drain_seconds, 3),
        "drained_per_second": round(len(keys) / drain_seconds, 1),
        "events_in_order": event_keys == [f"e{n:05d}" for n in range(count)],
        "event_repeats": len(arrivals) - len(event_keys),
        "state_requests": len(keys) - len(arrivals),
        "drain_ms_per_message": round(drain_seconds / len(keys) * 1000, 3),
        "queue_phase_tracemalloc_peak_kib": round(peak / 1024, 1),
        "rss_peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(bench(count, Path(tmp)))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""A tiny agent for the crash test: submits numbered events and delivers them.

Run as ``python -m tests.delivery.crash_driver OUTBOX PROGRESS URL COUNT``. It opens the
outbox and a dispatcher with one event backend, submits events ``e0000``… (pacing them
like a user's changes), records how far it got in PROGRESS after each durable submit,
and once everything is submitted waits for the queue to drain and prints ``drained``.
The test kills it with SIGKILL at random moments and starts it again; a restart
continues from PROGRESS. A kill between a submit and the progress write submits that
event again under the same key, which the server's de-duplication absorbs.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from agent.backends.base import DeliveryKind
from agent.config.schema import DeliverySettings
from agent.core.clock import SystemClock
from agent.core.model import PresenceChange, PresenceState, Status
from agent.delivery.dispatcher import Dispatcher
from agent.delivery.outbox import Outbox
from tests.delivery.loopback import LoopbackBackend

PACE = 0.005  # seconds between two submitted events


def read_progress(path: Path) -> int:
    try:
        return int(path.read_text())
    except (FileNotFoundError, ValueError):
        return 0


def write_progress(path: Path, value: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(str(value))
    os.replace(tmp, path)


async def main(outbox_path: Path, progress: Path, url: str, count: int) -> int:
    clock = SystemClock()
    outbox = Outbox(outbox_path, max_per_backend=count * 2)
    backend = LoopbackBackend("events", DeliveryKind.EVENT, url, timeout=2.0)
    state = [PresenceState(Status.AVAILABLE)]
    settings = DeliverySettings(retry_cap=0.05, reassert_every=3600.0)
    dispatcher = Dispatcher(outbox, [backend], clock, settings, lambda: state[0], retry_base=0.01)
    await dispatcher.start()
    try:
        for n in range(read_progress(progress), count):
            state[0] = PresenceState(Status.BUSY, f"e{n:04d}")
            dispatcher.submit(PresenceChange(state[0], None, clock.now()))
            write_progress(progress, n + 1)
            await asyncio.sleep(PACE)
        if not await dispatcher.flush(60.0):
            print("not drained", flush=True)
            return 1
        print("drained", flush=True)
        return 0
    finally:
        await dispatcher.stop()
        await backend.aclose()
        outbox.close()


if __name__ == "__main__":
    outbox_arg, progress_arg, url_arg, count_arg = sys.argv[1:5]
    sys.exit(asyncio.run(main(Path(outbox_arg), Path(progress_arg), url_arg, int(count_arg))))

"""The running service (agent/app.py) in-process: the hooks it calls, through the contract.

Recording detectors stand in for the OS sources, so each test sees exactly which
hook the service called: ``reconfigure`` on reload, ``set_locked`` on a lock,
``stop`` on the way out. Whole-process runs are in tests/e2e/.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from agent.app import AgentService
from agent.config.paths import Paths
from agent.core.signals import LockObserved
from agent.detectors.base import Detector, Sink
from tests.agent_process import write_config
from tests.detectors.recording import RecordingDetector
from tests.support import until

CONFIG = '[schedule]\nenabled = false\n\n[location]\nmode = "off"\n'


class Broken(RecordingDetector):
    async def start(self, sink: Sink) -> None:
        raise OSError("no such device")


def serve(
    paths: Paths,
    detectors: list[Detector],
    scenario: Callable[[AgentService], Awaitable[None]],
) -> None:
    async def main() -> None:
        service = AgentService(paths, detectors=detectors)
        stop = asyncio.Event()
        running = asyncio.create_task(service.run(stop))
        try:
            await scenario(service)
        finally:
            stop.set()
            await asyncio.wait_for(running, 10)

    asyncio.run(asyncio.wait_for(main(), 30))


def test_reload_reconfigures_every_running_detector(agent_paths: Paths) -> None:
    write_config(agent_paths, CONFIG)
    idle, call = RecordingDetector("idle"), RecordingDetector("call")

    async def scenario(service: AgentService) -> None:
        await until(lambda: call.sink is not None, what="detectors started")
        write_config(agent_paths, CONFIG + '\n[idle]\naway_after = "7m"\n')
        assert await service.reload() == []
        assert [c.idle.away_after for c in idle.configs + call.configs] == [420.0, 420.0]

    serve(agent_paths, [idle, call], scenario)
    assert idle.stopped and call.stopped


def test_a_lock_reaches_the_engine_and_every_detector(agent_paths: Paths) -> None:
    write_config(agent_paths, CONFIG)
    lock, call = RecordingDetector("lock"), RecordingDetector("call")

    async def scenario(service: AgentService) -> None:
        await until(lambda: lock.sink is not None, what="detectors started")
        assert lock.sink is not None
        lock.sink(LockObserved(True, "test"))
        await until(lambda: service.engine.current.status.value == "away", what="away")
        assert call.locks == [True] and lock.locks == [True]

    serve(agent_paths, [lock, call], scenario)


def test_a_detector_that_cannot_start_is_noted_and_the_rest_run(agent_paths: Paths) -> None:
    write_config(agent_paths, CONFIG)
    broken, idle = Broken("camera"), RecordingDetector("idle")

    async def scenario(service: AgentService) -> None:
        await until(lambda: idle.sink is not None, what="the working detector")
        assert "camera: could not start (no such device)" in str(service.snapshot())

    serve(agent_paths, [broken, idle], scenario)

"""After a resume the agent has every detector read its signal again (issue 4).

Pre-sleep readings are stale: the screen may have been unlocked elsewhere, the idle
time is meaningless. The service runs in-process with recording detectors, so the
test sees exactly which detectors were asked, and when.
"""

from __future__ import annotations

import asyncio

from agent.app import AgentService
from agent.config.paths import Paths
from agent.core.signals import SleepObserved
from tests.agent_process import write_config
from tests.detectors.recording import RecordingDetector
from tests.support import until


def test_every_detector_reads_again_after_resume_not_before(agent_paths: Paths) -> None:
    write_config(agent_paths, '[schedule]\nenabled = false\n\n[location]\nmode = "off"\n')
    idle, lock, sleep = (
        RecordingDetector("idle"),
        RecordingDetector("lock"),
        RecordingDetector("sleep"),
    )

    async def scenario() -> None:
        service = AgentService(agent_paths, detectors=[idle, lock, sleep])
        stop = asyncio.Event()
        running = asyncio.create_task(service.run(stop))
        try:
            await until(lambda: sleep.sink is not None or running.done(), what="detectors")
            assert sleep.sink is not None
            released: list[bool] = []
            sleep.sink(SleepObserved(True, ready=lambda: released.append(True)))
            await until(lambda: released, what="ready to sleep")
            assert (idle.refreshed, lock.refreshed) == (0, 0)
            sleep.sink(SleepObserved(False))
            await until(lambda: idle.refreshed and lock.refreshed, what="re-read after resume")
            assert (idle.refreshed, lock.refreshed) == (1, 1)
        finally:
            stop.set()
            await asyncio.wait_for(running, 10)

    asyncio.run(asyncio.wait_for(scenario(), 30))

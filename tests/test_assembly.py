"""Building the agent's parts from the configuration (agent/assembly.py)."""

from __future__ import annotations

import asyncio
import dataclasses

from agent.assembly import (
    DETECTOR_BUILDERS,
    DetectorParts,
    build_backends,
    build_detectors,
    build_http_client,
    route_observations,
    secret_pairs,
)
from agent.backends.base import BackendContext
from agent.config.paths import Paths
from agent.config.schema import BackendEntry, CalendarEntry, Config
from agent.core.clock import SystemClock
from agent.core.signals import IdleObserved, LockObserved, Observation, SleepObserved
from agent.detectors.base import Detector
from tests.backends.support import USER, Secrets
from tests.detectors.recording import RecordingDetector

LOCAL = BackendEntry(name="journal", type="local")
HOOK = BackendEntry(name="hook", type="webhook", base_url="http://127.0.0.1:9/hook")


def test_secret_pairs_name_every_enabled_backend_field_and_secret_calendar() -> None:
    config = Config(
        backends=(
            LOCAL,
            HOOK,
            BackendEntry(name="off", type="audian", enabled=False),
        ),
        calendars=(
            CalendarEntry(name="work", url_secret=True),
            CalendarEntry(name="home", path="/tmp/home.ics"),
        ),
    )
    assert secret_pairs(config) == [("hook", "signing_secret"), ("calendar:work", "url")]


def test_only_a_network_backend_gets_an_http_client() -> None:
    assert build_http_client(Config(backends=(LOCAL,))) is None
    assert (
        build_http_client(Config(backends=(LOCAL, dataclasses.replace(HOOK, enabled=False))))
        is None
    )
    client = build_http_client(Config(backends=(LOCAL, HOOK)))
    assert client is not None
    asyncio.run(client.aclose())


def test_a_backend_that_cannot_be_built_is_left_out(agent_paths: Paths) -> None:
    config = Config(backends=(LOCAL, BackendEntry(name="odd", type="carrier-pigeon")))
    context = BackendContext(
        user=USER, secrets=Secrets(), http=None, paths=agent_paths, clock=SystemClock()
    )
    assert [backend.name for backend in build_backends(config, context)] == ["journal"]


def test_every_signal_is_built_or_says_why_not(agent_paths: Paths) -> None:
    detectors, notes = build_detectors(DetectorParts(Config(), agent_paths, Secrets()))
    built = [detector.signal for detector in detectors]
    missing = [note.split(":")[0] for note in notes]
    assert sorted(built + missing) == sorted(signal for signal, _ in DETECTOR_BUILDERS)
    assert all(Detector in type(detector).__mro__ for detector in detectors)


def test_the_engine_hears_everything_first_and_every_detector_hears_the_lock() -> None:
    heard: list[Observation] = []
    slept: list[SleepObserved] = []
    first, second = RecordingDetector("call"), RecordingDetector("call")
    running: list[Detector] = [first]
    router = route_observations(heard.append, running, None, slept.append)
    running.append(second)  # started later: still told
    lock, idle, sleep = LockObserved(True, "t"), IdleObserved(3.0, "t"), SleepObserved(True)
    for observation in (lock, idle, sleep):
        router(observation)
    assert heard == [lock, idle, sleep]
    assert first.locks == second.locks == [True]
    assert slept == [sleep]

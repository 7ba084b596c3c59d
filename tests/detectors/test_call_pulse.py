"""The call detector against a real PulseAudio server and real parecord clients."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterator

import pytest

from agent.config.schema import CallSettings
from agent.core.signals import CallObserved, Observation
from agent.detectors.call import CallDetector
from agent.detectors.mic import PulseMicSource
from tests.detectors.pulse_server import PulseServer, pulse_server, stop_process
from tests.support import until

pytestmark = pytest.mark.skipif(
    shutil.which("pulseaudio") is None or shutil.which("parecord") is None,
    reason="needs pulseaudio and parecord (tests/system-deps.sh)",
)


@pytest.fixture
def pulse() -> Iterator[PulseServer]:
    with pulse_server() as server:
        yield server


def calls(seen: list[Observation]) -> list[CallObserved]:
    return [o for o in seen if isinstance(o, CallObserved)]


def test_recording_turns_call_on_within_3s_and_off_when_it_stops(pulse: PulseServer) -> None:
    async def scenario() -> None:
        seen: list[Observation] = []
        detector = CallDetector(CallSettings(), [PulseMicSource(server=pulse.server)])
        await detector.start(seen.append)
        try:
            assert calls(seen) == [CallObserved(False, None, "pulseaudio")]
            started = time.monotonic()
            recorder = pulse.record("--client-name=zoom")
            await until(lambda: calls(seen)[-1].active, 3.0, "call active")
            assert time.monotonic() - started < 3.0
            assert calls(seen)[-1] == CallObserved(True, "Zoom", "pulseaudio", meeting_app=True)
            await asyncio.to_thread(stop_process, recorder)
            await until(lambda: not calls(seen)[-1].active, 3.0, "call inactive")
            assert not detector.degraded
            assert detector.report()[0].in_use
        finally:
            await detector.stop()

    asyncio.run(scenario())


def test_monitor_meter_module_and_ignored_streams_do_not_count(pulse: PulseServer) -> None:
    async def scenario() -> None:
        seen: list[Observation] = []
        settings = CallSettings(ignore_apps=("Dictation-Tool",))
        detector = CallDetector(settings, [PulseMicSource(server=pulse.server)])
        await detector.start(seen.append)
        try:
            pulse.record("--device=nullsink.monitor", "--client-name=zoom")
            pulse.record("--property=media.name=Peak detect", "--client-name=pavucontrol")
            pulse.record("--client-name=dictation-tool")
            pulse.pactl("load-module", "module-loopback", "source=nullsrc", "sink=nullsink")
            await until(lambda: pulse.source_outputs() == 4, 5.0, "four junk streams")
            real = pulse.record("--client-name=Skype")
            await until(lambda: calls(seen)[-1].active, 3.0, "real call")
            await asyncio.to_thread(stop_process, real)
            await until(lambda: pulse.source_outputs() == 4, 5.0, "real stream gone")
            await until(lambda: not calls(seen)[-1].active, 3.0, "junk alone is no call")
            assert [c.app for c in calls(seen) if c.active] == ["Skype"]
        finally:
            await detector.stop()

    asyncio.run(scenario())


def test_no_server_means_no_source_and_a_reason() -> None:
    async def scenario() -> None:
        seen: list[Observation] = []
        source = PulseMicSource(server="unix:/nonexistent/pulse/native")
        detector = CallDetector(CallSettings(), [source])
        await detector.start(seen.append)
        await detector.stop()
        assert seen == []
        assert detector.degraded
        (report,) = detector.report()
        assert not report.in_use and report.detail

    asyncio.run(scenario())


def test_server_restart_is_survived(pulse: PulseServer) -> None:
    async def scenario() -> None:
        seen: list[Observation] = []
        detector = CallDetector(CallSettings(), [PulseMicSource(server=pulse.server)])
        await detector.start(seen.append)
        try:
            pulse.record("--client-name=zoom")
            await until(lambda: calls(seen)[-1].active, 3.0, "call active")
            await asyncio.to_thread(pulse.stop_daemon)
            await until(lambda: detector.degraded, 5.0, "lost connection noticed")
            assert not calls(seen)[-1].active  # unknown is never a fake "in a call"
            assert "lost" in detector.report()[0].detail
            await asyncio.to_thread(pulse.start_daemon)
            await until(lambda: not detector.degraded, 10.0, "reconnected")
            pulse.record("--client-name=teams")
            await until(lambda: calls(seen)[-1].app == "Teams", 3.0, "call after restart")
        finally:
            await detector.stop()

    asyncio.run(scenario())

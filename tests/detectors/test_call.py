"""The call detector's combining rules, with fake mic and camera sources."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

import pytest

from agent.config.schema import CallSettings, Config
from agent.core.signals import CallObserved, Observation
from agent.detectors.call import CallDetector, create_call_detector
from agent.detectors.call_apps import Capture, is_ignored, meeting_app
from agent.detectors.mic import OnChange, OnLost, PollingMicSource
from tests.support import until


class FakeMic:
    def __init__(self, name: str = "fake-mic", fail: str = "") -> None:
        self.name = name
        self.fail = fail
        self.on_change: OnChange | None = None
        self.on_lost: OnLost | None = None
        self.stopped = False

    async def start(self, on_change: OnChange, on_lost: OnLost) -> None:
        if self.fail:
            raise OSError(self.fail)
        self.on_change, self.on_lost = on_change, on_lost
        on_change([])

    async def stop(self) -> None:
        self.stopped = True

    def set(self, *apps: str) -> None:
        assert self.on_change is not None
        self.on_change([Capture(app=a, binary=a.lower()) for a in apps])


class FakeCamera:
    name = "fake-camera"

    def __init__(self) -> None:
        self.apps: list[Capture] = []
        self.scans = 0
        self.wake: Callable[[], None] | None = None
        self.watching = False

    def users(self) -> list[Capture]:
        self.scans += 1
        return list(self.apps)

    def watch(self, wake: Callable[[], None]) -> Callable[[], None] | None:
        self.wake, self.watching = wake, True

        def unwatch() -> None:
            self.watching = False

        return unwatch


def last_call(seen: list[Observation]) -> CallObserved:
    return [o for o in seen if isinstance(o, CallObserved)][-1]


def test_meeting_app_is_named_and_ignored_apps_do_not_count() -> None:
    async def scenario() -> None:
        seen: list[Observation] = []
        mic = FakeMic()
        settings = CallSettings(ignore_apps=("NoiseTorch",))
        detector = CallDetector(settings, [mic])
        await detector.start(seen.append)
        assert last_call(seen) == CallObserved(False, None, "fake-mic")
        mic.set("NoiseTorch")
        assert last_call(seen).active is False
        mic.set("Audacity", "ZOOM VoiceEngine")
        assert last_call(seen) == CallObserved(True, "Zoom", "fake-mic", meeting_app=True)
        count = len(seen)
        mic.set("ZOOM VoiceEngine", "Audacity")  # same state: nothing pushed
        assert len(seen) == count
        mic.set("Audacity")
        assert last_call(seen) == CallObserved(True, "Audacity", "fake-mic")
        count = len(seen)
        mic.set("Audacity")
        assert len(seen) == count
        mic.set()
        assert last_call(seen).active is False
        await detector.stop()
        assert mic.stopped

    asyncio.run(scenario())


def test_first_working_mic_source_is_used_and_fallback_is_reported() -> None:
    async def scenario() -> None:
        broken, working = FakeMic("best", fail="no server"), FakeMic("fallback")
        detector = CallDetector(CallSettings(), [broken, working])
        await detector.start(lambda _o: None)
        reports = detector.report()
        assert [(r.source, r.in_use, r.detail) for r in reports] == [
            ("best", False, "no server"),
            ("fallback", True, "microphone capture, per app"),
        ]
        assert detector.degraded
        await detector.stop()

    asyncio.run(scenario())


def test_lost_mic_source_drops_the_call_and_degrades() -> None:
    async def scenario() -> None:
        seen: list[Observation] = []
        mic = FakeMic()
        detector = CallDetector(CallSettings(), [mic])
        await detector.start(seen.append)
        mic.set("zoom")
        assert mic.on_lost is not None
        mic.on_lost("PulseAudio connection lost")
        assert last_call(seen).active is False
        assert detector.degraded and "lost" in detector.report()[0].detail
        mic.set()
        assert not detector.degraded
        await detector.stop()

    asyncio.run(scenario())


def test_camera_counts_only_while_unlocked_and_is_scanned_on_mic_changes() -> None:
    async def scenario() -> None:
        seen: list[Observation] = []
        mic, camera = FakeMic(), FakeCamera()
        detector = CallDetector(
            CallSettings(), [mic], camera, watched_interval=3600, min_scan_gap=0
        )
        await detector.start(seen.append)
        await until(lambda: camera.scans == 1)  # one scan at start
        camera.apps = [Capture(app="cheese")]
        mic.set("teams")  # mic starts: the camera is read again
        await until(lambda: camera.scans == 2)
        await until(lambda: last_call(seen).app == "Teams")
        mic.set()  # mic stops, camera still on: still in a call
        await until(lambda: camera.scans == 3)
        assert last_call(seen) == CallObserved(True, "cheese", "fake-mic+fake-camera")
        detector.set_locked(True)  # face unlock: the camera never counts while locked
        assert last_call(seen).active is False
        detector.set_locked(False)  # unlock: read again
        await until(lambda: camera.scans == 4)
        await until(lambda: last_call(seen).active)
        camera.apps = []
        assert camera.wake is not None
        camera.wake()  # the device was closed: read again
        await until(lambda: not last_call(seen).active)
        assert "on change" in detector.report()[-1].detail
        await detector.stop()
        assert not camera.watching

    asyncio.run(scenario())


def test_camera_can_be_turned_off_and_camera_apps_can_be_ignored() -> None:
    async def scenario() -> None:
        seen: list[Observation] = []
        mic, camera = FakeMic(), FakeCamera()
        camera.apps = [Capture(app="howdy")]
        detector = CallDetector(CallSettings(ignore_apps=("howdy",)), [mic], camera)
        await detector.start(seen.append)
        await until(lambda: camera.scans == 1)
        assert last_call(seen).active is False
        detector.reconfigure(Config(call=CallSettings(camera=False)))
        assert "turned off" in detector.report()[-1].detail
        await detector.stop()

    asyncio.run(scenario())


def test_polling_source_reports_changes_and_failures() -> None:
    async def scenario() -> None:
        answers: list[list[Capture] | Exception] = [[], [Capture("zoom")], OSError("gone")]

        def read() -> list[Capture]:
            answer = answers[0] if len(answers) == 1 else answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer

        changes: list[list[Capture]] = []
        lost: list[str] = []
        source = PollingMicSource("poll", read, interval=0.01)
        await source.start(changes.append, lost.append)
        await until(lambda: lost)
        assert changes == [[], [Capture("zoom")]]
        assert lost == ["poll failed: gone"]
        await source.stop()

    asyncio.run(scenario())


def test_name_matching() -> None:
    apps = CallSettings().meeting_apps
    assert meeting_app(Capture(app="ZOOM VoiceEngine", binary="zoom"), apps) == "Zoom"
    assert meeting_app(Capture(app="Google Chrome", binary="chrome"), apps) == "Chrome"
    assert meeting_app(Capture(app="us.zoom.xos"), apps) == "Zoom"
    assert meeting_app(Capture(app="ms-teams", binary="ms-teams.exe"), apps) == "Teams"
    assert meeting_app(Capture(app="Webex"), ["WebEx"]) == "WebEx"
    assert meeting_app(Capture(app="Audacity"), apps) is None
    assert is_ignored(Capture(app="Dictation", binary="nerd-dictation"), ["NERD-DICTATION"])
    assert is_ignored(Capture(app="krisp", binary="Krisp.exe"), ["krisp.exe"])
    assert not is_ignored(Capture(app="ZOOM VoiceEngine"), ["zoom"])


def test_factory_builds_the_linux_sources() -> None:
    detector = create_call_detector(Config())
    assert [r.source for r in detector.report()] == ["pulseaudio", "proc-video"]


def test_factory_picks_windows_and_macos_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    windows = create_call_detector(Config())
    assert [r.source for r in windows.report()] == [
        "core-audio",
        "consent-store",
        "consent-store-webcam",
    ]
    monkeypatch.setattr(sys, "platform", "darwin")
    mac = create_call_detector(Config())
    assert [r.source for r in mac.report()] == [
        "coreaudio-processes",
        "coreaudio-device",
        "coremediaio",
    ]


def test_macos_glue_falls_back_before_14(monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.detectors import call
    from agent.platform.macos import coreaudio

    monkeypatch.setattr(coreaudio, "recording_processes", lambda: None)
    with pytest.raises(OSError, match="macOS 14"):
        call._mac_processes()
    monkeypatch.setattr(coreaudio, "input_running_somewhere", lambda: True)
    assert call._mac_device() == [Capture(app="")]

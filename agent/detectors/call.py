"""In a call: an app records from the microphone or uses the camera.

The detector pushes the raw state (``CallObserved``) on every change; the engine
applies ``call.min_duration`` and ``call.hold_after``, so nothing is debounced here.
Junk captures are dropped before that: the mic source drops meters, monitors and
paused streams; here ``call.ignore_apps`` is applied, and the camera is not counted
while the session is locked (face unlock uses it).

The camera is read rarely: when its source says camera use may have changed
(Linux: inotify on ``/dev/video*``), when mic capture starts or stops, when the
session unlocks, and every ``camera_interval`` seconds (a long safety net when the
source can notice changes itself).

Threading: every method is called on the agent's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, Sequence

from agent.config.schema import CallSettings, Config
from agent.core.signals import CallObserved
from agent.detectors.base import Detector, Sink, SourceReport
from agent.detectors.call_apps import Capture, is_ignored, meeting_app
from agent.detectors.camera import CameraSource
from agent.detectors.mic import MicSource

log = logging.getLogger(__name__)

SIGNAL = "call"


class CallDetector(Detector):
    """Combines one microphone source (the first that works) and a camera source."""

    signal = SIGNAL

    def __init__(
        self,
        settings: CallSettings,
        mic_sources: Sequence[MicSource],
        camera: CameraSource | None = None,
        camera_interval: float = 60.0,
        watched_interval: float = 900.0,
        min_scan_gap: float = 1.0,
    ) -> None:
        self._settings = settings
        self._mic_candidates = list(mic_sources)
        self._camera = camera
        self._camera_interval = camera_interval
        self._watched_interval = watched_interval
        self._min_scan_gap = min_scan_gap
        self._unwatch: Callable[[], None] | None = None
        self._sink: Sink | None = None
        self._mic: MicSource | None = None
        self._mic_problem = ""
        self._tried: dict[str, str] = {}
        self._mic_apps: list[Capture] = []
        self._camera_apps: list[Capture] = []
        self._camera_problem = ""
        self._locked = False
        self._last: tuple[bool, str | None, bool] | None = None
        self._scan_wanted = asyncio.Event()
        self._camera_task: asyncio.Task[None] | None = None

    async def start(self, sink: Sink) -> None:
        self._sink = sink
        for source in self._mic_candidates:
            try:
                await source.start(self._mic_changed, self._mic_lost)
            except Exception as error:
                self._tried[source.name] = str(error) or type(error).__name__
                log.info("call: %s unavailable: %s", source.name, error)
                continue
            self._mic = source
            break
        if self._camera is not None and self._settings.camera:
            self._unwatch = self._camera.watch(self._scan_wanted.set)
            self._camera_task = asyncio.create_task(self._camera_loop())
            self._scan_wanted.set()
        self._publish()

    async def stop(self) -> None:
        self._sink = None
        if self._camera_task is not None:
            self._camera_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._camera_task
            self._camera_task = None
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        if self._mic is not None:
            await self._mic.stop()
            self._mic = None

    def reconfigure(self, config: Config) -> None:
        self._settings = config.call
        if not config.call.camera:
            self._camera_apps = []
        self._publish()

    def set_locked(self, locked: bool) -> None:
        """The service tells us about lock changes: camera use while locked never counts."""
        if locked == self._locked:
            return
        self._locked = locked
        if locked:
            self._camera_apps = []
        else:
            self._scan_wanted.set()
        self._publish()

    # -- sources -------------------------------------------------------------------

    def _mic_changed(self, captures: list[Capture]) -> None:
        if self._sink is None:
            return
        starts_or_stops = bool(captures) != bool(self._mic_apps)
        self._mic_apps = captures
        self._mic_problem = ""
        if starts_or_stops:
            self._scan_wanted.set()
        self._publish()

    def _mic_lost(self, message: str) -> None:
        if message != self._mic_problem:  # once per outage, not once per retry
            log.warning("call: %s", message)
        self._mic_problem = message
        self._mic_apps = []
        self._publish()

    async def _camera_loop(self) -> None:
        assert self._camera is not None
        interval = self._camera_interval if self._unwatch is None else self._watched_interval
        while True:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation,
            # and stop() would then wait for this task forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._scan_wanted.wait()
            self._scan_wanted.clear()
            if self._locked or not self._settings.camera:
                continue
            try:
                users = await asyncio.to_thread(self._camera.users)
            except Exception as error:
                self._camera_problem = str(error) or type(error).__name__
                continue
            self._camera_problem = ""
            if not self._locked:  # the session may have locked while we read
                self._camera_apps = users
                self._publish()
            # Browsers open every camera briefly when listing devices: one scan per burst.
            await asyncio.sleep(self._min_scan_gap)

    # -- output --------------------------------------------------------------------

    def _publish(self) -> None:
        if self._sink is None or self._mic is None and self._camera_task is None:
            return
        ignore = self._settings.ignore_apps
        mic = [c for c in self._mic_apps if not is_ignored(c, ignore)]
        camera = [] if self._locked else [c for c in self._camera_apps if not is_ignored(c, ignore)]
        everyone = mic + camera
        meetings = [meeting_app(c, self._settings.meeting_apps) for c in everyone]
        named = [name for name in meetings if name]
        label = named[0] if named else everyone[0].label if everyone else ""
        state = (bool(everyone), label or None, bool(named))
        if state == self._last:
            return
        self._last = state
        self._sink(
            CallObserved(
                active=state[0], app=state[1], source=self._source_name(), meeting_app=state[2]
            )
        )

    def _source_name(self) -> str:
        names = [s.name for s in (self._mic, self._camera if self._camera_task else None) if s]
        return "+".join(names)

    def report(self) -> list[SourceReport]:
        reports = []
        for source in self._mic_candidates:
            if source is self._mic:
                detail = self._mic_problem or "microphone capture, per app"
                reports.append(SourceReport(SIGNAL, source.name, True, detail))
            else:
                detail = self._tried.get(source.name, "not needed: an earlier source works")
                reports.append(SourceReport(SIGNAL, source.name, False, detail))
        if self._camera is not None:
            if not self._settings.camera:
                detail = "camera detection turned off (call.camera = false)"
            else:
                how = "on change" if self._unwatch else f"every {self._camera_interval:.0f} s"
                detail = self._camera_problem or f"camera use, read {how} (not while locked)"
            in_use = self._camera_task is not None and not self._camera_problem
            reports.append(SourceReport(SIGNAL, self._camera.name, in_use, detail))
        return reports

    @property
    def degraded(self) -> bool:
        preferred = self._mic_candidates[0] if self._mic_candidates else None
        return self._mic is None or self._mic is not preferred or bool(self._mic_problem)


def create_call_detector(config: Config) -> CallDetector:
    """The mic and camera sources that fit this OS, best first."""
    from agent.detectors.camera import FunctionCameraSource, ProcCameraSource
    from agent.detectors.mic import PollingMicSource, PulseMicSource

    mics: list[MicSource] = []
    camera: CameraSource | None = None
    if sys.platform.startswith("linux"):
        import os

        mics = [PulseMicSource()]
        camera = ProcCameraSource(own_pid=os.getpid())
    elif sys.platform == "win32":
        mics = [
            PollingMicSource("core-audio", _windows_sessions),
            PollingMicSource("consent-store", lambda: _windows_consent("microphone")),
        ]
        camera = FunctionCameraSource("consent-store-webcam", lambda: _windows_consent("webcam"))
    elif sys.platform == "darwin":
        mics = [
            PollingMicSource("coreaudio-processes", _mac_processes),
            PollingMicSource("coreaudio-device", _mac_device),
        ]
        camera = FunctionCameraSource("coremediaio", _mac_camera)
    return CallDetector(config.call, mics, camera)


def _windows_sessions() -> list[Capture]:
    from agent.platform.windows.audio_capture import active_capture_sessions

    return [
        Capture(app=s.process_name.removesuffix(".exe"), binary=s.process_name)
        for s in active_capture_sessions()
    ]


def _windows_consent(capability: str) -> list[Capture]:
    from agent.platform.windows.consent_store import apps_in_use

    return [Capture(app=name.removesuffix(".exe"), binary=name) for name in apps_in_use(capability)]


def _mac_processes() -> list[Capture]:
    from agent.platform.macos.coreaudio import recording_processes

    processes = recording_processes()
    if processes is None:
        raise OSError("needs macOS 14 or later (CoreAudio process objects)")
    return [Capture(app=p.bundle_id, binary=p.bundle_id) for p in processes]


def _mac_device() -> list[Capture]:
    from agent.platform.macos.coreaudio import input_running_somewhere

    return [Capture(app="")] if input_running_somewhere() else []


def _mac_camera() -> list[Capture]:
    from agent.platform.macos.camera import camera_in_use

    return [Capture(app="")] if camera_in_use() else []

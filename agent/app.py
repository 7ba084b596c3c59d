"""The composition root: builds the agent's parts, wires them, and runs the loop.

One asyncio loop runs everything. Detectors push observations into the engine; after
each push (or at the engine's next wake-up) the loop evaluates the engine and hands
any change to the dispatcher, which writes it to the outbox before sending. With
nothing happening the loop sleeps: no ticking.

Threading: every method of :class:`AgentService` runs on its loop. The tray app is a
separate process that reaches the service over the IPC socket: requests, and a
subscription that pushes a snapshot after every visible change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agent import __version__
from agent.config.paths import Paths
from agent.config.schema import Config
from agent.core.clock import Clock, SystemClock
from agent.core.engine import Engine, EngineSettings
from agent.core.model import PresenceChange, Status
from agent.core.signals import (
    LocationObserved,
    LockObserved,
    MeetingsObserved,
    Observation,
    SleepObserved,
)
from agent.snapshot import Snapshot, build_snapshot, detection_summary, health
from agent.state_file import StateFile

if TYPE_CHECKING:
    import httpx

    from agent.backends.base import Backend
    from agent.config.loader import LoadedConfig
    from agent.delivery.dispatcher import Dispatcher
    from agent.delivery.outbox import Outbox
    from agent.detectors.base import Detector
    from agent.ipc import IpcServer
    from agent.secret_cache import SecretCache

log = logging.getLogger(__name__)

Request = dict[str, Any]

#: How long the agent waits for queued changes to go out before the machine sleeps.
SLEEP_FLUSH_SECONDS = 3.0
#: How long each detector gets to stop when the agent exits.
DETECTOR_STOP_SECONDS = 2.0


class AgentService:
    """The running agent: headless, with the tray (another process) as a client of its socket."""

    def __init__(
        self,
        paths: Paths,
        clock: Clock | None = None,
        detectors: list[Detector] | None = None,
    ) -> None:
        self.paths = paths
        self.clock: Clock = clock or SystemClock()
        self._given_detectors = detectors
        self._detectors: list[Detector] = []
        self._detector_notes: list[str] = []
        self._subscribers: list[Callable[[Snapshot], None]] = []
        self._ipc_subscribers = 0
        self._last_health: Any = None
        self._wake = asyncio.Event()
        self._config_problems: list[str] = []
        self._loaded: LoadedConfig | None = None
        self._state_file = StateFile(paths.state_file)
        self._tasks: set[asyncio.Task[None]] = set()
        self._engine: Engine | None = None
        self._dispatcher: Dispatcher | None = None
        self._outbox: Outbox | None = None
        self._backends: list[Backend] = []
        self._http: httpx.AsyncClient | None = None
        self._secrets: SecretCache | None = None
        self._ipc: IpcServer | None = None
        self._stop: asyncio.Event | None = None

    # -- life cycle ---------------------------------------------------------------

    @property
    def config(self) -> Config:
        return self._loaded.config if self._loaded else Config()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the agent is not running")
        return self._engine

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set; everything started here is stopped here."""
        self._stop = stop
        self._loaded = self._load_config(initial=True)
        config = self.config
        saved = self._state_file.read()
        self._engine = Engine(EngineSettings.from_config(config), self.clock, saved)
        await self._start_delivery(config)
        await self._adopt_remote_status()
        from agent import ipc

        self._ipc = await ipc.serve(
            self.paths.socket_path, self.handle, subscribe=self._subscribe_remote
        )
        await self._start_detectors(config)
        log.info("agent %s started (pid %d)", __version__, os.getpid())
        try:
            await self._loop_until(stop)
        finally:
            await self._shutdown()

    async def _loop_until(self, stop: asyncio.Event) -> None:
        stopper = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                self._step()
                waker = asyncio.ensure_future(self._wake.wait())
                timeout = self._seconds_to_next_wakeup()
                await asyncio.wait({stopper, waker}, timeout=timeout, return_when="FIRST_COMPLETED")
                waker.cancel()
                self._wake.clear()
        finally:
            stopper.cancel()

    def _seconds_to_next_wakeup(self) -> float | None:
        wake = self.engine.next_wakeup()
        if wake is None:
            return None
        # A little past the instant, so the engine sees the boundary as crossed.
        return max(0.0, (wake - self.clock.now()).total_seconds()) + 0.005

    async def _shutdown(self) -> None:
        for detector in self._detectors:
            # A detector that cannot stop in time must not keep the agent from exiting.
            with contextlib.suppress(Exception):
                async with asyncio.timeout(DETECTOR_STOP_SECONDS):
                    await detector.stop()
        if self._ipc is not None:
            self._ipc.close()
        if self._dispatcher is not None:
            with contextlib.suppress(Exception):
                await self._dispatcher.flush(timeout=2.0)
            await self._dispatcher.stop()
        if self._outbox is not None:
            self._outbox.close()
        for backend in self._backends:
            with contextlib.suppress(Exception):
                await backend.aclose()
        if self._http is not None:
            await self._http.aclose()
        for task in list(self._tasks):
            task.cancel()
        self._persist_saved_state()
        log.info("agent stopped")

    # -- configuration -----------------------------------------------------------

    def _load_config(self, initial: bool) -> LoadedConfig | None:
        """The new configuration, or the last good one (``None`` at start: defaults)."""
        from agent.config.loader import ConfigError, load_config

        try:
            loaded = load_config(self.paths)
        except ConfigError as error:
            self._config_problems = list(error.problems)
            for problem in error.problems:
                log.error("config: %s", problem)
            if initial:
                log.error("config: starting on the built-in defaults until the file is fixed")
            else:
                log.error("config: keeping the last good configuration")
            return self._loaded
        self._config_problems = list(loaded.problems)
        for problem in loaded.problems:
            log.error("policy: %s", problem)
        from agent.logs import set_level

        set_level(loaded.config.general.log_level)
        return loaded

    async def reload(self) -> list[str]:
        """Re-read the config; on error keep the last good one and return the problems."""
        loaded = self._load_config(initial=False)
        if loaded is None or loaded is self._loaded:
            return list(self._config_problems)
        self._loaded = loaded
        config = loaded.config
        self.engine.reconfigure(EngineSettings.from_config(config))
        for backend in self._backends:
            with contextlib.suppress(Exception):
                await backend.aclose()
        if self._secrets is not None:
            self._secrets.forget()
            await asyncio.to_thread(self._secrets.load, _secret_pairs(config))
        self._backends = self._create_backends(config)
        if self._dispatcher is not None:
            self._dispatcher.replace_backends(self._backends)
        for detector in self._detectors:
            reconfigure = getattr(detector, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(config)
        log.info("configuration reloaded")
        self._wake.set()
        return []

    def request_reload(self) -> None:
        """Reload soon (from a signal handler, which cannot await)."""
        self._spawn(self._reload_and_forget())

    async def _reload_and_forget(self) -> None:
        await self.reload()

    # -- parts ---------------------------------------------------------------------

    async def _start_delivery(self, config: Config) -> None:

        from agent.delivery.dispatcher import Dispatcher
        from agent.delivery.outbox import Outbox
        from agent.secret_cache import SecretCache

        self._secrets = SecretCache()
        await asyncio.to_thread(self._secrets.load, _secret_pairs(config))
        self._backends = self._create_backends(config)
        self.paths.data_dir.mkdir(parents=True, exist_ok=True)
        self._outbox = outbox = Outbox(
            self.paths.outbox_file, max_per_backend=config.delivery.max_queue
        )
        self._dispatcher = Dispatcher(
            outbox,
            self._backends,
            self.clock,
            config.delivery,
            lambda: self.engine.current,
            on_change=self._notify_if_health_changed,
        )
        await self._dispatcher.start()

    def _create_backends(self, config: Config) -> list[Backend]:
        from agent.backends.registry import BackendContext, create_backend

        assert self._secrets is not None
        if self._http is None and any(e.enabled and e.type != "local" for e in config.backends):
            # Only a network backend needs HTTP (and TLS): the default local-only agent
            # never loads httpx and ssl, some 10 MB of a resident process.
            from agent.backends.http import create_client

            self._http = create_client(config.general.proxy_url)
        context = BackendContext(
            user=config.user,
            secrets=self._secrets,
            http=self._http,
            paths=self.paths,
            clock=self.clock,
            locations=config.locations,
        )
        backends: list[Backend] = []
        for entry in config.backends:
            if not entry.enabled:
                continue
            try:
                backends.append(create_backend(entry, context))
            except Exception as error:  # a broken backend must not stop the others
                log.error("backend %s: %s", entry.name, error)
        return backends

    async def _adopt_remote_status(self) -> None:
        """Adopt a status set elsewhere (e.g. a desk phone) when there is no newer manual one."""
        if self.engine.saved_state().has_override:
            return
        for backend in self._backends:
            fetch = getattr(backend, "fetch_remote_status", None)
            if fetch is None:
                continue
            try:
                remote = await asyncio.wait_for(fetch(), timeout=3.0)
            except Exception as error:
                log.warning(
                    "backend %s: could not read the current status: %s", backend.name, error
                )
                continue
            if remote is not None and remote.status not in (Status.AVAILABLE, Status.AWAY):
                log.info("adopting %s set elsewhere (from %s)", remote.status, backend.name)
                self.engine.set_manual(remote.status, remote.message, remote.until)
                return

    async def _start_detectors(self, config: Config) -> None:
        detectors = (
            self._given_detectors
            if self._given_detectors is not None
            else self._create_detectors(config)
        )
        for detector in detectors:
            try:
                await detector.start(self._observe)
                self._detectors.append(detector)
            except Exception as error:
                note = f"{detector.signal}: could not start ({error})"
                log.warning("detector %s", note)
                self._detector_notes.append(note)

    def _create_detectors(self, config: Config) -> list[Detector]:
        import importlib

        from agent.backends.http import create_client

        assert self._secrets is not None

        def calendar_client() -> httpx.AsyncClient:
            return create_client(config.general.proxy_url, timeout=20.0)

        factories: list[tuple[str, str, Callable[[Any], Detector]]] = [
            ("idle", "agent.detectors.idle", lambda m: m.create_idle_detector(config)),
            ("lock", "agent.detectors.lock", lambda m: m.create_lock_detector(config)),
            ("sleep", "agent.detectors.sleep", lambda m: m.create_sleep_detector(config)),
            ("call", "agent.detectors.call", lambda m: m.create_call_detector(config)),
            (
                "meeting",
                "agent.detectors.meeting",
                lambda m: m.create_meeting_detector(
                    config,
                    self.paths,
                    self._secrets,
                    lambda: create_client(config.general.proxy_url, timeout=20.0),
                ),
            ),
            ("location", "agent.detectors.location", lambda m: m.create_location_detector(config)),
        ]
        detectors: list[Detector] = []
        for signal_name, module_name, build in factories:
            try:
                detectors.append(build(importlib.import_module(module_name)))
            except Exception as error:
                note = f"{signal_name}: unavailable ({error})"
                log.warning("detector %s", note)
                self._detector_notes.append(note)
        return detectors

    # -- the loop's work ---------------------------------------------------------

    def _observe(self, observation: Observation) -> None:
        """The sink every detector pushes into (on the loop)."""
        engine = self.engine
        engine.observe(observation)
        if isinstance(observation, LockObserved):
            for detector in self._detectors:
                set_locked = getattr(detector, "set_locked", None)
                if set_locked is not None:
                    set_locked(bool(observation.locked))
        elif isinstance(observation, MeetingsObserved) and self._dispatcher is not None:
            from agent.backends.base import CalendarSync

            self._dispatcher.submit_calendar(CalendarSync(observation.meetings))
        elif isinstance(observation, LocationObserved) and self._dispatcher is not None:
            self._dispatcher.network_changed()
        elif isinstance(observation, SleepObserved):
            self._step()
            if observation.sleeping:
                self._spawn(self._flush_before_sleep(observation))
            else:
                self._after_resume()
        self._wake.set()

    def _after_resume(self) -> None:
        """Re-read every signal and send what waited: pre-sleep readings are not trusted."""
        for detector in self._detectors:
            refresh = getattr(detector, "refresh", None)
            if refresh is not None:
                refresh()
        if self._dispatcher is not None:
            self._dispatcher.network_changed()

    async def _flush_before_sleep(self, observation: SleepObserved) -> None:
        try:
            if self._dispatcher is not None:
                await self._dispatcher.flush(timeout=SLEEP_FLUSH_SECONDS)
        finally:
            if observation.ready is not None:
                observation.ready()

    def _spawn(self, coroutine: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _step(self) -> None:
        change = self.engine.evaluate()
        if change is not None:
            self._report(change)
        self._persist_saved_state()
        if change is not None:
            self._notify()
        else:
            self._notify_if_health_changed()

    def _report(self, change: PresenceChange) -> None:
        state = change.state
        log.info(
            "status %s%s (%s)",
            state.status.value,
            f" until {state.until.isoformat()}" if state.until else "",
            state.reason,
        )
        if self._dispatcher is not None:
            self._dispatcher.submit(change)

    def _notify(self) -> None:
        if not self._subscribers:
            return
        snapshot = self.snapshot()
        self._last_health = health(snapshot)
        for callback in list(self._subscribers):
            try:
                callback(snapshot)
            except Exception:
                log.exception("a status subscriber failed")

    def _notify_if_health_changed(self) -> None:
        """Tell subscribers when delivery or detection changed without a presence change.

        Only compares when someone listens, so the headless agent alone pays nothing.
        """
        if self._subscribers and health(self.snapshot()) != self._last_health:
            self._notify()

    def subscribe(self, callback: Callable[[Snapshot], None]) -> None:
        """Call ``callback(snapshot)`` on the loop after every change."""
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[Snapshot], None]) -> None:
        """Stop calling ``callback``; unknown callbacks are ignored."""
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    def _subscribe_remote(self, push: Callable[[Snapshot], None]) -> Callable[[], None]:
        """An IPC subscriber (the tray): the current snapshot at once, then every change."""
        self.subscribe(push)
        self._ipc_subscribers += 1
        push(self.snapshot())

        def unsubscribe() -> None:
            self.unsubscribe(push)
            self._ipc_subscribers -= 1

        return unsubscribe

    # -- saved state (manual override, pause, pin) -------------------------------

    def _persist_saved_state(self) -> None:
        if self._engine is not None:
            self._state_file.write(self._engine.saved_state())

    # -- commands ------------------------------------------------------------------

    async def handle(self, request: Request) -> dict[str, Any]:
        """The one entry point for commands, from the IPC socket and the tray alike."""
        from agent.commands import execute

        reply = await execute(self, request)
        self._wake.set()
        return reply

    # -- what commands do (agent/commands.py parses and validates them) -----------

    def changed_by_user(self, activate: bool = False) -> None:
        """Re-evaluate after a command and tell subscribers (``activate``: open the tray)."""
        self._step()
        if activate:
            snapshot = {**self.snapshot(), "activate": True}
            for callback in list(self._subscribers):
                callback(snapshot)
        else:
            self._notify()

    @property
    def ui_attached(self) -> bool:
        """Whether a tray is subscribed over the socket (single-instance hand-off)."""
        return self._ipc_subscribers > 0

    async def credentials_changed(self, backend: str) -> None:
        """A secret was set or replaced: read them again; a waiting backend retries now."""
        if self._secrets is not None:
            self._secrets.forget()
            await asyncio.to_thread(self._secrets.load, _secret_pairs(self.config))
        if self._dispatcher is not None:
            self._dispatcher.credentials_changed(backend)

    def backend(self, name: str) -> Backend | None:
        return next((b for b in self._backends if b.name == name), None)

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    # -- what the CLI and the tray show ------------------------------------------

    def snapshot(self) -> Snapshot:
        return build_snapshot(
            self.engine,
            self._dispatcher.status() if self._dispatcher is not None else {},
            detection_summary(self._detectors, self._detector_notes),
            str(self.paths.config_file),
            self._config_problems,
        )


def _secret_pairs(config: Config) -> list[tuple[str, str]]:
    """Every secret the configured backends and calendars may read."""
    from agent.backends.registry import SECRET_FIELDS

    pairs = [
        (entry.name, field)
        for entry in config.backends
        if entry.enabled
        for field in SECRET_FIELDS.get(entry.type, ())
    ]
    pairs += [(f"calendar:{cal.name}", "url") for cal in config.calendars if cal.url_secret]
    return pairs


def run_headless(paths: Paths) -> int:
    """``presence-agent run --headless``: run the service until SIGTERM/SIGINT."""
    from agent.logs import setup_logging

    setup_logging(paths, level="info")
    if _already_running(paths):
        log.error("another agent is already running (%s)", paths.socket_path)
        print(f"presence-agent: another agent is already running ({paths.socket_path})")
        return 1
    return asyncio.run(_serve(paths))


async def _serve(paths: Paths) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    service = AgentService(paths)
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    with contextlib.suppress(NotImplementedError, AttributeError):
        loop.add_signal_handler(signal.SIGHUP, service.request_reload)
    ending = None
    if sys.platform == "win32":  # no signals: console events and log-off stop it like `quit`
        from agent.platform.windows.session_end import SessionEnd

        def request_stop() -> None:
            loop.call_soon_threadsafe(service.stop)

        ending = await asyncio.to_thread(SessionEnd.watch, request_stop)
    try:
        await service.run(stop)
    finally:
        if ending is not None:
            await asyncio.to_thread(ending.close)
    return 0


def _already_running(paths: Paths) -> bool:
    from agent import ipc

    try:
        ipc.request(paths.socket_path, {"cmd": "status"}, timeout=2.0)
    except ipc.AgentNotRunning:
        return False
    except Exception:
        return False
    return True

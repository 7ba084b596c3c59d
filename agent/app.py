"""The composition root: runs the parts :mod:`agent.assembly` builds, on one loop.

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
from datetime import datetime
from typing import TYPE_CHECKING, Any

from agent import __version__, secret_provisioning
from agent.assembly import (
    DetectorParts,
    build_backends,
    build_detectors,
    build_http_client,
    route_observations,
    secret_pairs,
)
from agent.backends.base import BackendContext
from agent.commands import execute
from agent.config.paths import Paths
from agent.config.schema import Config
from agent.core.clock import Clock, SystemClock
from agent.core.engine import Engine, EngineSettings
from agent.core.model import PresenceChange, PresenceState, Status
from agent.core.routing import ObservationRouter
from agent.core.signals import Observation, SleepObserved
from agent.history import ChangeHistory
from agent.protocol import ActivatingSnapshot, Reply, Request, Snapshot
from agent.snapshot import build_snapshot, detection_summary, health
from agent.state_file import StateFile

if TYPE_CHECKING:
    import httpx

    from agent.backends.base import Backend
    from agent.config.loader import LoadedConfig
    from agent.delivery.dispatcher import Dispatcher
    from agent.delivery.outbox import Outbox
    from agent.detectors.base import Detector
    from agent.detectors.session_end import SessionEndWatcher
    from agent.ipc import IpcServer
    from agent.secret_cache import SecretCache

log = logging.getLogger(__name__)

#: How long the agent waits for queued changes to go out before the machine sleeps.
SLEEP_FLUSH_SECONDS = 3.0
#: How long each detector gets to stop when the agent exits.
DETECTOR_STOP_SECONDS = 2.0
#: How long the agent waits for backends to confirm "offline" before it exits.
OFFLINE_WAIT_SECONDS = 3.0


class AgentService:
    """The running agent: headless, with the tray (another process) as a client of its socket."""

    def __init__(
        self,
        paths: Paths,
        clock: Clock | None = None,
        detectors: list[Detector] | None = None,
        session_end: SessionEndWatcher | None = None,
    ) -> None:
        self.paths = paths
        self.clock: Clock = clock or SystemClock()
        self._given_detectors = detectors
        self._session_end = session_end
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
        self._router: ObservationRouter | None = None
        self.history = ChangeHistory()

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
        await asyncio.to_thread(secret_provisioning.provision_at_start, self.paths)
        await self._start_delivery(config)
        await self._adopt_remote_status()
        from agent import ipc

        self._ipc = await ipc.serve(
            self.paths.socket_path, self.handle, subscribe=self._subscribe_remote
        )
        await self._start_detectors(config)
        await self._watch_session_end()  # log-out and shutdown take the stop path
        # Issue 15: the start-up state is queued before the senders start, so it
        # supersedes what an earlier run left unconfirmed (its "offline") unsent.
        self._step()
        if self._dispatcher is not None:
            await self._dispatcher.start()
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
        """The one stop path (quit, signals, log-out, shutdown): offline first, then stop."""
        offline_sent = await self._report_offline()
        if self._session_end is not None:
            self._session_end.release()
            await self._session_end.stop()
        for detector in self._detectors:
            # A detector that cannot stop in time must not keep the agent from exiting.
            with contextlib.suppress(Exception):
                async with asyncio.timeout(DETECTOR_STOP_SECONDS):
                    await detector.stop()
        if self._ipc is not None:
            self._ipc.close()
        if self._dispatcher is not None:
            if not offline_sent:
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

    async def _report_offline(self) -> bool:
        """Tell the backends the user left (``[general] offline_on_exit``); wait ≤ 3 s.

        Whether it was tried. What is not confirmed in time stays in the outbox and is
        superseded by the next start's state.
        """
        if not self.config.general.offline_on_exit or self._dispatcher is None:
            return False
        if self._engine is None or self._engine.current.status is Status.OFFLINE:
            return False  # nothing to say (the user chose "offline" already)
        now = self.clock.now()
        offline = PresenceState(Status.OFFLINE, reason="exit", since=now)
        self._dispatcher.submit(PresenceChange(offline, self._engine.current, now))
        log.info("reporting offline before exiting")
        with contextlib.suppress(Exception):
            if not await self._dispatcher.flush(timeout=OFFLINE_WAIT_SECONDS):
                log.warning("offline not confirmed everywhere in time; it stays queued")
        return True

    async def _watch_session_end(self) -> None:
        if self._session_end is None:
            from agent.detectors.session_end import create_session_end_watcher

            self._session_end = create_session_end_watcher()
        await self._session_end.start(self._session_ending)

    def _session_ending(self, what: str) -> None:
        log.info("stopping: %s", what)
        self.stop()

    # -- configuration -----------------------------------------------------------

    def _load_config(self, initial: bool) -> LoadedConfig | None:
        """The new configuration, or the last good one (``None`` at start: defaults)."""
        from agent.config_checks import ConfigError, load_config

        try:
            # At start there is no good configuration to keep: use all but the bad entries.
            loaded = load_config(self.paths, partial=initial)
        except ConfigError as error:
            self._config_problems = list(error.problems)
            for problem in error.problems:
                log.error("config: %s", problem)
            # Said in status, doctor and the tray too, not only in the log.
            self._config_problems.append(
                "the file cannot be used at all: running on the built-in defaults until it is fixed"
                if initial
                else "keeping the last good configuration until the file is fixed"
            )
            log.error("config: %s", self._config_problems[-1])
            return self._loaded
        self._config_problems = list(loaded.problems)
        for problem in loaded.problems:
            log.error("config: %s", problem)
        from agent.logs import set_level

        set_level(loaded.config.general.log_level)
        return loaded

    async def reload(self) -> list[str]:
        """Re-read the config; on error keep the last good one and return the problems."""
        loaded = self._load_config(initial=False)
        if loaded is None or loaded is self._loaded:
            return list(self._config_problems)
        appeared = _appeared_backends(self.config, loaded.config)
        self._loaded = loaded
        config = loaded.config
        self.engine.reconfigure(EngineSettings.from_config(config))
        for backend in self._backends:
            with contextlib.suppress(Exception):
                await backend.aclose()
        if self._secrets is not None:
            self._secrets.forget()
            await asyncio.to_thread(self._secrets.load, secret_pairs(config))
        self._backends = self._create_backends(config)
        if self._dispatcher is not None:
            self._dispatcher.replace_backends(self._backends)
            self._dispatcher.assert_current(appeared)  # the current state at once
        for detector in self._detectors:
            detector.reconfigure(config)
        log.info("configuration reloaded")
        self._wake.set()
        return []

    def request_reload(self) -> None:
        """Reload soon (from a signal handler, which cannot await)."""
        self._spawn(self._reload_and_forget())

    async def _reload_and_forget(self) -> None:
        try:
            await self.reload()
        except Exception:  # nobody awaits this task: say it here, never "never retrieved"
            log.exception("config: reloading failed; the running configuration stays")

    # -- parts ---------------------------------------------------------------------

    async def _start_delivery(self, config: Config) -> None:

        from agent.delivery.dispatcher import Dispatcher
        from agent.delivery.outbox import Outbox
        from agent.private_files import secure_data_dir
        from agent.secret_cache import SecretCache

        self._secrets = SecretCache()
        await asyncio.to_thread(self._secrets.load, secret_pairs(config))
        self._backends = self._create_backends(config)
        secure_data_dir(self.paths.data_dir)
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

    def _create_backends(self, config: Config) -> list[Backend]:
        assert self._secrets is not None
        if self._http is None:
            self._http = build_http_client(config)
        context = BackendContext(
            user=config.user,
            secrets=self._secrets,
            http=self._http,
            paths=self.paths,
            clock=self.clock,
            locations=config.locations,
        )
        return build_backends(config, context)

    async def _adopt_remote_status(self) -> None:
        """Adopt a status set elsewhere (e.g. a desk phone) by the rule of ``core.adoption``."""
        from agent.core.adoption import Verdict, judge

        enabled = self.config.general.adopt_remote_status
        if self.engine.saved_state().has_override or not enabled:
            return
        for backend in self._backends:
            try:
                remote = await asyncio.wait_for(backend.fetch_remote_status(), timeout=3.0)
            except Exception as error:
                log.warning(
                    "backend %s: could not read the current status: %s", backend.name, error
                )
                continue
            if remote is None:
                continue
            verdict = judge(remote, self._last_report(backend.name), enabled)
            if verdict is not Verdict.ADOPT:
                log.info("not adopting %s from %s: %s", remote.status, backend.name, verdict)
                continue
            log.info("adopting %s set elsewhere (from %s)", remote.status, backend.name)
            self.engine.set_manual(remote.status, remote.message, remote.until, backend.name)
            return

    def _last_report(self, backend: str) -> datetime | None:
        """When ``backend`` last confirmed one of this agent's reports."""
        from agent.core.saved_state import parse_instant

        if self._outbox is None:
            return None
        return parse_instant(self._outbox.record(backend).last_success)

    async def _start_detectors(self, config: Config) -> None:
        if self._given_detectors is not None:
            detectors = self._given_detectors
        else:
            assert self._secrets is not None
            detectors, notes = build_detectors(DetectorParts(config, self.paths, self._secrets))
            self._detector_notes.extend(notes)
        self._router = route_observations(
            self.engine.observe, self._detectors, self._dispatcher, self._sleep_changed
        )
        for detector in detectors:
            try:
                await detector.start(self._observe)
                self._detectors.append(detector)
            except Exception as error:
                note = f"{detector.signal}: could not start ({error})"
                log.warning("detector %s", note)
                self._detector_notes.append(note)

    # -- the loop's work ---------------------------------------------------------

    def _observe(self, observation: Observation) -> None:
        """The sink every detector pushes into (on the loop): routed, then evaluated."""
        if self._router is not None:
            self._router(observation)
        self._wake.set()

    def _sleep_changed(self, observation: SleepObserved) -> None:
        self._step()
        if observation.sleeping:
            self._spawn(self._flush_before_sleep(observation))
        else:
            self._after_resume()

    def _after_resume(self) -> None:
        """Re-read every signal and send what waited: pre-sleep readings are not trusted."""
        for detector in self._detectors:
            detector.refresh()
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
        # The user's choice is saved before it is reported: a crash between
        # the two then re-reports the newest choice, never an older one under a new key.
        self._persist_saved_state()
        if change is not None:
            self._report(change)
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
        self.history.record(change, self.engine.snapshot()["reason_text"])
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

    async def handle(self, request: Request) -> Reply:
        """The one entry point for commands, from the IPC socket and the tray alike."""
        reply = await execute(self, request)
        self._wake.set()
        return reply

    # -- what commands do (agent/commands.py parses and validates them) -----------

    def changed_by_user(self, activate: bool = False) -> None:
        """Re-evaluate after a command and tell subscribers (``activate``: open the tray)."""
        self._step()
        if activate:
            snapshot: ActivatingSnapshot = {**self.snapshot(), "activate": True}
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
            await asyncio.to_thread(self._secrets.load, secret_pairs(self.config))
        if self._dispatcher is not None:
            self._dispatcher.credentials_changed(backend)
            self._dispatcher.assert_current([backend])  # the current state at once

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


def _appeared_backends(before: Config, after: Config) -> list[str]:
    """Enabled backends that are new, newly enabled or set up differently."""
    old = {entry.name: entry for entry in before.backends if entry.enabled}
    return [e.name for e in after.backends if e.enabled and old.get(e.name) != e]


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

"""Runs the agent service on its own asyncio loop beside the Qt event loop.

Threading rules: the service and everything it owns live on the worker thread's loop
and are only touched there. The GUI thread talks to it through :meth:`ServiceThread.call`
(a request dict in, a future out) and hears back through Qt signals, which Qt delivers
on the GUI thread (queued connection, because they are emitted from the worker).
Slow work the UI needs (reading the journal or the config file) goes through
:meth:`ServiceThread.background`, so the GUI thread never touches the disk or network.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from agent.app import AgentService
    from agent.config.paths import Paths
    from agent.detectors.base import Detector

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]
Snapshot = dict[str, Any]

STARTUP_POLL = 0.01


class ServiceThread(QObject):
    """Owns the worker thread, its loop, and the service running on it."""

    snapshot_changed = Signal(dict)
    """A new service snapshot (emitted from the worker, received on the GUI thread)."""

    activated = Signal()
    """Another launch asked this instance to show itself."""

    failed = Signal(str)
    """The service could not start or stopped with an error."""

    _deliver = Signal(object, object)

    def __init__(
        self,
        paths: Paths,
        detectors: list[Detector] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._paths = paths
        self._detectors = detectors
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._service: AgentService | None = None
        self._service_ready: asyncio.Event | None = None
        self._deliver.connect(self._on_deliver)

    def start(self) -> None:
        """Start the worker; returns as soon as its loop exists (no I/O waited for)."""
        self._thread = threading.Thread(target=self._main, name="presence-service", daemon=True)
        self._thread.start()
        self._ready.wait()

    @property
    def running(self) -> bool:
        """True between start() and the end of stop()."""
        return (
            self._loop is not None
            and not self._loop.is_closed()
            and self._stop is not None
            and not self._stop.is_set()
        )

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the service to stop and wait (bounded) for the worker to finish."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            self._thread.join(timeout)

    def call(
        self, request: dict[str, Any], on_done: Callback | None = None
    ) -> Future[dict[str, Any]]:
        """Send one request to the service; ``on_done(reply)`` runs on the GUI thread."""
        if not self.running:
            future: Future[dict[str, Any]] = Future()
            future.set_result({"ok": False, "error": "the agent has stopped", "code": 1})
        else:
            assert self._loop is not None
            future = asyncio.run_coroutine_threadsafe(self._handle(request), self._loop)
        if on_done is not None:
            future.add_done_callback(lambda f: self._deliver.emit(on_done, _reply_of(f)))
        return future

    def background(self, work: Callable[[], Any], on_done: Callback) -> None:
        """Run blocking ``work`` off the GUI thread; ``on_done(result)`` runs on the GUI thread.

        A failure is logged and delivered as ``None``: the UI shows less, never crashes.
        """
        if not self.running:
            log.debug("background work dropped: the service thread has stopped")
            return
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(asyncio.to_thread(work), self._loop)

        def done(f: Future[Any]) -> None:
            try:
                result = f.result()
            except Exception:
                log.exception("background work failed")
                result = None
            self._deliver.emit(on_done, result)

        future.add_done_callback(done)

    def _on_deliver(self, callback: Callback, value: Any) -> None:
        callback(value)

    async def _handle(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._service_ready is not None
        await self._service_ready.wait()
        if self._service is None:
            return {"ok": False, "error": "the agent service is not running", "code": 1}
        reply = await self._service.handle(request)
        return reply

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        self._stop = asyncio.Event()
        self._service_ready = asyncio.Event()
        self._ready.set()
        try:
            loop.run_until_complete(self._serve(self._stop))
        finally:
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    async def _serve(self, stop: asyncio.Event) -> None:
        assert self._service_ready is not None
        try:
            from agent.app import AgentService

            service = AgentService(self._paths, detectors=self._detectors)
            service.subscribe(self._relay)
        except Exception as exc:
            log.exception("the agent service failed to start")
            self._service_ready.set()
            self.failed.emit(str(exc))
            return
        runner = asyncio.create_task(service.run(stop))
        snapshot = await _first_snapshot(service, runner)
        self._service = service if snapshot is not None else None
        self._service_ready.set()
        if snapshot is not None:
            self._relay(snapshot)
        try:
            await runner
        except Exception as exc:
            log.exception("the agent service stopped with an error")
            self.failed.emit(str(exc))

    def _relay(self, snapshot: dict[str, Any]) -> None:
        snapshot = dict(snapshot)
        if snapshot.pop("activate", False):
            self.activated.emit()
        self.snapshot_changed.emit(snapshot)


async def _first_snapshot(service: AgentService, runner: asyncio.Task[None]) -> Snapshot | None:
    """The service's first snapshot, once its engine exists; None if it stopped first.

    The service builds its engine inside ``run()`` (after reading its config) and has
    no readiness signal, so this checks again each loop turn until the engine exists.
    """
    while not runner.done():
        try:
            return service.snapshot()
        except RuntimeError:
            await asyncio.sleep(STARTUP_POLL)
    return None


def _reply_of(future: Future[dict[str, Any]]) -> dict[str, Any]:
    try:
        return future.result()
    except Exception as exc:
        log.exception("request to the agent service failed")
        return {"ok": False, "error": str(exc), "code": 1}

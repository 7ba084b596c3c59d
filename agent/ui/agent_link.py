"""The tray's link to the agent, which runs in a process of its own.

The service (engine, detectors, delivery) is ``presence-agent run --headless``; the
tray is a thin client of its local socket, like Maestral's GUI and daemon. So a
crash in Qt never stops delivery, and the tray process loads none of the service's
modules (no asyncio, httpx or delivery code: about 30 MB). If no agent answers, the
link starts one, detached, and keeps a subscription open to receive a snapshot
after every change; when the agent goes away it says so and starts it again.

Threading rules: the link lives on the GUI thread, and so do its signals' receivers
(Qt queues them there, because they are emitted from worker threads). Requests run
one at a time, in order, on a worker thread (``test_backend`` probes, which can be
slow, and :meth:`AgentLink.background` work on another pool); the subscription is
read on a thread of its own, which blocks in ``recv`` with no timer.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from agent import ipc
from agent.protocol import ExitCode, Reply, Request, Snapshot

if TYPE_CHECKING:
    from agent.config.paths import Paths

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]

#: How long a started agent may take to open its socket.
START_TIMEOUT = 20.0
#: How often the socket is tried while a started agent comes up.
START_POLL = 0.05
#: Between attempts after the agent could not be reached or started.
RETRY_MIN, RETRY_MAX = 0.5, 10.0
REQUEST_TIMEOUT = 10.0
PROBE_TIMEOUT = 60.0


def agent_command(paths: Paths) -> list[str]:
    """How to start the headless agent with the tray's own configuration file.

    In the PyInstaller bundle ``sys.executable`` is the bundle itself, which takes the
    command line of ``presence-agent``; otherwise it is Python, running the package.
    """
    if getattr(sys, "frozen", False):
        base = [sys.executable]
    else:
        base = [sys.executable, "-m", "agent"]
    return [*base, "run", "--headless", "--config", str(paths.config_file)]


class AgentLink(QObject):
    """Requests to the agent, pushed snapshots from it, and keeping it running."""

    snapshot_changed = Signal(dict)
    """A new agent snapshot (received on the GUI thread)."""

    activated = Signal()
    """Another launch asked this instance to show itself."""

    connection_changed = Signal(bool, str)
    """Connected (True) or not, with the reason shown meanwhile."""

    failed = Signal(str)
    """A started agent exited before it answered (once per run of failures)."""

    _deliver = Signal(object, object)

    def __init__(
        self,
        paths: Paths,
        command: Sequence[str] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._paths = paths
        self._command = list(command) if command is not None else agent_command(paths)
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._ready = threading.Event()  # connected, or stopping: requests stop waiting
        self._lock = threading.Lock()
        self._requests = ThreadPoolExecutor(1, thread_name_prefix="agent-request")
        self._work = ThreadPoolExecutor(2, thread_name_prefix="tray-work")
        self._subscription: ipc.Subscription | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._listener: threading.Thread | None = None
        self._deliver.connect(self._on_deliver)

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> None:
        """Connect (starting the agent if needed) on the listener thread; returns at once."""
        self._listener = threading.Thread(target=self._listen, name="agent-link", daemon=True)
        self._listener.start()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def stop(self, timeout: float = 5.0) -> None:
        """Disconnect (the agent keeps running) and wait, bounded, for the listener."""
        self._stop.set()
        self._ready.set()
        with self._lock:
            if self._subscription is not None:
                self._subscription.close()
        if self._listener is not None:
            self._listener.join(timeout)
        self._requests.shutdown(wait=False, cancel_futures=True)
        self._work.shutdown(wait=False, cancel_futures=True)
        self._reap()

    def quit_agent(self, timeout: float = 5.0, wait: float = 0.0) -> None:
        """Ask the agent to stop (the tray's Quit), and not to restart it.

        ``wait`` bounds how long to wait for an agent this link started to exit.
        """
        with self._lock:  # no agent is started after this
            self._stop.set()
            self._ready.set()
            process = self._process
        try:
            ipc.request(self._paths.socket_path, {"cmd": "quit"}, timeout=timeout)
        except (ipc.AgentNotRunning, OSError, ValueError) as error:
            log.info("quit: the agent did not answer (%s)", error)
            if process is not None and process.poll() is None:
                process.terminate()  # started by us but not answering yet: SIGTERM stops it
        if process is not None and wait > 0:
            try:
                process.wait(wait)
            except subprocess.TimeoutExpired:
                log.warning("the agent (pid %d) is still stopping", process.pid)

    # -- requests ---------------------------------------------------------------------

    def call(self, request: Request, on_done: Callback | None = None) -> Future[Reply]:
        """Send one request to the agent; ``on_done(reply)`` runs on the GUI thread."""
        slow = request.get("cmd") == "test_backend"
        future: Future[Reply]
        try:
            future = (self._work if slow else self._requests).submit(self._ask, request)
        except RuntimeError:  # stopped
            future = Future()
            future.set_result(
                {"ok": False, "error": "the tray is quitting", "code": ExitCode.FAILURE}
            )
        if on_done is not None:
            future.add_done_callback(lambda f: self._deliver.emit(on_done, _reply_of(f)))
        return future

    def background(self, work: Callable[[], Any], on_done: Callback) -> None:
        """Run blocking ``work`` off the GUI thread; ``on_done(result)`` runs on the GUI thread.

        A failure is logged and delivered as ``None``: the UI shows less, never crashes.
        """
        try:
            future = self._work.submit(work)
        except RuntimeError:
            log.debug("background work dropped: the tray is quitting")
            return

        def done(f: Future[Any]) -> None:
            try:
                result = f.result()
            except Exception:
                log.exception("background work failed")
                result = None
            self._deliver.emit(on_done, result)

        future.add_done_callback(done)

    def _ask(self, request: Request) -> Reply:
        # Right after start-up (or a restart) the agent may still be coming up.
        self._ready.wait(START_TIMEOUT)
        slow = request.get("cmd") == "test_backend"
        timeout = PROBE_TIMEOUT if slow else REQUEST_TIMEOUT
        try:
            return ipc.request(self._paths.socket_path, request, timeout=timeout)
        except ipc.AgentNotRunning:
            return {"ok": False, "error": "the agent is not running", "code": ExitCode.NOT_RUNNING}
        except TimeoutError:
            return {
                "ok": False,
                "error": f"the agent did not answer within {timeout:g}s",
                "code": ExitCode.FAILURE,
            }
        except (OSError, ValueError) as error:
            return {
                "ok": False,
                "error": f"could not talk to the agent: {error}",
                "code": ExitCode.FAILURE,
            }

    def _on_deliver(self, callback: Callback, value: Any) -> None:
        callback(value)

    # -- the subscription (listener thread) ----------------------------------------

    def _listen(self) -> None:
        delay = RETRY_MIN
        reported = False
        while not self._stop.is_set():
            try:
                subscription = self._subscribe()
            except Exception as error:  # not reachable, or it would not start
                log.warning("agent link: %s", error)
                self.connection_changed.emit(False, f"agent not running: {error}; retrying")
                if isinstance(error, AgentStartFailed) and not reported:
                    self.failed.emit(str(error))
                    reported = True
                self._stop.wait(delay)
                delay = min(delay * 2, RETRY_MAX)
                continue
            with self._lock:
                if self._stop.is_set():
                    subscription.close()
                    return
                self._subscription = subscription
            delay, reported = RETRY_MIN, False
            self._connected.set()
            self._ready.set()
            self.connection_changed.emit(True, "")
            try:
                for message in subscription:
                    self._relay(message)
            except (ipc.AgentNotRunning, OSError, ValueError) as error:
                log.warning("agent link: lost the agent (%s); reconnecting", error)
            finally:
                self._connected.clear()
                if not self._stop.is_set():
                    self._ready.clear()
                with self._lock:
                    self._subscription = None
                subscription.close()
            if not self._stop.is_set():
                self.connection_changed.emit(False, "agent not running; reconnecting")

    def _subscribe(self) -> ipc.Subscription:
        path = self._paths.socket_path
        try:
            return ipc.Subscription(path)
        except ipc.AgentNotRunning:
            pass
        process = self._launch()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                return ipc.Subscription(path)
            except ipc.AgentNotRunning:
                code = process.poll()
                if code is not None:
                    raise AgentStartFailed(
                        f"the agent exited with code {code} as it started"
                        f" (its log is in {self._paths.log_dir})"
                    ) from None
                if time.monotonic() > deadline:
                    waited = f"the agent did not open {path} within {START_TIMEOUT:g}s"
                    raise TimeoutError(waited) from None
                if self._stop.wait(START_POLL):
                    raise ipc.AgentNotRunning("the tray is quitting") from None

    def _launch(self) -> subprocess.Popen[bytes]:
        """Start the agent detached: its own session, no terminal, our environment."""
        with self._lock:
            if self._stop.is_set():
                raise ipc.AgentNotRunning("the tray is quitting")
            self._reap()
            self._process = self._spawn()
            return self._process

    def _spawn(self) -> subprocess.Popen[bytes]:
        log.info("starting the agent: %s", " ".join(self._command))
        options: dict[str, Any] = {}
        if sys.platform == "win32":
            flags = subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP
            options["creationflags"] = flags
        else:
            options["start_new_session"] = True
        return subprocess.Popen(
            self._command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            **options,
        )

    def _reap(self) -> None:
        """Collect an agent we started that has exited (no zombie left behind)."""
        if self._process is not None and self._process.poll() is not None:
            self._process = None

    def _relay(self, pushed: Snapshot) -> None:
        snapshot = dict(pushed)
        if snapshot.pop("activate", False):
            self.activated.emit()
        self.snapshot_changed.emit(snapshot)


class AgentStartFailed(Exception):
    """The agent the tray started exited before it opened its socket."""


def _reply_of(future: Future[Reply]) -> Reply:
    try:
        return future.result()
    except Exception as exc:
        log.exception("request to the agent failed")
        return {"ok": False, "error": str(exc), "code": ExitCode.FAILURE}

"""The location detector: matches the network view to a ``[[locations]]`` entry.

It re-reads the network only when something says it changed: an rtnetlink message
on Linux, NetworkManager's ``PropertiesChanged``, an address-change notification on
Windows. Only where no push source works does it re-check on a slow timer. It
pushes :class:`LocationObserved` only when the matched location changes; the engine
applies ``stable_for`` and the privacy mode. With ``[location] mode = "off"`` the
network is never read.

Threading: everything runs on the agent's loop; the blocking read of files and OS
tables runs in a worker thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Coroutine

from agent.config.locations import LocationRule, compile_locations
from agent.config.schema import Config
from agent.core.model import Location
from agent.core.signals import LocationObserved
from agent.detectors.base import Detector, Sink, SourceReport
from agent.detectors.location_match import match_location
from agent.platform.network import network_sources
from agent.platform.network_watch import ChangeWatcher, NetworkReader, WifiSource

log = logging.getLogger(__name__)

#: Bursts of change messages (a link coming up sends a dozen) are read once, this late.
SETTLE_SECONDS = 0.2
#: Where no push source works, how often the network is re-read.
FALLBACK_RECHECK_SECONDS = 60.0


class LocationDetector(Detector):
    signal = "location"

    def __init__(
        self,
        config: Config,
        reader: NetworkReader,
        watcher: ChangeWatcher | None = None,
        wifi: WifiSource | None = None,
        settle: float = SETTLE_SECONDS,
        recheck_every: float = FALLBACK_RECHECK_SECONDS,
    ) -> None:
        self._reader = reader
        self._watcher = watcher
        self._wifi = wifi
        self._settle = settle
        self._recheck_every = recheck_every
        self._mode = config.location.mode
        self._rules = self._compile(config)
        self._sink: Sink | None = None
        self._running = False
        self._watching = False
        self._wifi_running = False
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._pushed = False  # nothing pushed yet: the first reading is always news
        self._last: Location | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._notes: tuple[str, ...] = ()
        self._problems: dict[str, str] = {}

    @staticmethod
    def _compile(config: Config) -> tuple[LocationRule, ...]:
        rules, problems = compile_locations(config.locations)
        for key, message in problems:
            log.warning("config: %s: %s", key, message)
        return rules

    # -- life cycle ---------------------------------------------------------------

    async def start(self, sink: Sink) -> None:
        self._sink = sink
        if self._mode != "off":
            await self._start_sources()

    async def _start_sources(self) -> None:
        self._running = True
        self._problems.clear()
        if self._watcher is not None:
            try:
                self._watcher.start(self._changed)
                self._watching = True
            except Exception as error:  # no netlink, no OS notifications: the timer stands in
                self._problems[self._watcher.source] = f"not available ({error})"
        if self._wifi is not None:
            try:
                await self._wifi.start(self._changed)
                self._wifi_running = True
            except Exception as error:
                self._problems[self._wifi.source] = f"not available ({error})"
        await self._check()
        self._worker = asyncio.ensure_future(self._work())

    async def stop(self) -> None:
        await self._stop_sources()
        self._sink = None

    async def _stop_sources(self) -> None:
        self._running = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        if self._watching and self._watcher is not None:
            self._watcher.stop()
        if self._wifi_running and self._wifi is not None:
            await self._wifi.stop()
        self._watching = self._wifi_running = False
        self._pushed = False

    def reconfigure(self, config: Config) -> None:
        """New locations or mode (on reload): re-match now; start or stop reading for ``off``."""
        was_off, self._mode = self._mode == "off", config.location.mode
        self._rules = self._compile(config)
        if self._sink is None:
            return
        if was_off and self._mode != "off":
            self._spawn(self._start_sources())
        elif not was_off and self._mode == "off":
            self._spawn(self._stop_sources())
        else:
            self._wake.set()

    def _spawn(self, coroutine: Coroutine[object, object, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the work ------------------------------------------------------------------

    def _changed(self) -> None:
        """Something changed: read once when the burst has settled."""
        if self._running and self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self._settle, self._settled)

    def _settled(self) -> None:
        self._timer = None
        self._wake.set()

    async def _work(self) -> None:
        while True:
            if self._watching:
                await self._wake.wait()
            else:
                # asyncio.timeout, not wait_for (which can swallow a cancellation on 3.11).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._recheck_every):
                        await self._wake.wait()
            self._wake.clear()
            await self._check()

    async def _check(self) -> None:
        try:
            view = await asyncio.to_thread(self._reader.read)
        except Exception as error:  # keep the last location; doctor says why
            log.warning("location: could not read the network: %s", error)
            self._problems[self._reader.source] = f"failed ({error})"
            return
        self._problems.pop(self._reader.source, None)
        if self._wifi_running and self._wifi is not None:
            view = dataclasses.replace(view, wifi=view.wifi + await self._wifi.read())
        self._notes = view.notes
        match = match_location(view, self._rules)
        location = match.location if match else None
        if (self._pushed and location == self._last) or self._sink is None or not self._running:
            return
        self._pushed, self._last = True, location
        if match is None:
            log.info("location: remote (no match)")
            self._sink(LocationObserved(None, source="no match"))
        else:
            log.info("location: %s (by %s)", match.location.id, match.matcher)
            self._sink(LocationObserved(match.location, source=match.matcher))

    # -- doctor ----------------------------------------------------------------------

    def report(self) -> list[SourceReport]:
        if self._mode == "off":
            return [SourceReport(self.signal, "off", False, "[location] mode is off")]
        reader = self._reader.source
        reports = [
            SourceReport(
                self.signal,
                reader,
                reader not in self._problems,
                self._problems.get(reader, "; ".join(self._notes)),
            )
        ]
        for source in (self._watcher, self._wifi):
            if source is not None:
                name = source.source
                reports.append(
                    SourceReport(
                        self.signal, name, name not in self._problems, self._problems.get(name, "")
                    )
                )
        if self._running and not self._watching:
            every = f"re-checked every {self._recheck_every:g} s"
            reports.append(SourceReport(self.signal, "timer", True, every))
        return reports

    @property
    def degraded(self) -> bool:
        if self._mode == "off":
            return False
        watcher_failed = self._watcher is not None and self._watcher.source in self._problems
        return self._reader.source in self._problems or watcher_failed or bool(self._notes)


def create_location_detector(config: Config) -> LocationDetector:
    """The detector with this OS's reader and change sources."""
    sources = network_sources()
    return LocationDetector(config, sources.reader, sources.watcher, sources.wifi)

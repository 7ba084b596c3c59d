"""How long the user has been idle, read only when the answer can matter.

Best, a source pushes both directions (:class:`IdlePush`: X11 SYNC alarms, Wayland
idle notifications): the detector reads once per pushed event and otherwise sleeps,
away or active. Else no fixed-rate polling while the user is active: after each read
the detector sleeps until the smallest idle threshold could first be crossed
(threshold minus idle now). Once past it, it watches for the user's return: a push
from the source when it can (GNOME's user-active watch), else a short poll that runs
only while idle.

Threading: everything runs on the agent's asyncio loop; sources that block run their
calls on their own thread.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine, Sequence
from typing import Protocol, runtime_checkable

from agent.config.schema import Config
from agent.core.signals import IdleObserved
from agent.detectors.base import Sink
from agent.detectors.source_selection import NO_SOURCE, Candidate, SupervisedDetector

AWAY_POLL = 0.5
"""Poll period while idle past a threshold: return is noticed well within 1 s."""
MIN_DELAY = 0.05


class IdleSource(Protocol):
    """Seconds since the last user input; raises when the source stopped working."""

    async def idle_seconds(self) -> float: ...

    async def close(self) -> None: ...


@runtime_checkable
class ActivityPush(Protocol):
    """A source that can wake us at the user's next input instead of being polled."""

    async def wait_active(self, timeout: float | None) -> None: ...


@runtime_checkable
class IdlePush(Protocol):
    """A source that pushes both directions: idle reaching a threshold, and input after.

    After each reading the detector awaits ``wait_change(idle, thresholds)`` with that
    reading and every threshold the engine cares about (they change on reconfigure;
    the next call carries the new ones). It returns as soon as, pushed by the display
    server, the user has been idle for a threshold above ``idle``, or, when ``idle`` is
    at or past the smallest threshold, at the user's first input; and also at once if
    such an event came between the reading and the call. Then the detector reads
    ``idle_seconds`` once, which must answer at or past the threshold crossed (the
    engine counts such a reading at once, without its grace) or below it after input:
    so the engine's next wake-up stays exact and nothing is read on a timer to
    confirm a pushed event. With nothing ahead and the user active, it just waits. The
    detector marks its readings ``pushed``, so the engine works no crossing out of the
    time since the last one.

    Threading: called and completed on the agent's loop; the source is woken by its
    own file descriptor (``loop.add_reader``) or ``call_soon_threadsafe``, never a timer.
    It raises when the source stopped working (display server gone).
    """

    async def wait_change(self, idle: float, thresholds: Sequence[float]) -> None: ...


def idle_thresholds(config: Config) -> tuple[float, ...]:
    """Every idle time at which a rule can change its mind: ``away_after`` and idle rules."""
    values = {config.idle.away_after}
    values.update(r.after for r in config.rules if r.condition == "idle" and r.after is not None)
    return tuple(sorted(v for v in values if v > 0)) or (config.idle.away_after,)


def next_check(idle: float, thresholds: Sequence[float]) -> tuple[float | None, bool]:
    """Seconds until the next read (``None``: no further threshold), and whether idle.

    Below the smallest threshold nothing can change before it is reached; past it the
    caller watches for the user's return as well.
    """
    ahead = [t - idle for t in thresholds if t > idle]
    delay = max(min(ahead), MIN_DELAY) if ahead else None
    return delay, idle >= min(thresholds)


class IdleDetector(SupervisedDetector[IdleSource]):
    """Pushes ``IdleObserved`` at start, at each threshold crossing and on the user's return."""

    signal = "idle"

    def __init__(
        self,
        candidates: Sequence[Candidate[IdleSource]],
        thresholds: Sequence[float],
        away_poll: float = AWAY_POLL,
    ) -> None:
        super().__init__(candidates)
        self._thresholds = tuple(thresholds)
        self._away_poll = away_poll
        self._changed = asyncio.Event()

    async def start(self, sink: Sink) -> None:
        def unknown() -> None:
            sink(IdleObserved(None, NO_SOURCE))

        await self._supervise(lambda n, s: self._watch(n, s, sink), unknown)

    def reconfigure(self, config: Config) -> None:
        self._thresholds = idle_thresholds(config)
        self._changed.set()

    def refresh(self) -> None:
        """Read again now (after a resume the engine forgets the pre-sleep reading)."""
        self._changed.set()

    async def _watch(self, name: str, source: IdleSource, sink: Sink) -> None:
        try:
            while True:
                self._changed.clear()
                idle = await source.idle_seconds()
                sink(IdleObserved(idle, name, pushed=isinstance(source, IdlePush)))
                if isinstance(source, IdlePush):
                    await self._until_changed(source.wait_change(idle, self._thresholds))
                    continue
                delay, idle_now = next_check(idle, self._thresholds)
                if idle_now and isinstance(source, ActivityPush):
                    await self._until_changed(source.wait_active(delay))
                    continue
                if idle_now:
                    delay = self._away_poll if delay is None else min(delay, self._away_poll)
                await self._until_changed(asyncio.sleep(delay or MIN_DELAY))
        finally:
            await source.close()

    async def _until_changed(self, waiting: Coroutine[object, object, None]) -> None:
        """Wait for ``waiting`` or a reconfigure, whichever comes first."""
        task = asyncio.create_task(waiting)
        changed = asyncio.create_task(self._changed.wait())
        try:
            done, _ = await asyncio.wait({task, changed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            task.cancel()
            changed.cancel()
            await asyncio.wait({task, changed})
        if task in done:
            task.result()


def create_idle_detector(config: Config) -> IdleDetector:
    """The idle detector with this OS's sources in order of preference."""
    return IdleDetector(idle_candidates(), idle_thresholds(config))


def idle_candidates() -> list[Candidate[IdleSource]]:
    native: list[Candidate[IdleSource]]
    if sys.platform == "win32":
        from agent.platform.windows.idle import WindowsIdle

        native = [Candidate("windows-lastinput", WindowsIdle.open)]
    elif sys.platform == "darwin":
        from agent.platform.macos.idle import QuartzIdle

        native = [Candidate("macos-quartz", QuartzIdle.open)]
    else:
        from agent.platform.linux.dbus_idle import LogindIdle, MutterIdle, ScreenSaverIdle
        from agent.platform.linux.wayland_idle import ExtIdleNotify, KdeIdle
        from agent.platform.linux.x11_idle import X11Idle
        from agent.platform.linux.x11_sync_idle import X11SyncIdle

        native = [
            Candidate("gnome-mutter", MutterIdle.open),
            Candidate("wayland-ext-idle-notify", ExtIdleNotify.open),
            Candidate("wayland-kde-idle", KdeIdle.open),
            Candidate("x11-sync", X11SyncIdle.open),
            Candidate("x11-screensaver", X11Idle.open),
            Candidate("freedesktop-screensaver", ScreenSaverIdle.open),
            Candidate("logind", LogindIdle.open, fallback=True),
        ]
    from agent.detectors.idle_input import InputActivityIdle

    return [*native, Candidate("pynput-input", InputActivityIdle.open, fallback=True)]

"""Idle time pushed by a Wayland compositor: ``ext_idle_notifier_v1`` or ``org_kde_kwin_idle``.

Wayland has no "idle for how long?" request; a client asks to be told when the seat
has had no input for a timeout, and when input resumes. So the source keeps one
notification per idle threshold the engine cares about and works the idle time out
from the events: ``idled`` for a threshold of T seconds means "idle for T now",
``resumed`` means "idle for 0 now". Before the first event it answers 0: the
compositor starts each notification's timer when it is created.

``ext_idle_notifier_v1`` (wlroots >= 0.17, KWin 6, and newer) is preferred, with its
version 2 input-only notifications where offered (an idle inhibitor, a video playing
full screen, is about the screen, not about the user being at the keyboard);
``org_kde_kwin_idle`` serves older compositors (sway 1.7 on Debian 12, KWin 5).

Threading: connecting runs on a worker thread (the first round trips could wait on a
stuck compositor); after that everything runs on the agent's asyncio loop, woken by
the Wayland socket (``add_reader``), with no timer.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Callable, Sequence
from typing import Any, Self

_MAX_TIMEOUT_MS = 0xFFFFFFFF  # the protocols' timeouts are uint32 milliseconds


class _WaylandIdle:
    """The connection, the seat, the notifications and the idle time worked out of them.

    ``reads`` counts ``idle_seconds`` calls and ``wakeups`` the times the socket woke
    the loop: with no input and no threshold ahead, both stay still.
    """

    global_name = ""
    idled_event = "idled"

    def __init__(
        self,
        display: Any,
        manager: tuple[Any, int],
        seat: Any,
        monotonic: Callable[[], float],
    ) -> None:
        self._display = display
        self._manager, self._manager_version = manager
        self._seat = seat
        self._monotonic = monotonic
        self._idle_base = 0.0
        self._base_at = monotonic()
        self._notifications: dict[int, Any] = {}
        self._events = 0
        self._events_read = 0
        self._changed: asyncio.Future[None] | None = None
        self._error: Exception | None = None
        self._watching = False
        self.reads = 0
        self.wakeups = 0

    @classmethod
    async def open(cls, monotonic: Callable[[], float] = time.monotonic) -> Self:
        if not os.environ.get("WAYLAND_DISPLAY"):
            raise RuntimeError("not a Wayland session (WAYLAND_DISPLAY is not set)")
        display, manager, seat = await asyncio.to_thread(_connect, cls.global_name)
        return cls(display, manager, seat, monotonic)

    async def idle_seconds(self) -> float:
        if self._error is not None:
            raise self._error
        self.reads += 1
        self._events_read = self._events
        return self._idle_base + max(0.0, self._monotonic() - self._base_at)

    async def wait_change(self, idle: float, thresholds: Sequence[float]) -> None:
        """Keep one notification per threshold; return at the next idled or resumed event."""
        if self._error is not None:
            raise self._error
        self._keep_notifications({_ms(t) for t in thresholds})
        self._display.flush()
        loop = asyncio.get_running_loop()
        if not self._watching:
            loop.add_reader(self._display.get_fd(), self._readable)
            self._watching = True
        if self._events != self._events_read:
            return  # something happened after the last reading: read again at once
        self._changed = loop.create_future()
        try:
            await self._changed
        finally:
            self._changed = None

    def _keep_notifications(self, timeouts: set[int]) -> None:
        for timeout in set(self._notifications) - timeouts:
            self._release(self._notifications.pop(timeout))
        for timeout in sorted(timeouts - set(self._notifications)):
            notification = self._notify_after(timeout)
            seconds = timeout / 1000.0
            notification.dispatcher[self.idled_event] = lambda _n, s=seconds: self._idled(s)
            notification.dispatcher["resumed"] = lambda _n: self._resumed()
            self._notifications[timeout] = notification

    def _notify_after(self, timeout_ms: int) -> Any:
        raise NotImplementedError

    def _release(self, notification: Any) -> None:
        notification.destroy()

    def _idled(self, threshold: float) -> None:
        now = self._monotonic()
        idle_now = self._idle_base + max(0.0, now - self._base_at)
        if threshold >= idle_now:
            self._idle_base, self._base_at = threshold, now
        self._noted()

    def _resumed(self) -> None:
        self._idle_base, self._base_at = 0.0, self._monotonic()
        self._noted()

    def _noted(self) -> None:
        self._events += 1
        if self._changed is not None and not self._changed.done():
            self._changed.set_result(None)

    def _readable(self) -> None:
        self.wakeups += 1
        try:
            self._display.dispatch(block=True)  # the socket is readable: it will not block
        except Exception as error:  # the compositor went away or broke the protocol
            self._fail(error)

    def _fail(self, error: Exception) -> None:
        self._error = RuntimeError(f"lost the Wayland compositor: {error}")
        self._stop_watching()  # a closed socket stays readable: stop listening to it
        if self._changed is not None and not self._changed.done():
            self._changed.set_exception(self._error)

    def _stop_watching(self) -> None:
        if self._watching:
            asyncio.get_running_loop().remove_reader(self._display.get_fd())
            self._watching = False

    async def close(self) -> None:
        self._stop_watching()
        if self._error is None:
            for notification in self._notifications.values():
                self._release(notification)
            self._display.flush()
        self._notifications.clear()
        self._display.disconnect()


class ExtIdleNotify(_WaylandIdle):
    """``ext_idle_notifier_v1``: input-only notifications (version 2) where offered."""

    global_name = "ext_idle_notifier_v1"

    def _notify_after(self, timeout_ms: int) -> Any:
        if self._manager_version >= 2:
            return self._manager.get_input_idle_notification(timeout_ms, self._seat)
        return self._manager.get_idle_notification(timeout_ms, self._seat)


class KdeIdle(_WaylandIdle):
    """``org_kde_kwin_idle``: the older protocol, from KWin, offered by wlroots up to 0.17."""

    global_name = "org_kde_kwin_idle"
    idled_event = "idle"

    def _notify_after(self, timeout_ms: int) -> Any:
        return self._manager.get_idle_timeout(self._seat, timeout_ms)

    def _release(self, notification: Any) -> None:
        notification.release()


def _interfaces() -> dict[str, tuple[Any, int]]:
    """Each global this module binds, with the newest version it knows."""
    from pywayland.protocol.ext_idle_notify_v1 import ExtIdleNotifierV1
    from pywayland.protocol.wayland import WlSeat

    from agent.platform.linux.kde_idle_protocol import OrgKdeKwinIdle

    return {
        "ext_idle_notifier_v1": (ExtIdleNotifierV1, 2),
        "org_kde_kwin_idle": (OrgKdeKwinIdle, 1),
        "wl_seat": (WlSeat, 1),
    }


def _connect(global_name: str) -> tuple[Any, tuple[Any, int], Any]:
    """Connect, find the manager global and a seat, bind both; raises when either is missing."""
    from pywayland.client.display import Display

    interfaces = _interfaces()
    display = Display()
    try:
        display.connect()
    except ValueError as error:
        where = os.environ["WAYLAND_DISPLAY"]
        raise RuntimeError(f"cannot connect to Wayland display {where}") from error
    try:
        offered: dict[str, tuple[int, int]] = {}

        def announced(_registry: Any, name: int, interface: str, version: int) -> None:
            offered.setdefault(interface, (name, version))

        registry = display.get_registry()
        registry.dispatcher["global"] = announced
        if display.roundtrip() < 0:
            raise RuntimeError("the Wayland compositor did not answer")
        if global_name not in offered:
            raise RuntimeError(f"the compositor does not offer {global_name}")
        if "wl_seat" not in offered:
            raise RuntimeError("the compositor has no seat")
        bound = []
        for interface in (global_name, "wl_seat"):
            name, offered_version = offered[interface]
            kind, newest = interfaces[interface]
            version = min(offered_version, newest)
            bound.append((registry.bind(name, kind, version), version))
        if display.roundtrip() < 0:
            raise RuntimeError("the Wayland compositor did not answer")
        return display, bound[0], bound[1][0]
    except BaseException:
        display.disconnect()
        raise


def _ms(seconds: float) -> int:
    """A threshold in the protocols' milliseconds, rounded up and within uint32."""
    return min(_MAX_TIMEOUT_MS, math.ceil(round(seconds * 1000, 6)))

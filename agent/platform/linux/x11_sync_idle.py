"""Idle time pushed by the X server: SYNC alarms on its ``IDLETIME`` system counter.

How KDE's KIdleTime does it, here with ctypes against libX11 and libXext. Two alarms
on ``IDLETIME`` (milliseconds since the last input): one with a *positive comparison*
at the next threshold fires when the user has been idle that long, one with a
*negative comparison* just below the smallest threshold fires at the first input
after it. Comparisons, not transitions: an alarm armed while the condition already
holds fires at once, so a crossing between reading and arming is never missed. The
agent's loop waits on the X connection's file descriptor (``add_reader``): no timer,
no thread, no reads while nothing happens.

Refused under Wayland for the same reason as the MIT-SCREEN-SAVER source: XWayland only
sees input sent to X applications.

Threading: connecting runs on a worker thread; from then on everything, including the
callbacks, runs on the agent's asyncio loop, and the display is never used from two
threads at once (so Xlib runs without ``XInitThreads``).
"""

from __future__ import annotations

import asyncio
import ctypes
import math
import os
from collections.abc import Sequence
from typing import Any

# <X11/extensions/sync.h>
_ALARM_NOTIFY = 1  # XSyncAlarmNotify, added to the extension's event base
_ABSOLUTE = 0  # XSyncAbsolute
_POSITIVE_COMPARISON = 2  # XSyncPositiveComparison
_NEGATIVE_COMPARISON = 3  # XSyncNegativeComparison
_CA_COUNTER, _CA_VALUE_TYPE, _CA_VALUE, _CA_TEST_TYPE, _CA_DELTA, _CA_EVENTS = (
    1 << n for n in range(6)
)
_ARM = _CA_VALUE | _CA_TEST_TYPE
_NEVER_MS = (1 << 63) - 1
"""A positive comparison against this never fires: the alarm is parked."""
_PARKED_BELOW = -1
"""A negative comparison against -1 never fires: ``IDLETIME`` is never negative."""


class _SyncValue(ctypes.Structure):
    _fields_ = [("hi", ctypes.c_int), ("lo", ctypes.c_uint)]

    @classmethod
    def of(cls, value: int) -> _SyncValue:
        return cls(value >> 32, value & 0xFFFFFFFF)

    def __int__(self) -> int:
        return (int(self.hi) << 32) | int(self.lo)


class _SystemCounter(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("counter", ctypes.c_ulong), ("resolution", _SyncValue)]


class _Trigger(ctypes.Structure):
    _fields_ = [
        ("counter", ctypes.c_ulong),
        ("value_type", ctypes.c_int),
        ("wait_value", _SyncValue),
        ("test_type", ctypes.c_int),
    ]


class _AlarmAttributes(ctypes.Structure):
    _fields_ = [
        ("trigger", _Trigger),
        ("delta", _SyncValue),
        ("events", ctypes.c_int),
        ("state", ctypes.c_int),
    ]


class _AlarmNotifyEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("alarm", ctypes.c_ulong),
        ("counter_value", _SyncValue),
        ("alarm_value", _SyncValue),
        ("time", ctypes.c_ulong),
        ("state", ctypes.c_int),
    ]


class _Event(ctypes.Union):
    """Xlib's ``XEvent``: 24 longs, whatever the event."""

    _fields_ = [("type", ctypes.c_int), ("alarm", _AlarmNotifyEvent), ("pad", ctypes.c_long * 24)]


_ErrorHandler = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_IOErrorHandler = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
_IOErrorExitHandler = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)


class _Xlib:
    """The few libX11/libXext calls used, with their C signatures; loaded on first use."""

    def __init__(self) -> None:
        # The sonames every Linux distribution ships (find_library would spawn ldconfig).
        x11 = ctypes.CDLL("libX11.so.6")
        ext = ctypes.CDLL("libXext.so.6")
        vp, ul, i, pi = ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.POINTER(ctypes.c_int)
        self.open_display = _fn(x11.XOpenDisplay, vp, ctypes.c_char_p)
        self.close_display = _fn(x11.XCloseDisplay, i, vp)
        self.connection_number = _fn(x11.XConnectionNumber, i, vp)
        self.pending = _fn(x11.XPending, i, vp)
        self.next_event = _fn(x11.XNextEvent, i, vp, ctypes.POINTER(_Event))
        self.flush = _fn(x11.XFlush, i, vp)
        self.set_error_handler = _fn(x11.XSetErrorHandler, vp, _ErrorHandler)
        self.set_io_error_handler = _fn(x11.XSetIOErrorHandler, vp, _IOErrorHandler)
        # libX11 >= 1.7: without it a lost connection ends the whole process (exit(1)).
        self.set_io_error_exit_handler = _fn(
            x11.XSetIOErrorExitHandler, None, vp, _IOErrorExitHandler, vp
        )
        self.query_extension = _fn(ext.XSyncQueryExtension, i, vp, pi, pi)
        self.initialize = _fn(ext.XSyncInitialize, i, vp, pi, pi)
        self.list_system_counters = _fn(
            ext.XSyncListSystemCounters, ctypes.POINTER(_SystemCounter), vp, pi
        )
        self.free_system_counter_list = _fn(
            ext.XSyncFreeSystemCounterList, None, ctypes.POINTER(_SystemCounter)
        )
        self.query_counter = _fn(ext.XSyncQueryCounter, i, vp, ul, ctypes.POINTER(_SyncValue))
        attributes = ctypes.POINTER(_AlarmAttributes)
        self.create_alarm = _fn(ext.XSyncCreateAlarm, ul, vp, ul, attributes)
        self.change_alarm = _fn(ext.XSyncChangeAlarm, i, vp, ul, ul, attributes)
        self.destroy_alarm = _fn(ext.XSyncDestroyAlarm, i, vp, ul)
        # Xlib's default handlers print and exit(1): keep the agent alive and let the
        # source report the error instead. Process-wide, and kept referenced here.
        self.lost: set[int] = set()
        self.errors = 0
        self._handlers = (
            _ErrorHandler(self._on_error),
            _IOErrorHandler(lambda _display: 0),
            _IOErrorExitHandler(self._on_lost),
        )
        self.set_error_handler(self._handlers[0])
        self.set_io_error_handler(self._handlers[1])

    def watch_connection(self, display: int) -> None:
        self.set_io_error_exit_handler(display, self._handlers[2], None)

    def _on_error(self, _display: int, _event: int) -> int:
        self.errors += 1
        return 0

    def _on_lost(self, display: int, _data: int) -> None:
        self.lost.add(display)


def _fn(function: Any, restype: Any, *argtypes: Any) -> Any:
    function.restype = restype
    function.argtypes = argtypes
    return function


_xlib: _Xlib | None = None


def _library() -> _Xlib:
    global _xlib
    if _xlib is None:
        _xlib = _Xlib()
    return _xlib


class X11SyncIdle:
    """``IDLETIME`` read once per alarm; the alarms wake the loop at each crossing.

    ``reads`` counts the counter queries and ``wakeups`` the times the X connection
    woke the loop: with no input and no threshold ahead, both stay still.
    """

    def __init__(self, xlib: _Xlib, display: int, event_base: int, idletime: int) -> None:
        self._x = xlib
        self._display = display
        self._idletime = idletime
        self._event_base = event_base
        self._above = self._alarm(_POSITIVE_COMPARISON, _NEVER_MS)
        self._below = self._alarm(_NEGATIVE_COMPARISON, _PARKED_BELOW)
        self._armed = {self._above: _NEVER_MS, self._below: _PARKED_BELOW}
        self._fired: asyncio.Future[None] | None = None
        self._watching = False
        self.reads = 0
        self.wakeups = 0

    @classmethod
    async def open(cls, display_name: str | None = None) -> X11SyncIdle:
        if os.environ.get("WAYLAND_DISPLAY"):
            raise RuntimeError("Wayland session: XWayland does not see all input")
        name = display_name or os.environ.get("DISPLAY")
        if not name:
            raise RuntimeError("no X display (DISPLAY is not set)")
        # Connecting runs off the loop (a stuck server must not stall the agent); from
        # then on only the loop thread touches the display.
        xlib, display, event_base, idletime = await asyncio.to_thread(_open_display, name)
        try:
            source = cls(xlib, display, event_base, idletime)
            await source.idle_seconds()
        except BaseException:
            xlib.close_display(display)
            raise
        return source

    def _alarm(self, test_type: int, value: int) -> int:
        attributes = _AlarmAttributes()
        attributes.trigger.counter = self._idletime
        attributes.trigger.value_type = _ABSOLUTE
        attributes.trigger.wait_value = _SyncValue.of(value)
        attributes.trigger.test_type = test_type
        attributes.delta = _SyncValue.of(0)
        attributes.events = 1
        mask = _CA_COUNTER | _CA_VALUE_TYPE | _CA_VALUE | _CA_TEST_TYPE | _CA_DELTA | _CA_EVENTS
        return int(self._x.create_alarm(self._display, mask, ctypes.byref(attributes)))

    async def idle_seconds(self) -> float:
        # One round trip to the local X server, on the loop thread: well under a
        # millisecond, and only after an alarm (or a reconfigure), never on a timer.
        self._check_connection()
        value = _SyncValue()
        if not self._x.query_counter(self._display, self._idletime, ctypes.byref(value)):
            raise RuntimeError("the X server did not answer the IDLETIME query")
        self._check_connection()
        self.reads += 1
        return int(value) / 1000.0

    async def wait_change(self, idle: float, thresholds: Sequence[float]) -> None:
        """Arm the alarms for ``idle`` (the last reading) and return when one fires."""
        self._check_connection()
        ahead = [t for t in thresholds if t > idle]
        self._arm(self._above, _POSITIVE_COMPARISON, _ms(min(ahead)) if ahead else _NEVER_MS)
        below = _ms(min(thresholds)) - 1 if thresholds and idle >= min(thresholds) else -1
        self._arm(self._below, _NEGATIVE_COMPARISON, below)
        self._x.flush(self._display)
        loop = asyncio.get_running_loop()
        self._fired = loop.create_future()
        if not self._watching:
            loop.add_reader(self._x.connection_number(self._display), self._readable)
            self._watching = True
        try:
            self._drain()  # the round trip of the last read may have queued an alarm
            await self._fired
        finally:
            self._fired = None

    def _arm(self, alarm: int, test_type: int, value: int) -> None:
        if self._armed[alarm] == value:
            return  # still armed at that value (a parked alarm stays parked)
        attributes = _AlarmAttributes()
        attributes.trigger.wait_value = _SyncValue.of(value)
        attributes.trigger.test_type = test_type
        self._x.change_alarm(self._display, alarm, _ARM, ctypes.byref(attributes))
        self._armed[alarm] = value

    def _readable(self) -> None:
        self.wakeups += 1
        self._drain()

    def _drain(self) -> None:
        """Handle every queued event; an alarm fired at its armed value ends the wait."""
        event = _Event()
        while self._x.pending(self._display) > 0:
            self._x.next_event(self._display, ctypes.byref(event))
            if event.type != self._event_base + _ALARM_NOTIFY:
                continue
            notify = event.alarm
            if self._armed.get(notify.alarm) != int(notify.alarm_value):
                continue  # from an earlier arming, already superseded
            self._armed[notify.alarm] = _NEVER_MS + 1  # fired: inactive until re-armed
            if self._fired is not None and not self._fired.done():
                self._fired.set_result(None)
        if self._display in self._x.lost:
            self._stop_watching()  # a closed socket stays readable: stop listening to it
            if self._fired is not None and not self._fired.done():
                self._fired.set_exception(RuntimeError("lost the connection to the X server"))

    def _check_connection(self) -> None:
        if self._display in self._x.lost:
            raise RuntimeError("lost the connection to the X server")

    def _stop_watching(self) -> None:
        if self._watching:
            asyncio.get_running_loop().remove_reader(self._x.connection_number(self._display))
            self._watching = False

    async def close(self) -> None:
        self._stop_watching()
        if self._display in self._x.lost:
            return  # Xlib must not touch a lost display again; its memory is left as is
        for alarm in (self._above, self._below):
            self._x.destroy_alarm(self._display, alarm)
        self._x.close_display(self._display)


def _open_display(name: str) -> tuple[_Xlib, int, int, int]:
    """Connect; the SYNC event base and the IDLETIME counter, or raise why not."""
    xlib = _library()
    display = xlib.open_display(name.encode())
    if not display:
        raise RuntimeError(f"cannot open X display {name}")
    xlib.watch_connection(display)
    try:
        return xlib, display, _initialize(xlib, display), _idletime_counter(xlib, display)
    except BaseException:
        xlib.close_display(display)
        raise


def _initialize(xlib: _Xlib, display: int) -> int:
    """The SYNC event base, after checking the extension is there."""
    event_base, error_base = ctypes.c_int(), ctypes.c_int()
    if not xlib.query_extension(display, ctypes.byref(event_base), ctypes.byref(error_base)):
        raise RuntimeError("the X server has no SYNC extension")
    major, minor = ctypes.c_int(), ctypes.c_int()
    if not xlib.initialize(display, ctypes.byref(major), ctypes.byref(minor)):
        raise RuntimeError("the X server's SYNC extension could not be initialised")
    return event_base.value


def _idletime_counter(xlib: _Xlib, display: int) -> int:
    count = ctypes.c_int()
    counters = xlib.list_system_counters(display, ctypes.byref(count))
    if not counters:
        raise RuntimeError("the X server lists no SYNC system counters")
    try:
        for index in range(count.value):
            if counters[index].name == b"IDLETIME":
                return int(counters[index].counter)
    finally:
        xlib.free_system_counter_list(counters)
    raise RuntimeError("the X server has no IDLETIME counter")


def _ms(seconds: float) -> int:
    """A threshold in IDLETIME's milliseconds, rounded up: a reading at it is past it."""
    return math.ceil(round(seconds * 1000, 6))

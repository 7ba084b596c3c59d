"""Linux idle sources against a real Xvfb (xdotool input) and mock D-Bus services."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import dbus
import pytest
from dbusmock import MOCK_IFACE
from dbusmock.testcase import BusType, SpawnedMock
from jeepney.wrappers import DBusErrorResponse

from agent.detectors.idle_input import InputActivityIdle
from agent.platform.linux.dbus_idle import LogindIdle, MutterIdle, ScreenSaverIdle
from agent.platform.linux.dbus_link import BusGone
from agent.platform.linux.x11_idle import X11Idle
from tests.platform.dbus_mocks import logind_mock, mutter_mock, private_system_bus
from tests.platform.loop_thread import LoopThread
from tests.platform.x_input import move_mouse
from tests.support import wait_until

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="Linux desktop services"),
    pytest.mark.usefixtures("x11_session"),
]


def test_x11_idle_grows_and_resets_on_mousemove(xvfb: object, loop: LoopThread) -> None:
    source = loop.run(X11Idle.open())
    try:
        move_mouse()
        wait_until(lambda: loop.run(source.idle_seconds()) < 0.3, what="idle reset")
        wait_until(lambda: loop.run(source.idle_seconds()) >= 0.6, what="idle to grow")
        move_mouse()
        wait_until(lambda: loop.run(source.idle_seconds()) < 0.3, what="idle reset by input")
    finally:
        loop.run(source.close())


def test_x11_refuses_under_wayland(
    xvfb: object, loop: LoopThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    with pytest.raises(RuntimeError, match="Wayland"):
        loop.run(X11Idle.open())


def test_x11_refuses_without_a_display(loop: LoopThread) -> None:
    with pytest.raises(Exception):  # noqa: B017 - any Xlib connection error is a failed probe
        loop.run(X11Idle.open(":97"))


def test_mutter_idletime_and_user_active_push(loop: LoopThread) -> None:
    with mutter_mock() as mock:
        mock.set_idle(42_000)
        source = loop.run(MutterIdle.open())
        assert loop.run(source.idle_seconds()) == 42.0
        future = asyncio.run_coroutine_threadsafe(source.wait_active(None), loop.loop)
        wait_until(lambda: mock.calls("AddUserActiveWatch"), what="active watch")
        mock.fire(99)  # someone else's watch
        mock.fire(1)
        future.result(5)
        loop.run(source.close())


def test_mutter_wait_times_out_and_removes_its_watch(loop: LoopThread) -> None:
    with mutter_mock() as mock:
        source = loop.run(MutterIdle.open())
        loop.run(source.wait_active(0.1))
        assert mock.calls("RemoveWatch")
        loop.run(source.close())


def test_mutter_going_away_breaks_the_source(loop: LoopThread) -> None:
    with mutter_mock() as mock:
        source = loop.run(MutterIdle.open())
        future = asyncio.run_coroutine_threadsafe(source.wait_active(None), loop.loop)
        wait_until(lambda: mock.calls("AddUserActiveWatch"), what="active watch")
    with pytest.raises(BusGone):
        future.result(5)
    with pytest.raises(Exception):  # noqa: B017 - the name has no owner any more
        loop.run(source.idle_seconds())
    loop.run(source.close())


def test_logind_idle_hint(loop: LoopThread) -> None:
    with private_system_bus(), logind_mock() as (_manager, session):
        now = [100_000_000]
        source = loop.run(LogindIdle.open(monotonic_usec=lambda: now[0]))
        assert loop.run(source.idle_seconds()) == 0.0
        session.UpdateProperties(
            "org.freedesktop.login1.Session",
            {"IdleHint": True, "IdleSinceHintMonotonic": dbus.UInt64(40_000_000)},
        )
        assert loop.run(source.idle_seconds()) == 60.0
        loop.run(source.close())


@pytest.fixture
def screensaver() -> Iterator[Any]:
    mock = SpawnedMock.spawn_for_name(
        "org.freedesktop.ScreenSaver",
        "/org/freedesktop/ScreenSaver",
        "org.freedesktop.ScreenSaver",
        BusType.SESSION,
        stdout=subprocess.DEVNULL,
    )
    yield dbus.Interface(mock.obj, MOCK_IFACE)
    mock.terminate()


def test_screensaver_session_idle_time(screensaver: Any, loop: LoopThread) -> None:
    screensaver.AddMethod("", "GetSessionIdleTime", "", "u", "ret = dbus.UInt32(4500)")
    source = loop.run(ScreenSaverIdle.open())
    assert loop.run(source.idle_seconds()) == 4.5
    loop.run(source.close())


def test_screensaver_not_supported_fails_the_probe(screensaver: Any, loop: LoopThread) -> None:
    # KWin on Wayland answers GetSessionIdleTime with NotSupported.
    screensaver.AddMethod(
        "",
        "GetSessionIdleTime",
        "",
        "u",
        "raise dbus.exceptions.DBusException('no', name='org.freedesktop.DBus.Error.NotSupported')",
    )
    with pytest.raises(DBusErrorResponse):
        loop.run(ScreenSaverIdle.open())


@pytest.fixture
def own_xserver() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A private Xvfb this test may kill (the shared one must stay up)."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-noreset", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as displayfd:
        display = f":{displayfd.readline().strip()}"
    yield display, server
    server.kill()
    server.wait()


def test_x_server_going_away_breaks_the_x11_source(
    own_xserver: tuple[str, subprocess.Popen[bytes]], loop: LoopThread
) -> None:
    display, server = own_xserver
    source = loop.run(X11Idle.open(display))
    assert loop.run(source.idle_seconds()) >= 0.0
    server.kill()
    server.wait()
    with pytest.raises(Exception):  # noqa: B017 - python-xlib's ConnectionClosedError
        loop.run(source.idle_seconds())
    loop.run(source.close())


# pynput's X11 record thread can outlive stop() and dies noisily with its X server.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_pynput_fallback_only_notes_that_input_happened(
    own_xserver: tuple[str, subprocess.Popen[bytes]],
    loop: LoopThread,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Its own X server: pynput can leave a listener thread behind, which ends with it.
    display, server = own_xserver
    monkeypatch.setenv("DISPLAY", display)
    source = loop.run(InputActivityIdle.open())
    try:
        move_mouse()
        wait_until(lambda: loop.run(source.idle_seconds()) < 0.2, what="input noted")
        wait_until(lambda: loop.run(source.idle_seconds()) >= 0.4, what="idle to grow")
        move_mouse()
        wait_until(lambda: loop.run(source.idle_seconds()) < 0.2, what="input noted again")
    finally:
        loop.run(source.close())
        server.kill()
        wait_until(lambda: not pynput_threads(), what="pynput threads to end")


def pynput_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if type(t).__module__.startswith("pynput")]

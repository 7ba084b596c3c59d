"""The session's end: logind (mock on a private system bus), macOS (faked notification
centre) and the watcher that turns either into the agent's one stop path."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from typing import Any

import dbus
import pytest

from agent.detectors.session_end import SessionEndWatcher
from agent.platform.linux.dbus_session_end import LOG_OUT, SHUTDOWN, LogindSessionEnd
from agent.platform.macos.notifications import WORKSPACE
from agent.platform.macos.power_off import WILL_POWER_OFF, MacPowerOff
from tests.platform.dbus_mocks import MANAGER_IFACE, SESSION_PATH, logind_mock, private_system_bus
from tests.platform.loop_thread import LoopThread
from tests.platform.test_macos_presence import FakeCenter
from tests.support import wait_until

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="logind")


@pytest.fixture
def manager() -> Iterator[Any]:
    with private_system_bus(), logind_mock() as (manager, _session):
        yield manager


def held(manager: Any) -> int:
    return int(manager.InhibitorsHeld(dbus_interface=MANAGER_IFACE))


class FakeSource:
    """A session-end source the test ends by hand."""

    def __init__(self) -> None:
        self.ended: asyncio.Future[str] | None = None
        self.released = 0
        self.closed = False

    async def wait(self) -> str:
        self.ended = asyncio.get_running_loop().create_future()
        return await self.ended

    def release(self) -> None:
        self.released += 1

    async def close(self) -> None:
        self.closed = True


def test_watcher_uses_the_first_source_that_opens_and_ends_once(loop: LoopThread) -> None:
    source = FakeSource()
    ends: list[str] = []

    async def broken() -> FakeSource:
        raise OSError("no system bus")

    async def working() -> FakeSource:
        return source

    watcher = SessionEndWatcher([("broken", broken), ("fake", working)])
    loop.run(watcher.start(ends.append))
    assert watcher.source_name == "fake" and watcher.notes == ["broken: no system bus"]
    wait_until(lambda: source.ended is not None, what="the watcher waiting")
    assert source.ended is not None
    loop.loop.call_soon_threadsafe(source.ended.set_result, "shutdown")
    wait_until(lambda: ends == ["shutdown"], what="the end reported")
    watcher.release()
    loop.run(watcher.stop())
    assert source.released == 1 and source.closed


def test_watcher_without_any_source_does_nothing(loop: LoopThread) -> None:
    watcher = SessionEndWatcher([])
    loop.run(watcher.start(lambda what: None))
    watcher.release()
    loop.run(watcher.stop())
    assert watcher.source_name == "none"


@linux_only
def test_logind_shutdown_is_held_until_released(manager: Any, loop: LoopThread) -> None:
    source = loop.run(LogindSessionEnd.open())
    try:
        assert held(manager) == 1
        calls = manager.GetMethodCalls("Inhibit")
        assert [str(a) for a in calls[-1][1]][::3] == ["shutdown", "delay"]
        ending = asyncio.run_coroutine_threadsafe(source.wait(), loop.loop)
        manager.EmitSignal(MANAGER_IFACE, "PrepareForShutdown", "b", [dbus.Boolean(False)])
        manager.EmitSignal(
            MANAGER_IFACE, "SessionRemoved", "so", ["c9", dbus.ObjectPath("/session/c9")]
        )
        manager.EmitSignal(MANAGER_IFACE, "PrepareForShutdown", "b", [dbus.Boolean(True)])
        assert ending.result(10) == SHUTDOWN  # the cancelled shutdown and others' ends ignored
        assert held(manager) == 1  # the machine waits for the agent's "offline"
        source.release()
        wait_until(lambda: held(manager) == 0, what="inhibitor released")
    finally:
        loop.run(source.close())


@linux_only
def test_logind_removing_our_session_is_a_log_out(manager: Any, loop: LoopThread) -> None:
    source = loop.run(LogindSessionEnd.open())
    try:
        ending = asyncio.run_coroutine_threadsafe(source.wait(), loop.loop)
        manager.EmitSignal(
            MANAGER_IFACE, "SessionRemoved", "so", ["c1", dbus.ObjectPath(SESSION_PATH)]
        )
        assert ending.result(10) == LOG_OUT
    finally:
        loop.run(source.close())


def test_macos_power_off_holds_the_observer_until_released(loop: LoopThread) -> None:
    center = FakeCenter()
    source = loop.run(MacPowerOff.open(center.observe, hold_limit=10))
    assert center.center == WORKSPACE and set(center.callbacks) == {WILL_POWER_OFF}
    powering_off = center.post(WILL_POWER_OFF)
    assert loop.run(source.wait()) == "power-off"
    assert powering_off.is_alive()  # macOS waits while the agent reports "offline"
    source.release()
    powering_off.join(5)
    assert not powering_off.is_alive()
    loop.run(source.close())
    assert center.stopped

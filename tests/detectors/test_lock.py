"""Lock detection against mock logind and screen-saver services on real buses."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from agent.config.schema import Config
from agent.core.signals import LockObserved, Observation
from agent.detectors.lock import LockDetector, create_lock_detector
from agent.detectors.source_selection import Candidate
from agent.platform.linux.dbus_lock import LogindLock, ScreenSaverLock
from tests.platform.dbus_mocks import (
    MANAGER_IFACE,
    gnome_screensaver_mock,
    logind_mock,
    private_system_bus,
)
from tests.platform.loop_thread import LoopThread
from tests.support import wait_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="D-Bus services")


@pytest.fixture
def system_bus() -> Iterator[None]:
    with private_system_bus():
        yield


def linux_detector() -> LockDetector:
    return LockDetector(
        [
            Candidate("logind", LogindLock.open),
            Candidate("gnome-screensaver", ScreenSaverLock.open_gnome),
        ]
    )


def test_logind_locked_hint_lock_and_unlock(system_bus: None, loop: LoopThread) -> None:
    with logind_mock() as (_manager, session):
        seen: list[Observation] = []
        detector = linux_detector()
        loop.run(detector.start(seen.append))
        try:
            wait_until(lambda: seen == [LockObserved(False, "logind")], what="state at start")
            session.SetLockedHint(True, dbus_interface="org.freedesktop.login1.Session")
            wait_until(lambda: LockObserved(True, "logind") in seen, what="locked")
            session.SetLockedHint(False, dbus_interface="org.freedesktop.login1.Session")
            wait_until(lambda: seen[-1] == LockObserved(False, "logind"), what="unlocked")
            session.Lock(dbus_interface="org.freedesktop.login1.Session")
            wait_until(lambda: seen[-1] == LockObserved(True, "logind"), what="Lock signal")
            assert not detector.degraded
            assert [r.source for r in detector.report() if r.in_use] == ["logind"]
        finally:
            loop.run(detector.stop())


def test_screensaver_active_changed_when_logind_is_missing(
    system_bus: None, loop: LoopThread
) -> None:
    with gnome_screensaver_mock() as saver:
        saver.SetActive(True)
        seen: list[Observation] = []
        detector = linux_detector()
        loop.run(detector.start(seen.append))
        try:
            wait_until(lambda: seen, what="state at start")
            assert seen[0] == LockObserved(True, "gnome-screensaver")  # GetActive at start
            saver.SetActive(False)
            wait_until(lambda: seen[-1] == LockObserved(False, "gnome-screensaver"))
            report = {r.source: r for r in detector.report()}
            assert "not available" in report["logind"].detail
            assert not detector.degraded
        finally:
            loop.run(detector.stop())


def test_logind_going_away_falls_back_to_the_screensaver(
    system_bus: None, loop: LoopThread
) -> None:
    with gnome_screensaver_mock() as saver:
        seen: list[Observation] = []
        detector = linux_detector()
        with logind_mock():
            loop.run(detector.start(seen.append))
            wait_until(lambda: seen == [LockObserved(False, "logind")])
        wait_until(lambda: LockObserved(False, "gnome-screensaver") in seen, what="fallback")
        assert detector.degraded
        saver.SetActive(True)
        wait_until(lambda: seen[-1] == LockObserved(True, "gnome-screensaver"))
        loop.run(detector.stop())


def test_refresh_pushes_the_state_again(system_bus: None, loop: LoopThread) -> None:
    with logind_mock():
        seen: list[Observation] = []
        detector = linux_detector()
        loop.run(detector.start(seen.append))
        wait_until(lambda: seen == [LockObserved(False, "logind")])
        loop.loop.call_soon_threadsafe(detector.refresh)
        wait_until(lambda: seen == [LockObserved(False, "logind")] * 2, what="re-read")
        loop.run(detector.stop())


def test_session_found_without_a_session_pid(
    system_bus: None, loop: LoopThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a systemd user service the agent has no session: logind's "auto" names it."""
    monkeypatch.delenv("XDG_SESSION_ID", raising=False)
    with logind_mock() as (manager, _session):
        manager.AddMethod(
            MANAGER_IFACE,
            "GetSessionByPID",
            "u",
            "o",
            "raise dbus.exceptions.DBusException("
            "'none', name='org.freedesktop.login1.NoSessionForPID')",
        )
        source = loop.run(LogindLock.open())
        assert loop.run(source.locked()) is False
        calls = manager.GetMethodCalls("GetSession")
        assert [str(args[0]) for _at, args in calls] == ["auto"]
        loop.run(source.close())


def test_nothing_answers_means_unknown(system_bus: None, loop: LoopThread) -> None:
    seen: list[Observation] = []
    detector = linux_detector()
    loop.run(detector.start(seen.append))
    wait_until(lambda: seen, what="an observation")
    assert seen == [LockObserved(None, "none")]
    assert detector.degraded
    loop.run(detector.stop())


def test_factory_lists_the_linux_order() -> None:
    names = [r.source for r in create_lock_detector(Config()).report()]
    assert names == ["logind", "gnome-screensaver", "freedesktop-screensaver", "none"]

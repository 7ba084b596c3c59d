"""Console control events and session-end messages become one stop request (any OS).

The real handler and window run in the Wine lane's end-to-end tests
(tests/e2e/test_windows_agent.py); here both are injected so every event is covered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from agent.platform.windows.session_end import (
    CTRL_BREAK_EVENT,
    CTRL_C_EVENT,
    CTRL_CLOSE_EVENT,
    CTRL_LOGOFF_EVENT,
    CTRL_SHUTDOWN_EVENT,
    SessionEnd,
)
from agent.platform.windows.session_window import WM_ENDSESSION, WM_QUERYENDSESSION, Handler
from tests.support import wait_until


class Installed:
    """What ``SessionEnd.watch`` hooked up: the console handler, the window handler."""

    def __init__(self) -> None:
        self.console: Callable[[int], bool] | None = None
        self.window: Handler | None = None
        self.removed: list[str] = []

    def install(self, handler: Callable[[int], bool]) -> Callable[[], None]:
        self.console = handler
        return lambda: self.removed.append("console")

    def watch(self, handler: Handler) -> Callable[[], None]:
        self.window = handler
        return lambda: self.removed.append("window")


def watched(stops: list[int]) -> tuple[SessionEnd, Installed]:
    installed = Installed()
    ending = SessionEnd.watch(
        lambda: stops.append(1), installed.watch, installed.install, finish_limit=10
    )
    return ending, installed


def test_ctrl_c_and_break_ask_once_and_return_at_once() -> None:
    stops: list[int] = []
    ending, installed = watched(stops)
    assert installed.console is not None
    assert installed.console(CTRL_C_EVENT) is True
    assert installed.console(CTRL_BREAK_EVENT) is True
    assert stops == [1] and ending.requested
    ending.close()
    assert installed.removed == ["window", "console"]


@pytest.mark.parametrize("event", [CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT])
def test_ending_events_hold_the_process_until_the_agent_has_stopped(event: int) -> None:
    stops: list[int] = []
    ending, installed = watched(stops)
    console = installed.console
    assert console is not None
    returned = threading.Event()
    thread = threading.Thread(target=lambda: (console(event), returned.set()))
    thread.start()
    wait_until(lambda: stops, what="the stop request")
    assert not returned.wait(0.2), "Windows would end the process before the agent stopped"
    ending.close()
    thread.join(5)
    assert returned.is_set()


def test_session_end_message_stops_only_when_the_session_really_ends() -> None:
    stops: list[int] = []
    ending, installed = watched(stops)
    assert installed.window is not None
    installed.window(WM_QUERYENDSESSION, 0)
    installed.window(WM_ENDSESSION, 0)  # another app cancelled the log-off
    assert stops == []
    ending.close()  # the agent stopped: the handler below returns at once
    installed.window(WM_ENDSESSION, 1)
    assert stops == [1]


def test_a_part_that_cannot_start_leaves_the_other() -> None:
    def no_console(_handler: Callable[[int], bool]) -> Callable[[], None]:
        raise OSError("no console")

    installed = Installed()
    stops: list[int] = []
    ending = SessionEnd.watch(lambda: stops.append(1), installed.watch, no_console)
    assert installed.window is not None
    ending.close()
    installed.window(WM_ENDSESSION, 1)
    assert stops == [1]

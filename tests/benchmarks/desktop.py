"""The desktop the benchmarks run in: Xvfb + trayer, PulseAudio, and a logind on a private bus.

Everything is real (as in the integration tests): an X server with a tray host, a
PulseAudio daemon whose null source ``parecord`` can record from, and a mock logind
(python-dbusmock) on a throw-away system bus whose ``LockedHint`` the lock benchmark
flips. Each part is started by :class:`Desktop` and stopped in reverse order.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.support import wait_until


def _free_display() -> int:
    for number in range(90, 200):
        if not os.path.exists(f"/tmp/.X11-unix/X{number}") and not os.path.exists(
            f"/tmp/.X{number}-lock"
        ):
            return number
    raise RuntimeError("no free X display number")


@contextlib.contextmanager
def xvfb_with_tray() -> Iterator[str]:
    """Xvfb (``-noreset``) with trayer as the system-tray host; yields the DISPLAY."""
    display = f":{_free_display()}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-noreset", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    trayer: subprocess.Popen[bytes] | None = None
    before = os.environ.get("DISPLAY")
    try:
        wait_until(
            lambda: os.path.exists(f"/tmp/.X11-unix/X{display[1:]}"), timeout=10, what="Xvfb"
        )
        os.environ["DISPLAY"] = display
        trayer = subprocess.Popen(
            ["trayer", "--edge", "top", "--align", "right", "--widthtype", "request"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        from tests.benchmarks.tray_probe import TrayProbe

        with TrayProbe() as probe:
            wait_until(probe.host_ready, timeout=10, what="trayer's panel")
        yield display
    finally:
        for process in (trayer, xvfb):
            if process is not None:
                stop(process)
        if before is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = before


@contextlib.contextmanager
def logind_on_private_bus() -> Iterator[Any]:
    """A private system bus with a mock logind; yields the session mock (``SetLockedHint``)."""
    from tests.platform.dbus_mocks import logind_mock, private_system_bus

    with private_system_bus(), logind_mock() as (_manager, session):
        yield session


def stop(process: subprocess.Popen[Any], timeout: float = 5.0) -> None:
    """Terminate, then kill if it does not go (processes the benchmarks started)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


@dataclass
class Desktop:
    """What is running for this benchmark run; parts that failed to start say why."""

    display: str | None = None
    pulse: Any = None  # tests.detectors.pulse_server.PulseServer
    logind: Any = None  # the mock login1 session
    problems: dict[str, str] = field(default_factory=dict)

    def need(self, *parts: str) -> None:
        """Raise with the reason if a part the caller needs did not start."""
        for part in parts:
            if getattr(self, part) is None:
                raise RuntimeError(f"{part} unavailable: {self.problems.get(part, 'not started')}")

    def env(self) -> dict[str, str]:
        """The environment agents and helpers run in (DISPLAY, PULSE_SERVER, system bus)."""
        env = dict(os.environ)
        if self.pulse is not None:
            env["PULSE_SERVER"] = self.pulse.server
        return env

    def move_mouse(self) -> None:
        """Real input through the X server: a pointer move and a Shift tap, in one xdotool.

        ``mousemove`` is a pointer warp, which resets the screen saver's idle time but
        sends no XInput2 raw event; the Shift tap goes through XTEST like a real key,
        so an idle source that waits for raw events sees it too.
        """
        x = 300 + int(time.monotonic() * 1000) % 400
        subprocess.run(
            ["xdotool", "mousemove", str(x), "400", "key", "shift"],
            check=True,
            timeout=10,
            env=self.env(),
        )


@contextlib.contextmanager
def desktop() -> Iterator[Desktop]:
    """Start every part it can; a part that fails is recorded, not fatal."""
    result = Desktop()
    with contextlib.ExitStack() as stack:
        try:
            result.display = stack.enter_context(xvfb_with_tray())
        except Exception as error:
            result.problems["display"] = f"Xvfb/trayer: {error}"
        try:
            from tests.detectors.pulse_server import pulse_server

            result.pulse = stack.enter_context(pulse_server())
        except Exception as error:
            result.problems["pulse"] = f"PulseAudio: {error}"
        try:
            result.logind = stack.enter_context(logind_on_private_bus())
        except Exception as error:
            result.problems["logind"] = f"mock logind: {error}"
        yield result

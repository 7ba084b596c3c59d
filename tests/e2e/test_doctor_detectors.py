"""``doctor`` names each signal's source in use and why the others were not used (issue 4).

Real sources: Xvfb for idle, mock logind on a private system bus for lock and sleep;
the session bus of tests/session.sh has neither GNOME's idle monitor nor a screen saver.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from agent.config.paths import Paths
from tests.platform.dbus_mocks import logind_mock, private_system_bus
from tests.support import run_cli

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="X11 and D-Bus"),
    pytest.mark.usefixtures("x11_session"),
]


@pytest.fixture
def logind() -> Iterator[None]:
    with private_system_bus(), logind_mock():
        yield


def signal_rows(stdout: str, signal: str) -> list[str]:
    """The indented source lines under ``  <signal>:`` in the detectors section."""
    lines = stdout.split("== detectors", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(signal))
    rows = []
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        rows.append(line.strip())
    return rows


def test_doctor_names_the_source_in_use_and_why_not_the_others(
    xvfb: object, logind: None, agent_paths: Paths
) -> None:
    done = run_cli("doctor")
    assert "== detectors" in done.stdout, done.stderr
    idle = signal_rows(done.stdout, "idle:")
    assert "x11-sync [in use]" in idle
    assert any(r.startswith("gnome-mutter [not used]: not available: ServiceUnknown") for r in idle)
    assert (
        "wayland-ext-idle-notify [not used]: not available: "
        "not a Wayland session (WAYLAND_DISPLAY is not set)"
    ) in idle
    assert "x11-screensaver [not used]: not needed: x11-sync works" in idle
    assert "pynput-input [not used]: not needed: x11-sync works" in idle
    lock = signal_rows(done.stdout, "lock:")
    assert "logind [in use]" in lock
    assert "gnome-screensaver [not used]: not needed: logind works" in lock
    assert "logind [in use]" in signal_rows(done.stdout, "sleep:")

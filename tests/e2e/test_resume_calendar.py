"""After a resume the running agent re-reads its calendars (issue 14).

The headless agent runs on mock logind (private system bus) with a calendar file it
would not read again for an hour. While the machine "sleeps" a meeting that is on
now is added to the file; after PrepareForSleep(false) the agent must say "busy".
Before the detector contract declared ``refresh``, the meeting detector's re-read was
never called on resume and the agent stayed "available" for the hour.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dbus
import pytest

from agent.config.paths import Paths
from tests.agent_process import running_agent, statuses, write_config
from tests.platform.dbus_mocks import MANAGER_IFACE, logind_mock, private_system_bus
from tests.support import wait_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="logind over D-Bus")

CONFIG = """
[idle]
away_after = "24h"

[schedule]
enabled = false

[location]
mode = "off"

[[calendars]]
name = "work"
path = "{ics}"
refresh = "1h"
"""


def ics(*events: tuple[str, datetime]) -> str:
    stamp = "%Y%m%dT%H%M%SZ"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    for uid, start in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}@example.com",
            f"DTSTAMP:{start.strftime(stamp)}",
            f"DTSTART:{start.strftime(stamp)}",
            f"DTEND:{(start + timedelta(hours=1)).strftime(stamp)}",
            "SUMMARY:Planning",
            "END:VEVENT",
        ]
    return "\r\n".join([*lines, "END:VCALENDAR", ""])


@pytest.fixture
def logind() -> Iterator[tuple[Any, Any]]:
    with private_system_bus(), logind_mock() as mocks:
        yield mocks


def held(manager: Any) -> int:
    return int(manager.InhibitorsHeld(dbus_interface=MANAGER_IFACE))


def test_a_meeting_added_while_asleep_is_seen_after_resume(
    xvfb: object, agent_paths: Paths, logind: tuple[Any, Any]
) -> None:
    manager, _session = logind
    now = datetime.now(UTC).replace(microsecond=0)
    calendar: Path = agent_paths.config_file.parent / "work.ics"
    calendar.parent.mkdir(parents=True, exist_ok=True)
    calendar.write_text(ics(("tomorrow", now + timedelta(days=1))), encoding="utf-8")
    write_config(agent_paths, CONFIG.format(ics=calendar))
    with running_agent(agent_paths) as run:
        run.wait_alive(lambda: statuses(agent_paths), 20, "the agent's first status")
        assert statuses(agent_paths)[-1] == "available"
        # Two delay inhibitors: sleep, and shutdown (to report "offline" first).
        wait_until(lambda: held(manager) == 2, what="the agent's delay inhibitors")
        manager.EmitSignal(MANAGER_IFACE, "PrepareForSleep", "b", [dbus.Boolean(True)])
        wait_until(lambda: held(manager) == 1, what="ready to sleep")

        calendar.write_text(
            ics(("tomorrow", now + timedelta(days=1)), ("now", now - timedelta(minutes=5))),
            encoding="utf-8",
        )
        manager.EmitSignal(MANAGER_IFACE, "PrepareForSleep", "b", [dbus.Boolean(False)])
        run.wait_alive(
            lambda: statuses(agent_paths)[-1] == "busy", 20, "the new meeting after resume"
        )
    assert run.process.returncode == 0, run.output_text()

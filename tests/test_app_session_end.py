"""The one stop path (issue 15): a session end from the OS reports "offline", then exits.

The service runs in-process; the session end comes from the macOS source with its
notification centre faked (the way Windows' session window, issue 21, will call the
same path), and the backend is the strict Audian contract server on loopback.
"""

from __future__ import annotations

import asyncio

from agent.app import AgentService
from agent.config.paths import Paths
from agent.detectors.session_end import SessionEndWatcher
from agent.platform.macos.power_off import WILL_POWER_OFF, MacPowerOff
from agent.secrets import SecretStore
from tests.agent_process import write_config
from tests.e2e.presence_rig import audian_statuses
from tests.platform.test_macos_presence import FakeCenter
from tests.servers.audian import AudianServer
from tests.servers.base import Recorded
from tests.support import until

CONFIG = """\
[user]
id = "user_123456"

[schedule]
enabled = false

[location]
mode = "off"

[[backends]]
name = "audian"
type = "audian"
base_url = "{url}"
account_id = "acc_1234567890"
"""


def test_macos_power_off_reports_offline_before_the_os_goes_on(agent_paths: Paths) -> None:
    center = FakeCenter()

    async def fake_power_off() -> MacPowerOff:
        return await MacPowerOff.open(center.observe, hold_limit=10)

    with AudianServer() as audian:
        SecretStore().set("audian", "api_token", "audian-token")
        write_config(agent_paths, CONFIG.format(url=audian.base_url))

        async def scenario() -> None:
            watcher = SessionEndWatcher([("macos-workspace", fake_power_off)])
            service = AgentService(agent_paths, detectors=[], session_end=watcher)
            running = asyncio.create_task(service.run(asyncio.Event()))
            await until(lambda: "available" in audian_statuses(audian), what="start-up report")
            held_when_offline_arrived: list[bool] = []
            threads = []

            def on_request(request: Recorded) -> None:
                if request.json and request.json.get("status") == "offline":
                    held_when_offline_arrived.append(threads[0].is_alive())

            audian.on_request = on_request
            powering_off = center.post(WILL_POWER_OFF)
            threads.append(powering_off)
            await asyncio.wait_for(running, 10)  # the service stopped by itself
            assert audian_statuses(audian)[-1] == "offline"
            assert held_when_offline_arrived == [True]  # macOS waited for it
            await asyncio.to_thread(powering_off.join, 5)
            assert not powering_off.is_alive()  # released once "offline" was confirmed
            assert center.stopped

        asyncio.run(asyncio.wait_for(scenario(), 30))

"""End to end: at start-up the headless agent adopts a status set on the desk phone.

Audian says "dnd" before the agent starts; with no newer manual choice of its own,
the agent takes it over as a manual override (journalled, shown in ``status``).
"""

from __future__ import annotations

import json

from agent.config.paths import Paths
from tests.agent_process import cli, journal, running_agent, write_config
from tests.servers.audian import AudianServer

CONFIG = """\
[user]
id = "user_123456"

[idle]
away_after = "24h"
lock_is_away = false

[schedule]
enabled = false

[location]
mode = "off"

[[backends]]
name = "local"
type = "local"

[[backends]]
name = "audian"
type = "audian"
base_url = "{url}"
account_id = "acc_1234567890"
"""


def test_status_set_on_the_desk_phone_is_adopted_at_start_up(agent_paths: Paths) -> None:
    with AudianServer() as audian:
        audian.presence.update(status="dnd", customMessage="On the desk phone")
        write_config(agent_paths, CONFIG.format(url=audian.base_url))
        cli("secret", "set", "audian", "api_token", stdin="audian-token\n")
        with running_agent(agent_paths, {"PULSE_SERVER": "unix:/nonexistent"}) as agent:
            (first, *_) = agent.wait_alive(
                lambda: journal(agent_paths), timeout=20, what="the first journal line"
            )
            assert (first["status"], first["message"], first["reason"]) == (
                "dnd",
                "On the desk phone",
                "manual",
            )
            assert audian.requests[0].method == "GET"
            snapshot = json.loads(cli("status", "--json").stdout)
            assert snapshot["override"]["status"] == "dnd"

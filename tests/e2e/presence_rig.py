"""What the issue-15 end-to-end tests share: an agent reporting to Audian and Cord.

Audian and Cord are the two state backends whose "offline" the issue names (Audian
``offline``, Cord ``absent``); the agent's idle away is driven through the real X
server (Xvfb in tests/session.sh) with xdotool.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from agent.config.paths import Paths
from tests.agent_process import write_config
from tests.servers.audian import AudianServer
from tests.servers.cord import CordServer

AUDIAN_PRESENCE = "/v2/accounts/acc_1234567890/users/user_123456/presence"
NO_PULSE = {"PULSE_SERVER": "unix:/nonexistent"}

CONFIG = """\
[user]
id = "user_123456"

[general]
offline_on_exit = {offline_on_exit}
adopt_remote_status = {adopt}

[idle]
away_after = "{away_after}"
lock_is_away = false

[schedule]
enabled = false

[location]
mode = "off"

[delivery]
retry_cap = "{retry_cap}"

[[backends]]
name = "local"
type = "local"

[[backends]]
name = "audian"
type = "audian"
base_url = "{audian}"
account_id = "acc_1234567890"
{extra}"""

CORD = """
[[backends]]
name = "cord"
type = "cord"
base_url = "{cord}"
project_id = "cord-project"
"""


@dataclass
class Servers:
    audian: AudianServer
    cord: CordServer


def configure(
    paths: Paths,
    servers: Servers,
    *,
    with_cord: bool = True,
    offline_on_exit: bool = True,
    adopt: bool = True,
    away_after: str = "24h",
    retry_cap: str = "2s",
    more_backends: str = "",
) -> None:
    extra = (CORD.format(cord=servers.cord.base_url) if with_cord else "") + more_backends
    write_config(
        paths,
        CONFIG.format(
            audian=servers.audian.base_url,
            extra=extra,
            offline_on_exit=str(offline_on_exit).lower(),
            adopt=str(adopt).lower(),
            away_after=away_after,
            retry_cap=retry_cap,
        ),
    )


@contextmanager
def servers_with_secrets() -> Iterator[Servers]:
    from agent.secrets import SecretStore

    with AudianServer() as audian, CordServer() as cord:
        # Straight into the session's keyring: `secret set` refuses a backend the config
        # does not have yet, and the tests write the config after the servers start.
        store = SecretStore()
        store.set("audian", "api_token", "audian-token")
        store.set("cord", "project_secret", "cord-project-secret")
        yield Servers(audian, cord)


def audian_statuses(server: AudianServer) -> list[Any]:
    """The statuses Audian accepted, in order."""
    return [
        r.json["status"]
        for r in server.accepted
        if r.method == "POST" and r.path == AUDIAN_PRESENCE and r.json
    ]


def cord_bodies(server: CordServer) -> list[Any]:
    return [r.json for r in server.accepted if r.method == "PUT"]


def move_mouse() -> None:
    subprocess.run(["xdotool", "mousemove_relative", "--", "3", "3"], check=True, timeout=10)
    subprocess.run(["xdotool", "mousemove_relative", "--", "-3", "-3"], check=True, timeout=10)

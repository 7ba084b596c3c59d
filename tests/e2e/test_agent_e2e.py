"""End to end: the headless agent, secrets in gnome-keyring, and four strict vendor servers.

One agent run reports to Audian, Calven, Cord and SuperOffice at once; the test drives
it like a user (real X idle through Xvfb and xdotool, the CLI for manual choices and
the IPC socket for pinning a location) and checks the exact requests each server got.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from agent.config.paths import Paths
from tests.agent_process import cli, running_agent, write_config
from tests.servers.audian import AudianServer
from tests.servers.base import Recorded
from tests.servers.calven import CalvenServer
from tests.servers.cord import CordServer
from tests.servers.superoffice import SuperOfficeServer
from tests.support import wait_until

pytestmark = pytest.mark.skipif(
    shutil.which("xdotool") is None, reason="needs xdotool (tests/system-deps.sh)"
)
AUDIAN = "/v2/accounts/acc_1234567890/users/user_123456"
CORD = "/v1/users/user_123456/presence"

CONFIG = """\
[user]
id = "user_123456"
email = "ada@example.com"
display_name = "Ada Lovelace"

[idle]
away_after = "3s"
lock_is_away = false

[schedule]
enabled = false

[location]
stable_for = "0s"

[[locations]]
id = "hq-3"
type = "level"
name = "HQ level 3"
subnet = ["10.213.77.0/24"]

[delivery]
retry_cap = "2s"

[[backends]]
name = "audian"
type = "audian"
base_url = "{audian}"
account_id = "acc_1234567890"

[[backends]]
name = "calven"
type = "calven"
base_url = "{calven}"
source_id = "presence-agent"
auth = "client_secret"

[[backends]]
name = "cord"
type = "cord"
base_url = "{cord}"
project_id = "cord-project"
group_id = "team-ada"

[[backends]]
name = "so"
type = "superoffice"
base_url = "{so}"
user_id = 338
auth = "basic"
username = "tje0"
"""

SECRETS = [
    ("audian", "api_token", "audian-token"),
    ("calven", "api_key", "calven-key"),
    ("calven", "client_secret", "calven-client-secret"),
    ("cord", "project_secret", "cord-project-secret"),
    ("so", "password", "so-password"),
]


@dataclass
class Servers:
    audian: AudianServer
    calven: CalvenServer
    cord: CordServer
    so: SuperOfficeServer


def move_mouse() -> None:
    subprocess.run(["xdotool", "mousemove_relative", "--", "3", "3"], check=True, timeout=10)
    subprocess.run(["xdotool", "mousemove_relative", "--", "-3", "-3"], check=True, timeout=10)


def where(requests: list[Recorded], prefix: str) -> list[Recorded]:
    return [r for r in requests if r.path.startswith(prefix)]


@pytest.fixture
def agent(agent_paths: Paths) -> Iterator[tuple[Paths, Servers]]:
    with (
        AudianServer() as audian,
        CalvenServer() as calven,
        CordServer() as cord,
        SuperOfficeServer() as so,
    ):
        servers = Servers(audian, calven, cord, so)
        write_config(
            agent_paths,
            CONFIG.format(
                audian=audian.base_url, calven=calven.base_url, cord=cord.base_url, so=so.base_url
            ),
        )
        for backend, field, value in SECRETS:
            cli("secret", "set", backend, field, stdin=value + "\n")
        move_mouse()
        try:
            with running_agent(agent_paths, {"PULSE_SERVER": "unix:/nonexistent"}):
                yield agent_paths, servers
        finally:
            log = agent_paths.log_file
            if log.exists():
                text = log.read_text(errors="replace")
                print(text)
                for _, _, secret in SECRETS:
                    assert secret not in text


def statuses(server: AudianServer) -> list[Any]:
    return [r.json["status"] for r in where(server.accepted, f"{AUDIAN}/presence") if r.json]


def test_headless_agent_reports_to_every_vendor(agent: tuple[Paths, Servers]) -> None:
    paths, s = agent

    # start-up: Audian is read (to adopt a desk-phone status), then told; Cord hears
    # "present, remote"; SuperOffice "present"; Calven nothing (no known location).
    wait_until(lambda: "available" in statuses(s.audian), timeout=20, what="start-up report")
    first = s.audian.requests[0]
    assert (first.method, first.path, first.header("x-auth-token")) == (
        "GET",
        f"{AUDIAN}/presence",
        "audian-token",
    )
    post = where(s.audian.accepted, f"{AUDIAN}/presence")[1]
    assert post.method == "POST" and post.json == {"status": "available", "message": ""}
    wait_until(lambda: s.so.accepted and s.cord.accepted, timeout=10, what="SuperOffice and Cord")
    assert s.so.accepted[0].json == [{"UserId": 338, "Present": True}]
    remote = {"app": "presence-agent", "office": "remote"}
    assert s.cord.accepted[0].json == {
        "location": remote,
        "groupID": "team-ada",
        "exclusiveWithin": {"app": "presence-agent"},
    }
    assert s.cord.accepted[0].header("authorization").startswith("Bearer ey")  # type: ignore[union-attr]

    # idle away (X idle time through Xvfb), then back on input
    wait_until(lambda: "away" in statuses(s.audian), timeout=15, what="idle away")
    wait_until(
        lambda: any(r.json.get("absent") for r in s.cord.accepted), timeout=5, what="Cord absent"
    )
    assert s.so.wait_for(2)[1].json == [{"UserId": 338, "Present": False}]
    move_mouse()
    wait_until(lambda: statuses(s.audian)[-1] == "available", timeout=5, what="back")
    wait_until(lambda: s.so.accepted[-1].json[0]["Present"] is True, timeout=5, what="SO back")

    # a manual status with a message and a duration
    cli("set", "busy", "--message", "Focusing", "--for", "30m")
    wait_until(lambda: statuses(s.audian)[-1] == "busy", timeout=5, what="busy")
    busy = where(s.audian.accepted, f"{AUDIAN}/presence")[-1].json
    assert busy["message"] == "Focusing" and 1790 <= busy["duration"] <= 1800
    assert set(busy) == {"status", "message", "duration"}
    wait_until(lambda: s.so.accepted[-1].json[0]["Present"] is False, timeout=5, what="SO busy")

    # a location change (pinned from the tray/CLI): Calven's first event, Cord's office
    cli("pin", "hq-3")
    wait_until(lambda: s.calven.events, timeout=10, what="a Calven event")
    (event,) = s.calven.events.values()
    assert {k: event[k] for k in ("locationId", "locationType", "userEmail", "sourceUserId")} == {
        "locationId": "hq-3",
        "locationType": "level",
        "userEmail": "ada@example.com",
        "sourceUserId": "user_123456",
    }
    office = {"app": "presence-agent", "office": "hq-3"}
    wait_until(lambda: s.cord.accepted[-1].json["location"] == office, timeout=5, what="Cord HQ")
    assert "absent" not in s.cord.accepted[-1].json
    assert [r.path for r in s.calven.requests] == ["/v1/auth/token", "/v1/presence"]

    # invisible: the location is withheld; Cord clears it (absent) and Calven hears nothing
    cli("set", "invisible")
    wait_until(lambda: statuses(s.audian)[-1] == "invisible", timeout=5, what="invisible")
    wait_until(lambda: s.cord.accepted[-1].json.get("absent"), timeout=5, what="Cord absent")
    assert s.cord.accepted[-1].json["location"] == office
    assert len(s.calven.events) == 1

    # token refresh on 401: Calven forgot our token; back to automatic at the office
    s.calven.revoke_tokens()
    move_mouse()
    cli("clear")
    move_mouse()
    wait_until(lambda: len(s.calven.events) == 2, timeout=10, what="a second Calven event")
    assert [(r.path, r.status) for r in s.calven.requests[2:]] == [
        ("/v1/presence", 401),
        ("/v1/auth/token", 200),
        ("/v1/presence", 200),
    ]
    assert s.calven.requests[2].json == s.calven.requests[4].json  # same eventId, resent

    # nothing any server refused
    for server in (s.audian, s.calven, s.cord, s.so):
        refused = [r for r in server.requests if r.status >= 400 and r.status != 401]
        assert refused == [], refused
    status = cli("status", "--json").stdout
    assert '"calven"' in status and '"sign-in needed"' not in status

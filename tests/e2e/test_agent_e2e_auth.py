"""End to end: every auth mode the e2e run in test_agent_e2e.py leaves out, in one agent run.

Seven ``[[backends]]`` entries (Calven hmac, basic and token; SuperOffice bearer and
soticket with an app token; Cord static token and minted JWT), each against its own
strict server, with their secrets in gnome-keyring through ``secret set``. The test
drives the agent through the CLI and checks the exact requests each server got,
including one revoked token per token-minting mode: the agent refreshes once and
the same message goes through.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from agent.config.paths import Paths
from tests.agent_process import AgentRun, cli, running_agent, write_config
from tests.servers.base import Recorded
from tests.servers.calven import CalvenServer
from tests.servers.cord import CordServer
from tests.servers.superoffice import SuperOfficeServer
from tests.support import run_cli, wait_until

CONFIG = """\
[general]
log_level = "debug"

[user]
id = "user_123456"
email = "ada@example.com"

[idle]
away_after = "1h"
lock_is_away = false

[schedule]
enabled = false

[location]
stable_for = "0s"

[[locations]]
id = "hq-3"
type = "level"
subnet = ["10.213.77.0/24"]

[delivery]
retry_cap = "2s"

[[backends]]
name = "calven-hmac"
type = "calven"
base_url = "{calven_hmac}"
source_id = "presence-agent"
auth = "hmac"

[[backends]]
name = "calven-basic"
type = "calven"
base_url = "{calven_basic}"
source_id = "presence-agent"
auth = "basic"
username = "calven-basic-user"

[[backends]]
name = "calven-token"
type = "calven"
base_url = "{calven_token}"
source_id = "presence-agent"
auth = "token"

[[backends]]
name = "so-bearer"
type = "superoffice"
base_url = "{so_bearer}"
user_id = 338
auth = "bearer"

[[backends]]
name = "so-ticket"
type = "superoffice"
base_url = "{so_ticket}"
user_id = 339
auth = "soticket"

[[backends]]
name = "cord-token"
type = "cord"
base_url = "{cord_token}"

[[backends]]
name = "cord-jwt"
type = "cord"
base_url = "{cord_jwt}"
project_id = "cord-project"
group_id = "team-ada"
"""

SECRETS = {
    ("calven-hmac", "api_key"): "hmac-api-key-5b1d",
    ("calven-hmac", "hmac_secret"): "hmac-secret-9c2e",
    ("calven-basic", "password"): "basic-password-4f7a",
    ("calven-token", "token"): "calven-static-token-8e3b",
    ("so-bearer", "token"): "so-bearer-token-2a6c",
    ("so-ticket", "token"): "so-ticket-7d4f",
    ("so-ticket", "app_token"): "so-app-token-1e8b",
    ("cord-token", "token"): "cord-static-token-6f0a",
    ("cord-jwt", "project_secret"): "cord-project-secret-3c9d",
}


@dataclass
class Servers:
    calven_hmac: CalvenServer
    calven_basic: CalvenServer
    calven_token: CalvenServer
    so_bearer: SuperOfficeServer
    so_ticket: SuperOfficeServer
    cord_token: CordServer
    cord_jwt: CordServer


def store_secrets() -> None:
    """``secret set`` for each, side by side: nine keyring writes one after another take 4 s."""

    def store(item: tuple[tuple[str, str], str]) -> None:
        (backend, field), value = item
        done = run_cli("secret", "set", backend, field, stdin=value + "\n", timeout=30)
        assert done.returncode == 0, done.stderr

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(store, SECRETS.items()))


@pytest.fixture
def agent(agent_paths: Paths) -> Iterator[tuple[AgentRun, Servers]]:
    with (
        CalvenServer(
            api_key=SECRETS["calven-hmac", "api_key"],
            hmac_secret=SECRETS["calven-hmac", "hmac_secret"],
        ) as calven_hmac,
        CalvenServer(
            username="calven-basic-user", password=SECRETS["calven-basic", "password"]
        ) as calven_basic,
        CalvenServer(static_token=SECRETS["calven-token", "token"]) as calven_token,
        SuperOfficeServer(auth="bearer", token=SECRETS["so-bearer", "token"]) as so_bearer,
        SuperOfficeServer(
            auth="soticket",
            token=SECRETS["so-ticket", "token"],
            app_token=SECRETS["so-ticket", "app_token"],
        ) as so_ticket,
        CordServer(static_token=SECRETS["cord-token", "token"], project_secret="unused") as cord,
        CordServer(project_secret=SECRETS["cord-jwt", "project_secret"]) as cord_jwt,
    ):
        servers = Servers(
            calven_hmac, calven_basic, calven_token, so_bearer, so_ticket, cord, cord_jwt
        )
        urls = {name: server.base_url for name, server in vars(servers).items()}
        write_config(agent_paths, CONFIG.format(**urls))
        store_secrets()
        with running_agent(agent_paths, {"PULSE_SERVER": "unix:/nonexistent"}) as run:
            yield run, servers
        logged = agent_paths.log_file.read_text(errors="replace") + run.output_text()
        for secret in [*SECRETS.values(), *issued_tokens(servers)]:
            assert secret not in logged, f"{secret} was logged"


def issued_tokens(s: Servers) -> list[str]:
    """The Bearer tokens the agent got from Calven's token endpoint or minted for Cord."""
    calven = [r.reply["token"] for r in s.calven_hmac.requests if r.path == "/v1/auth"]
    cord = [bearer(r) for r in s.cord_jwt.requests]
    assert calven and cord
    return calven + cord


def bearer(request: Recorded) -> str:
    scheme, _, token = (request.header("authorization") or "").partition(" ")
    assert scheme == "Bearer", request
    return token


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def calls(server: CalvenServer | SuperOfficeServer | CordServer) -> list[tuple[str, str, int]]:
    return [(r.method, r.path, r.status) for r in server.requests]


def present(server: SuperOfficeServer) -> list[Any]:
    return [r.json for r in server.accepted]


def calven_event(request: Recorded) -> dict[str, Any]:
    """The one event of a Calven presence POST, after checking the envelope and fields."""
    body = request.json
    assert body["sourceId"] == "presence-agent" and len(body["presenceEvents"]) == 1
    event: dict[str, Any] = body["presenceEvents"][0]
    assert set(event) == {
        "timestamp",
        "locationId",
        "locationType",
        "eventId",
        "sourceUserId",
        "userEmail",
    }
    assert (event["locationId"], event["locationType"], event["userEmail"]) == (
        "hq-3",
        "level",
        "ada@example.com",
    )
    return event


def test_every_auth_mode_through_the_headless_agent(agent: tuple[AgentRun, Servers]) -> None:
    run, s = agent
    office = {"app": "presence-agent", "office": "hq-3"}
    remote = {"app": "presence-agent", "office": "remote"}
    team = {"groupID": "team-ada"}
    within = {"exclusiveWithin": {"app": "presence-agent"}}

    # start-up: SuperOffice hears "present", Cord "remote"; Calven nothing (no location yet)
    run.wait_alive(
        lambda: (
            all(len(x.accepted) == 1 for x in (s.so_bearer, s.so_ticket, s.cord_jwt))
            and s.cord_token.accepted
        ),
        timeout=10,
        what="start-up reports",
    )
    assert present(s.so_bearer) == [[{"UserId": 338, "Present": True}]]
    assert present(s.so_ticket) == [[{"UserId": 339, "Present": True}]]
    assert s.cord_token.accepted[0].json == {"location": remote, **within}
    assert s.cord_jwt.accepted[0].json == {"location": remote, **team, **within}

    # a location: each Calven mode posts its event; Cord moves to the office
    cli("pin", "hq-3")
    run.wait_alive(
        lambda: (
            all(len(x.events) == 1 for x in (s.calven_hmac, s.calven_basic, s.calven_token))
            and all(len(x.accepted) == 2 for x in (s.cord_token, s.cord_jwt))
        ),
        timeout=10,
        what="Calven events and Cord at the office",
    )
    assert s.cord_jwt.accepted[1].json == {"location": office, **team, **within}

    # a manual status with a message and a duration: only SuperOffice's Present flips
    cli("set", "busy", "--message", "Focusing", "--for", "30m")
    run.wait_alive(
        lambda: all(len(x.accepted) == 2 for x in (s.so_bearer, s.so_ticket)),
        timeout=5,
        what="SuperOffice busy",
    )
    assert present(s.so_ticket)[1] == [{"UserId": 339, "Present": False}]
    snapshot = json.loads(cli("status", "--json").stdout)
    assert (snapshot["status"], snapshot["message"]) == ("busy", "Focusing"), snapshot

    # invisible: the location is withheld; Cord clears it (absent), Calven hears nothing
    cli("set", "invisible")
    run.wait_alive(
        lambda: all(len(x.accepted) == 3 for x in (s.cord_token, s.cord_jwt)),
        timeout=5,
        what="Cord absent",
    )
    assert s.cord_token.accepted[2].json == {"location": office, "absent": True, **within}
    assert s.cord_jwt.accepted[2].json == {"location": office, "absent": True, **team, **within}

    # 401 mid-run: the servers revoke the tokens they issued (Cord's JWT has its iat in a
    # past second, so a re-mint is a different token); back to automatic at the office
    jwt = json.loads(base64.urlsafe_b64decode(bearer(s.cord_jwt.requests[0]).split(".")[1] + "=="))
    wait_until(lambda: time.time() >= jwt["iat"] + 1, timeout=2, what="a new second")
    s.calven_hmac.revoke_tokens()
    s.cord_jwt.revoke_tokens()
    cli("clear")
    run.wait_alive(
        lambda: (
            all(len(x.events) == 2 for x in (s.calven_hmac, s.calven_basic, s.calven_token))
            and all(len(x.accepted) == 4 for x in (s.cord_token, s.cord_jwt))
            and all(len(x.accepted) == 3 for x in (s.so_bearer, s.so_ticket))
        ),
        timeout=10,
        what="every backend back at the office",
    )

    # Calven hmac: minted with apiKey/timestamp/hash, then again once after the 401
    hmac = s.calven_hmac.requests
    assert calls(s.calven_hmac) == [
        ("POST", "/v1/auth", 200),
        ("POST", "/v1/presence", 200),
        ("POST", "/v1/presence", 401),
        ("POST", "/v1/auth", 200),
        ("POST", "/v1/presence", 200),
    ]
    assert set(hmac[0].json) == {"apiKey", "timestamp", "hash"}
    assert hmac[0].json["apiKey"] == SECRETS["calven-hmac", "api_key"]
    assert bearer(hmac[1]) == bearer(hmac[2]) == hmac[0].reply["token"]
    assert bearer(hmac[4]) == hmac[3].reply["token"] != hmac[0].reply["token"]
    assert hmac[2].body == hmac[4].body  # the same event (same eventId) sent again
    first, second = (calven_event(r) for r in (hmac[1], hmac[4]))
    assert first["eventId"] != second["eventId"]

    # Calven basic and static token: their own endpoint and header, nothing else
    password = SECRETS["calven-basic", "password"]
    assert calls(s.calven_basic) == [("POST", "/v1/presence/basic", 200)] * 2
    for r in s.calven_basic.requests:
        assert r.header("authorization") == basic("calven-basic-user", password)
        calven_event(r)
    assert calls(s.calven_token) == [("POST", "/v1/presence", 200)] * 2
    for r in s.calven_token.requests:
        assert bearer(r) == SECRETS["calven-token", "token"]
        calven_event(r)

    # SuperOffice: present, busy (not present), back; invisible did not flip it again
    save_all = ("POST", "/Cust12345/api/v1/Presence/SaveAll", 204)
    for server, user in ((s.so_bearer, 338), (s.so_ticket, 339)):
        assert calls(server) == [save_all] * 3
        assert present(server) == [[{"UserId": user, "Present": p}] for p in (True, False, True)]
    for r in s.so_bearer.requests:
        assert r.header("authorization") == f"Bearer {SECRETS['so-bearer', 'token']}"
        assert r.header("so-apptoken") is None
    for r in s.so_ticket.requests:
        assert r.header("authorization") == f"SOTicket {SECRETS['so-ticket', 'token']}"
        assert r.header("so-apptoken") == SECRETS["so-ticket", "app_token"]

    # Cord static token: remote, office, absent, office; never a JWT
    path = "/v1/users/user_123456/presence"
    assert calls(s.cord_token) == [("PUT", path, 200)] * 4
    assert {bearer(r) for r in s.cord_token.requests} == {SECRETS["cord-token", "token"]}
    assert s.cord_token.requests[3].json == {"location": office, **within}

    # Cord JWT: one token until the 401, then one fresh HS512 JWT for the same body
    cord = s.cord_jwt.requests
    assert calls(s.cord_jwt) == [("PUT", path, code) for code in (200, 200, 200, 401, 200)]
    tokens = [bearer(r) for r in cord]
    assert len(set(tokens[:4])) == 1 and tokens[4] != tokens[0]
    assert cord[3].body == cord[4].body
    assert cord[4].json == {"location": office, **team, **within}
    claims = s.cord_jwt.tokens_seen
    assert {c["project_id"] for c in claims} == {"cord-project"}
    assert {c["exp"] - c["iat"] for c in claims} == {60}

    # nobody signed out, nothing queued or failed
    backends = json.loads(cli("status", "--json").stdout)["backends"]
    assert {name: b["state"] for name, b in backends.items()} == dict.fromkeys(backends, "ok")
    assert set(backends) >= {name for name, _ in SECRETS}
    assert all(b["queue_depth"] == 0 and b["failed"] == 0 for b in backends.values())

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from agent.backends.base import Outcome, ProbeStatus, Result
from agent.backends.cord import mint_jwt
from agent.config.paths import Paths
from agent.config.schema import BackendEntry
from agent.core.clock import ManualClock
from agent.core.model import Status
from tests.backends.support import ANNEX, HQ, Secrets, change, deliver, open_backend, run, state
from tests.servers.cord import CordServer

OK = Result(Outcome.OK)
PRESENCE = "/v1/users/user_123456/presence"
APP = {"app": "presence-agent"}


def entry(server: CordServer, **options: object) -> BackendEntry:
    return BackendEntry(
        "cord", "cord", server.base_url, options={"project_id": "cord-project", **options}
    )


def secrets(**values: str) -> Secrets:
    return Secrets(values or {"project_secret": "cord-project-secret"}, "cord")


def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


def test_location_presence_absence_and_invisible(agent_paths: Paths) -> None:
    at_hq = state(location=HQ)
    busy_hq = state(Status.BUSY, "Focusing", location=HQ, reason="manual")
    away = state(Status.AWAY, location=HQ, reason="rule:idle")
    hidden = state(Status.INVISIBLE, location=ANNEX, reason="manual")

    async def scenario(server: CordServer) -> None:
        async with open_backend(
            entry(server, group_id="team-1"), agent_paths, secrets(), clock()
        ) as backend:
            assert await deliver(backend, change(at_hq)) == [OK]  # start-up
            assert backend.messages_for(change(busy_hq, at_hq)) == []  # same place
            assert await deliver(backend, change(away, busy_hq)) == [OK]  # absent
            assert await deliver(backend, change(at_hq, away)) == [OK]  # back
            assert await deliver(backend, change(state(location=ANNEX), at_hq)) == [OK]
            assert await deliver(backend, change(state(), state(location=ANNEX))) == [OK]
            assert await deliver(backend, change(hidden, state())) == [OK]  # absent, remote
            assert backend.messages_for(change(state(Status.OFFLINE), hidden)) == []

    with CordServer() as server:
        run(scenario(server))
    sent = server.requests
    assert {(r.method, r.path, r.status) for r in sent} == {("PUT", PRESENCE, 200)}
    office = {"app": "presence-agent", "office": "hq-3"}
    common = {"groupID": "team-1", "exclusiveWithin": APP}
    assert [r.json for r in sent] == [
        {"location": office, **common},
        {"location": office, "absent": True, **common},
        {"location": office, **common},
        {"location": {**office, "office": "annex"}, **common},
        {"location": {**office, "office": "remote"}, **common},
        {"location": {**office, "office": "remote"}, "absent": True, **common},
    ]
    assert server.present == {}
    assert all(c["project_id"] == "cord-project" for c in server.tokens_seen)


def test_template_durable_and_static_token(agent_paths: Paths) -> None:
    template = {"kind": "office", "building": "{location_id}", "label": "{location_name}"}

    async def scenario(server: CordServer) -> None:
        options = {"durable": True, "location_template": template}
        async with open_backend(
            entry(server, **options), agent_paths, secrets(token="static-1")
        ) as backend:
            assert (await backend.probe()).status is ProbeStatus.REACHABLE
            assert await deliver(backend, change(state(location=HQ))) == [OK]
            away = state(Status.AWAY, reason="rule:idle")
            assert await deliver(backend, change(away, state(location=HQ))) == [OK]

    with CordServer(static_token="static-1") as server:
        run(scenario(server))
    probe, present, absent = server.requests
    assert (probe.method, probe.path) == ("GET", "/v1/users/user_123456")
    assert probe.header("authorization") == "Bearer static-1"
    location = {"kind": "office", "building": "hq-3", "label": "HQ level 3"}
    assert present.json == {
        "location": location,
        "durable": True,
        "exclusiveWithin": {"kind": "office"},
    }
    assert absent.json == {
        "location": location,
        "absent": True,
        "exclusiveWithin": {"kind": "office"},
    }


def test_jwt_is_reminted_before_expiry_and_after_401(agent_paths: Paths) -> None:
    tick = clock()

    async def scenario(server: CordServer) -> None:
        async with open_backend(entry(server), agent_paths, secrets(), tick) as backend:
            assert await deliver(backend, change(state(location=HQ))) == [OK]
            assert await deliver(backend, change(state(location=ANNEX), state(location=HQ))) == [OK]
            tick.advance(55)  # inside the renewal margin
            assert await deliver(backend, change(state(location=HQ), state(location=ANNEX))) == [OK]
            server.project_secret = "rotated"
            (result,) = await deliver(backend, change(state(location=ANNEX), state(location=HQ)))
            assert result.outcome is Outcome.REAUTH
            report = await backend.probe()
            assert report.status is ProbeStatus.UNAUTHORISED
            assert report.fix == "run `presence-agent secret set cord project_secret`"

    with CordServer() as server:
        run(scenario(server))
    tokens = [r.header("authorization") for r in server.requests[:3]]
    assert tokens[0] == tokens[1] != tokens[2]


def test_missing_secret_and_misconfiguration(agent_paths: Paths) -> None:
    async def scenario(server: CordServer) -> None:
        async with open_backend(entry(server), agent_paths, Secrets()) as backend:
            (result,) = await deliver(backend, change(state(location=HQ)))
            assert result.outcome is Outcome.REAUTH
            assert "presence-agent secret set cord project_secret" in result.message
            assert "presence-agent secret set cord token" in result.message
        bad = entry(server, location_template={"office": "{floor}"})
        async with open_backend(bad, agent_paths, secrets()) as backend:
            report = await backend.probe()
            assert report.status is ProbeStatus.MISCONFIGURED
            assert "{floor}" in report.detail

    with CordServer() as server:
        run(scenario(server))
    assert server.requests == []


def test_mint_jwt_is_hs512_with_project_id() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    header, claims, _ = mint_jwt("p1", "s", now, timedelta(minutes=1)).split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=="))  # noqa: E731
    assert decode(header) == {"alg": "HS512", "typ": "JWT"}
    assert decode(claims) == {"project_id": "p1", "iat": 1767225600, "exp": 1767225660}


@pytest.mark.parametrize(
    "body",
    [
        {"Location": {"office": "hq"}},
        {"location": "hq"},
        {"location": {"office": "hq"}, "absent": True, "durable": True},
        {"location": {"office": "hq"}, "exclusiveWithin": {"app": "x"}},
        {"location": {"office": "hq"}, "groupId": "g"},
    ],
)
def test_server_rejects_bad_updates(body: object) -> None:
    with CordServer(static_token="t") as server:
        url = f"{server.base_url}{PRESENCE}"
        auth = {"Authorization": "Bearer t"}
        assert httpx.put(url, json=body, headers=auth).status_code == 400
        assert httpx.put(url, json={"location": {"office": "hq"}}, headers=auth).status_code == 200
        bad_jwt = mint_jwt("cord-project", "wrong", datetime.now(UTC), timedelta(minutes=1))
        assert (
            httpx.put(
                url, json={"location": {"a": "b"}}, headers={"Authorization": f"Bearer {bad_jwt}"}
            ).status_code
            == 401
        )
        assert httpx.post(url, json={"location": {"a": "b"}}, headers=auth).status_code == 405

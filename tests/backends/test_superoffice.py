from __future__ import annotations

import base64

import httpx
import pytest

from agent.backends.base import Outcome, ProbeStatus, Result
from agent.backends.registry import validate_entry
from agent.config.paths import Paths
from agent.config.schema import BackendEntry
from agent.core.model import Status
from tests.backends.support import HQ, Secrets, change, deliver, later, open_backend, run, state
from tests.servers.superoffice import SuperOfficeServer

OK = Result(Outcome.OK)
SAVE = "/Cust12345/api/v1/Presence/SaveAll"


def entry(server: SuperOfficeServer, **options: object) -> BackendEntry:
    return BackendEntry("so", "superoffice", server.base_url, options={"user_id": 338, **options})


def test_present_flips_only_when_it_changes(agent_paths: Paths) -> None:
    busy = state(Status.BUSY, "Call me later", until=later(30), reason="manual")
    away = state(Status.AWAY, reason="rule:idle")
    hidden = state(Status.INVISIBLE, location=HQ, reason="manual")
    secrets = Secrets({"password": "so-password"}, "so")

    async def scenario(server: SuperOfficeServer) -> None:
        options = {"auth": "basic", "username": "tje0"}
        async with open_backend(entry(server, **options), agent_paths, secrets) as backend:
            assert await deliver(backend, change(state())) == [OK]  # start-up
            assert await deliver(backend, change(busy, state())) == [OK]  # manual busy
            assert backend.messages_for(change(away, busy)) == []  # still not present
            assert await deliver(backend, change(state(), away)) == [OK]  # back
            assert backend.messages_for(change(state(location=HQ), state())) == []  # location
            assert await deliver(backend, change(hidden, state(location=HQ))) == [OK]
            assert await deliver(backend, change(hidden, hidden)) == [OK]  # re-assertion

    with SuperOfficeServer() as server:
        run(scenario(server))
    sent = server.requests
    assert [(r.method, r.path, r.status) for r in sent] == [("POST", SAVE, 204)] * 5
    assert [r.json for r in sent] == [
        [{"UserId": 338, "Present": p}] for p in (True, False, True, False, False)
    ]
    header = sent[0].header("authorization") or ""
    assert header.startswith("Basic ")
    assert base64.b64decode(header[6:]) == b"tje0:so-password"
    assert sent[0].header("content-type") == "application/json"
    assert server.presence == {338: False}


@pytest.mark.parametrize("auth", ["bearer", "soticket"])
def test_token_schemes_and_app_token(agent_paths: Paths, auth: str) -> None:
    secrets = Secrets({"token": "so-token", "app_token": "app-123"}, "so")

    async def scenario(server: SuperOfficeServer) -> None:
        options = {"auth": auth, "present_statuses": ["available", "busy"]}
        async with open_backend(entry(server, **options), agent_paths, secrets) as backend:
            assert (await backend.probe()).status is ProbeStatus.REACHABLE
            assert await deliver(backend, change(state(Status.BUSY))) == [OK]
            assert backend.messages_for(change(state(), state(Status.BUSY))) == []

    with SuperOfficeServer(auth=auth, app_token="app-123") as server:
        run(scenario(server))
    last = server.requests[-1]
    scheme = "Bearer" if auth == "bearer" else "SOTicket"
    assert last.header("authorization") == f"{scheme} so-token"
    assert last.header("so-apptoken") == "app-123"
    assert last.json == [{"UserId": 338, "Present": True}]
    assert server.requests[0].json == []  # the probe saves nothing


def test_auth_failures(agent_paths: Paths) -> None:
    async def scenario(server: SuperOfficeServer) -> None:
        wrong = Secrets({"token": "nope"}, "so")
        async with open_backend(entry(server, auth="bearer"), agent_paths, wrong) as backend:
            (result,) = await deliver(backend, change(state()))
            assert result.outcome is Outcome.REAUTH
            report = await backend.probe()
            assert report.status is ProbeStatus.UNAUTHORISED
            assert report.fix == "run `presence-agent secret set so token`"
        async with open_backend(entry(server, auth="bearer"), agent_paths, Secrets()) as backend:
            (result,) = await deliver(backend, change(state()))
            assert result.outcome is Outcome.REAUTH
            assert "presence-agent secret set so token" in result.message

    with SuperOfficeServer(auth="bearer") as server:
        run(scenario(server))


def test_options_are_validated() -> None:
    bad = BackendEntry(
        "so",
        "superoffice",
        "http://example.com",
        options={"user_id": "x", "auth": "ntlm", "present_statuses": ["here"], "password": "p"},
    )
    keys = [key for key, _ in validate_entry(bad)]
    assert keys == ["base_url", "auth", "user_id", "present_statuses", "username", "password"]


@pytest.mark.parametrize(
    "body",
    [
        [{"userId": 338, "Present": True}],
        [{"UserId": "338", "Present": True}],
        [{"UserId": 338, "Present": 1}],
        {"UserId": 338, "Present": True},
        [{"UserId": 338}],
    ],
)
def test_server_rejects_bad_bodies(body: object) -> None:
    with SuperOfficeServer() as server:
        auth = httpx.BasicAuth("tje0", "so-password")
        url = f"{server.base_url}/api/v1/Presence/SaveAll"
        assert httpx.post(url, json=body, auth=auth).status_code == 400
        good = [{"UserId": 338, "Present": True}]
        assert httpx.post(url, json=good, auth=auth).status_code == 204
        assert httpx.post(url, json=good, headers={"Authorization": "Bearer x"}).status_code == 401
        assert httpx.put(url, json=good, auth=auth).status_code == 405

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from agent.backends.base import DeliveryKind, Outcome, ProbeStatus, Result
from agent.config.paths import Paths
from agent.config.schema import BackendEntry
from agent.core.clock import ManualClock
from agent.core.model import Status
from tests.backends.support import ANNEX, HQ, Secrets, change, deliver, open_backend, run, state
from tests.servers.calven import CalvenServer

OK = Result(Outcome.OK)
SECRETS = {
    "client_secret": {"api_key": "calven-key", "client_secret": "calven-client-secret"},
    "hmac": {"api_key": "calven-key", "hmac_secret": "calven-hmac-secret"},
    "basic": {"password": "calven-basic-secret"},
    "token": {"token": "calven-static-token"},
}


@pytest.fixture
def server() -> Iterator[CalvenServer]:
    with CalvenServer(known_locations={"hq-3", "annex"}) as server:
        yield server


@pytest.fixture
def clock() -> ManualClock:
    # real time: the HMAC endpoint checks the timestamp against its own clock
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


def entry(server: CalvenServer, auth: str = "client_secret", **options: object) -> BackendEntry:
    extra = {"username": "calven-basic-key"} if auth == "basic" else {}
    return BackendEntry(
        "calven",
        "calven",
        server.base_url,
        options={"source_id": "presence-agent", "auth": auth, **extra, **options},
    )


def presence(server: CalvenServer) -> list[dict[str, object]]:
    return [
        e
        for r in server.accepted
        if r.path.startswith("/v1/presence")
        for e in r.json["presenceEvents"]
    ]


def test_events_only_when_present_at_a_known_location(
    server: CalvenServer, agent_paths: Paths, clock: ManualClock
) -> None:
    at_hq = state(location=HQ)
    busy_hq = state(Status.BUSY, "Focusing", location=HQ, reason="manual")
    away_hq = state(Status.AWAY, location=HQ, reason="rule:idle")

    async def scenario() -> None:
        async with open_backend(
            entry(server), agent_paths, Secrets(SECRETS["client_secret"], "calven"), clock
        ) as backend:
            assert backend.kind is DeliveryKind.EVENT
            start = change(at_hq, None, at=clock.now())
            (first,) = backend.messages_for(start)
            assert await backend.send(first) == OK
            assert backend.messages_for(change(busy_hq, at_hq)) == []  # same place
            assert backend.messages_for(change(away_hq, busy_hq)) == []  # away: nothing
            assert await deliver(backend, change(at_hq, away_hq)) == [OK]  # back at the office
            assert await deliver(backend, change(state(location=ANNEX), at_hq)) == [OK]
            assert backend.messages_for(change(state(), state(location=ANNEX))) == []  # remote
            hidden = state(Status.INVISIBLE, location=HQ, reason="manual")
            assert backend.messages_for(change(hidden, at_hq)) == []
            assert backend.messages_for(change(state(Status.OFFLINE, location=HQ), at_hq)) == []
            assert await deliver(backend, change(at_hq, at_hq)) == [OK]  # re-assertion
            assert first.key == first.payload["event"]["eventId"]

    run(scenario())
    auth = [r for r in server.requests if r.path == "/v1/auth/token"]
    assert len(auth) == 1  # one token for every event
    assert auth[0].json == {"client_id": "calven-key", "client_secret": "calven-client-secret"}
    events = presence(server)
    assert [(e["locationId"], e["locationType"]) for e in events] == [
        ("hq-3", "level"),
        ("hq-3", "level"),
        ("annex", "location"),  # "building" is not a Calven type
        ("hq-3", "level"),
    ]
    assert set(events[0]) == {
        "timestamp",
        "locationId",
        "locationType",
        "eventId",
        "sourceUserId",
        "userEmail",
    }
    assert events[0]["userEmail"] == "ada@example.com"
    assert events[0]["sourceUserId"] == "user_123456"
    assert events[0]["timestamp"] == clock.now().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert len({e["eventId"] for e in events}) == 4
    sent = [r for r in server.requests if r.path == "/v1/presence"]
    assert all(
        r.header(
            "authorization",
        ).startswith("Bearer ")
        for r in sent
    )  # type: ignore[union-attr]


@pytest.mark.parametrize("auth", ["client_secret", "hmac", "basic", "token"])
def test_each_auth_mode(
    server: CalvenServer, agent_paths: Paths, clock: ManualClock, auth: str
) -> None:
    async def scenario() -> None:
        async with open_backend(
            entry(server, auth), agent_paths, Secrets(SECRETS[auth], "calven"), clock
        ) as backend:
            assert (await backend.probe()).status is ProbeStatus.REACHABLE
            assert await deliver(backend, change(state(location=HQ))) == [OK]

    run(scenario())
    (last,) = [r for r in server.accepted if r.path.startswith("/v1/presence")][-1:]
    header = last.header("authorization") or ""
    if auth == "basic":
        assert last.path == "/v1/presence/basic"
        assert base64.b64decode(header.split()[1]) == b"calven-basic-key:calven-basic-secret"
    else:
        assert last.path == "/v1/presence" and header.startswith("Bearer ")
    if auth == "hmac":
        (mint,) = [r for r in server.requests if r.path == "/v1/auth"][-1:]
        assert set(mint.json) == {"apiKey", "timestamp", "hash"}


def test_token_refresh_on_401_and_before_expiry(
    server: CalvenServer, agent_paths: Paths, clock: ManualClock
) -> None:
    async def scenario() -> None:
        async with open_backend(
            entry(server), agent_paths, Secrets(SECRETS["client_secret"], "calven"), clock
        ) as backend:
            assert await deliver(backend, change(state(location=HQ))) == [OK]
            server.revoke_tokens()
            (message,) = backend.messages_for(change(state(location=ANNEX), state(location=HQ)))
            assert (await backend.send(message)).outcome is Outcome.REAUTH
            await backend.refresh_credentials()
            assert await backend.send(message) == OK  # same eventId on the retry
            clock.advance(3600 - 30)  # inside the renewal margin: a new token first
            assert await deliver(backend, change(state(location=HQ), state(location=ANNEX))) == [OK]

    run(scenario())
    paths = [r.path for r in server.requests]
    assert paths == [
        "/v1/auth/token",
        "/v1/presence",
        "/v1/presence",
        "/v1/auth/token",
        "/v1/presence",
        "/v1/auth/token",
        "/v1/presence",
    ]
    retried = [r.json["presenceEvents"][0]["eventId"] for r in server.requests[2:5:2]]
    assert retried[0] == retried[1]


def test_failures_are_surfaced(
    server: CalvenServer, agent_paths: Paths, clock: ManualClock
) -> None:
    nowhere = state(location=type(HQ)("cellar", "zone", "Cellar"))

    async def scenario() -> None:
        good = Secrets(SECRETS["client_secret"], "calven")
        async with open_backend(entry(server), agent_paths, good, clock) as backend:
            (result,) = await deliver(backend, change(nowhere))
            assert result.outcome is Outcome.PERMANENT
            assert "Unknown location" in result.message
            server.fail("garbage")
            (result,) = await deliver(backend, change(state(location=HQ)))
            assert result.outcome is Outcome.RETRY
            server.fail("429", retry_after="7")
            (result,) = await deliver(backend, change(state(location=HQ)))
            assert (result.outcome, result.retry_after) == (Outcome.RETRY, 7.0)
        bad = Secrets({"api_key": "calven-key", "client_secret": "oops-wrong"}, "calven")
        async with open_backend(entry(server), agent_paths, bad, clock) as backend:
            (result,) = await deliver(backend, change(state(location=HQ)))
            assert result.outcome is Outcome.REAUTH
            assert "presence-agent secret set calven client_secret" in result.message
            assert "oops-wrong" not in result.message
            report = await backend.probe()
            assert report.status is ProbeStatus.UNAUTHORISED
            assert "client_secret" in report.fix
        async with open_backend(entry(server, "hmac"), agent_paths, Secrets(), clock) as backend:
            (result,) = await deliver(backend, change(state(location=HQ)))
            assert result.outcome is Outcome.REAUTH
            assert "presence-agent secret set calven api_key" in result.message

    run(scenario())


@pytest.mark.parametrize(
    "event",
    [
        {"timestamp": "2021-09-01T12:00:00Z"},  # no milliseconds
        {"locationType": "building"},
        {"EventId": "x"},
        {"userEmail": 5},
    ],
)
def test_server_rejects_bad_events(server: CalvenServer, event: dict[str, object]) -> None:
    good = {
        "timestamp": "2021-09-01T12:00:00.000Z",
        "locationId": "hq-3",
        "locationType": "level",
        "eventId": "e1",
        "userEmail": "ada@example.com",
    }
    body = {"sourceId": "presence-agent", "presenceEvents": [{**good, **event}]}
    auth = {"Authorization": "Bearer calven-static-token"}
    assert httpx.post(f"{server.base_url}/v1/presence", json=body, headers=auth).status_code == 400
    ok = {"sourceId": "presence-agent", "presenceEvents": [good]}
    assert httpx.post(f"{server.base_url}/v1/presence", json=ok, headers=auth).status_code == 200
    assert httpx.post(f"{server.base_url}/v1/presence", json=ok).status_code == 401
    basic = {"Authorization": "Bearer calven-basic-key:calven-basic-secret"}
    assert (
        httpx.post(f"{server.base_url}/v1/presence/basic", json=ok, headers=basic).status_code
        == 401
    )

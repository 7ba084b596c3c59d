from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from agent.backends.base import Outcome, ProbeStatus
from agent.config.paths import Paths
from agent.config.schema import BackendEntry
from agent.core.model import Status
from tests.backends.support import (
    HQ,
    NOW,
    Secrets,
    change,
    deliver,
    later,
    open_backend,
    run,
    state,
)
from tests.servers.audian import AudianServer

PATH = "/v2/accounts/acc_1234567890/users/user_123456"


@pytest.fixture
def server() -> Iterator[AudianServer]:
    with AudianServer() as server:
        yield server


def entry(server: AudianServer, **options: object) -> BackendEntry:
    return BackendEntry(
        "audian",
        "audian",
        server.base_url,
        options={"account_id": "acc_1234567890", **options},
    )


def secrets(token: str = "audian-token") -> Secrets:
    return Secrets({"api_token": token}, "audian")


def test_start_up_manual_away_back_and_invisible(server: AudianServer, agent_paths: Paths) -> None:
    busy = state(Status.BUSY, "Focusing", until=later(30), reason="manual")
    away = state(Status.AWAY, reason="rule:idle")

    async def scenario() -> None:
        async with open_backend(entry(server), agent_paths, secrets()) as backend:
            assert await deliver(backend, change(state())) == [_ok()]
            assert await deliver(backend, change(busy, state())) == [_ok()]
            assert await deliver(backend, change(away, busy)) == [_ok()]
            assert await deliver(backend, change(state(), away)) == [_ok()]
            invisible = state(Status.INVISIBLE, location=HQ, reason="manual")
            assert await deliver(backend, change(invisible, state())) == [_ok()]

    run(scenario())
    sent = server.requests
    assert [(r.method, r.path) for r in sent] == [("POST", f"{PATH}/presence")] * 5
    assert all(r.header("x-auth-token") == "audian-token" for r in sent)
    assert all(r.header("content-type") == "application/json" for r in sent)
    assert [r.json for r in sent] == [
        {"status": "available", "message": ""},
        {"status": "busy", "message": "Focusing", "duration": 1800},
        {"status": "away", "message": ""},
        {"status": "available", "message": ""},
        {"status": "invisible", "message": ""},
    ]
    assert all(r.status == 200 for r in sent)


def test_duration_is_time_left_when_sent_late(server: AudianServer, agent_paths: Paths) -> None:
    from agent.core.clock import ManualClock

    clock = ManualClock(NOW)
    busy = state(Status.BUSY, until=later(60), reason="manual")

    async def scenario() -> None:
        async with open_backend(entry(server), agent_paths, secrets(), clock) as backend:
            (message,) = backend.messages_for(change(busy, state()))
            assert message.expires_at == "2026-03-02T10:00:00Z"
            clock.advance(45 * 60)
            assert (await backend.send(message)).outcome is Outcome.OK

    run(scenario())
    assert server.requests[0].json["duration"] == 15 * 60


def test_location_change_alone_says_nothing(server: AudianServer, agent_paths: Paths) -> None:
    async def scenario() -> None:
        async with open_backend(entry(server), agent_paths, secrets()) as backend:
            assert backend.messages_for(change(state(location=HQ), state())) == []
            # the delivery layer's periodic re-assertion still sends
            again = change(state(location=HQ), state(location=HQ))
            assert len(backend.messages_for(again)) == 1

    run(scenario())


def test_dnd_endpoint_and_forwarding(server: AudianServer, agent_paths: Paths) -> None:
    dnd = state(Status.DND, "Heads down", until=later(60), reason="manual")
    away = state(Status.AWAY, reason="rule:idle")
    options = {"dnd_endpoint": True, "forward_when_away": "+1-555-9999"}

    async def scenario() -> None:
        async with open_backend(entry(server, **options), agent_paths, secrets()) as backend:
            assert await deliver(backend, change(dnd, state())) == [_ok(), _ok()]
            assert server.presence["doNotDisturb"]["enabled"] is True
            assert await deliver(backend, change(away, dnd)) == [_ok()] * 3
            assert server.presence["callForwarding"]["destination"] == "+1-555-9999"
            assert await deliver(backend, change(state(), away)) == [_ok(), _ok()]

    run(scenario())
    calls = [(r.method, r.path.removeprefix(PATH), r.json) for r in server.requests]
    assert calls == [
        ("POST", "/presence", {"status": "dnd", "message": "Heads down", "duration": 3600}),
        ("POST", "/dnd", {"enabled": True, "reason": "Heads down", "duration": 3600}),
        ("POST", "/presence", {"status": "away", "message": ""}),
        ("DELETE", "/dnd", None),
        (
            "POST",
            "/call-forwarding",
            {"enabled": True, "destination": "+1-555-9999", "destinationType": "external"},
        ),
        ("POST", "/presence", {"status": "available", "message": ""}),
        ("DELETE", "/call-forwarding", None),
    ]
    assert server.presence["callForwarding"]["enabled"] is False


def test_fetch_remote_status_adopts_desk_phone(server: AudianServer, agent_paths: Paths) -> None:
    server.presence.update(status="dnd", customMessage="On the desk phone")

    async def scenario() -> None:
        async with open_backend(entry(server), agent_paths, secrets()) as backend:
            remote = await backend.fetch_remote_status()  # type: ignore[attr-defined]
            assert remote is not None
            assert (remote.status, remote.message, remote.reason) == (
                Status.DND,
                "On the desk phone",
                "manual",
            )
            assert remote.since is not None and remote.since.year == 2023
        async with open_backend(entry(server), agent_paths, secrets("wrong")) as backend:
            assert await backend.fetch_remote_status() is None  # type: ignore[attr-defined]

    run(scenario())
    assert server.requests[0].method == "GET"


def test_auth_failures_and_probe(server: AudianServer, agent_paths: Paths) -> None:
    async def scenario() -> None:
        async with open_backend(entry(server), agent_paths, secrets("wrong")) as backend:
            (result,) = await deliver(backend, change(state()))
            assert result.outcome is Outcome.REAUTH
            report = await backend.probe()
            assert report.status is ProbeStatus.UNAUTHORISED
            assert report.fix == "run `presence-agent secret set audian api_token`"
        async with open_backend(entry(server), agent_paths, Secrets()) as backend:
            (result,) = await deliver(backend, change(state()))
            assert result.outcome is Outcome.REAUTH
            assert "presence-agent secret set audian api_token" in result.message
            assert (await backend.probe()).status is ProbeStatus.MISCONFIGURED
        async with open_backend(entry(server), agent_paths, secrets()) as backend:
            assert (await backend.probe()).status is ProbeStatus.REACHABLE
        async with open_backend(
            entry(server, user_id="someone-else"), agent_paths, secrets()
        ) as backend:
            report = await backend.probe()
            assert report.status is ProbeStatus.MISCONFIGURED
            assert "User not found" in report.detail

    run(scenario())


def test_unreachable(agent_paths: Paths) -> None:
    with AudianServer() as server:
        url = server.base_url
    bad = BackendEntry("audian", "audian", url, options={"account_id": "a"})

    async def scenario() -> None:
        async with open_backend(bad, agent_paths, secrets()) as backend:
            assert (await backend.probe()).status is ProbeStatus.UNREACHABLE
            (result,) = await deliver(backend, change(state()))
            assert result.outcome is Outcome.RETRY

    run(scenario())


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"X-Auth-Token": "audian-token"}, {"Status": "away"}, 400),
        ({"X-Auth-Token": "audian-token"}, {"status": "gone"}, 400),
        ({"X-Auth-Token": "audian-token"}, {"status": "away", "duration": "60"}, 400),
        ({"X-Auth-Token": "audian-token"}, {"status": "away", "extra": 1}, 400),
        ({"Authorization": "Bearer audian-token"}, {"status": "away"}, 401),
        ({"X-Auth-Token": "nope"}, {"status": "away"}, 401),
    ],
)
def test_server_rejects_what_the_contract_does_not_allow(
    server: AudianServer, headers: dict[str, str], body: object, status: int
) -> None:
    reply = httpx.post(f"{server.base_url}{PATH[3:]}/presence", headers=headers, json=body)
    assert reply.status_code == status
    assert httpx.put(f"{server.base_url}{PATH[3:]}/presence", headers=headers).status_code in (
        401,
        405,
    )


def _ok() -> object:
    from agent.backends.base import Result

    return Result(Outcome.OK)


def test_real_secret_store_in_gnome_keyring(server: AudianServer, agent_paths: Paths) -> None:
    from agent.secrets import SecretStore

    store = SecretStore()
    store.set("audian", "api_token", "audian-token")
    try:

        async def scenario() -> None:
            async with open_backend(entry(server), agent_paths, store) as backend:
                assert (await backend.probe()).status is ProbeStatus.REACHABLE
                assert await deliver(backend, change(state())) == [_ok()]

        run(scenario())
    finally:
        store.delete("audian", "api_token")
    assert server.requests[-1].header("x-auth-token") == "audian-token"


def test_server_enforces_content_type_and_counts_planned_failures(server: AudianServer) -> None:
    url = f"{server.base_url}{PATH[3:]}/presence"
    headers = {"X-Auth-Token": "audian-token", "Content-Type": "text/plain"}
    assert httpx.post(url, content=b'{"status": "away"}', headers=headers).status_code == 400
    server.fail("503", times=2, retry_after="Mon, 02 Mar 2026 09:01:30 GMT")
    good = {"X-Auth-Token": "audian-token"}
    replies = [httpx.post(url, json={"status": "away"}, headers=good) for _ in range(3)]
    assert [r.status_code for r in replies] == [503, 503, 200]
    assert replies[0].headers["Retry-After"] == "Mon, 02 Mar 2026 09:01:30 GMT"
    assert [r.status for r in server.requests] == [400, 503, 503, 200]
    assert len(server.accepted) == 1


class BrokenKeyring:
    """A keyring that cannot be used at all (only the fail backend is installed)."""

    def get(self, backend: str, field: str) -> str | None:
        from agent.secrets import NoKeyringError

        raise NoKeyringError("no usable keyring: install and unlock gnome-keyring")


def test_unusable_keyring_is_reported_not_raised(server: AudianServer, agent_paths: Paths) -> None:
    async def scenario() -> None:
        async with open_backend(entry(server), agent_paths, BrokenKeyring()) as backend:
            (result,) = await deliver(backend, change(state()))
            assert result.outcome is Outcome.REAUTH
            assert "install and unlock gnome-keyring" in result.message
            report = await backend.probe()
            assert report.status is ProbeStatus.MISCONFIGURED
            assert "gnome-keyring" in report.detail

    run(scenario())
    assert server.requests == []

from __future__ import annotations

import hashlib
import hmac
import json

import httpx

from agent.backends.base import Outcome, ProbeStatus, Result
from agent.config.paths import Paths
from agent.config.schema import BackendEntry
from agent.core.model import Status
from tests.backends.support import HQ, Secrets, change, deliver, later, open_backend, run, state
from tests.servers.webhook import WebhookServer

OK = Result(Outcome.OK)


def test_webhook_sends_signed_audian_shaped_events(agent_paths: Paths) -> None:
    busy = state(Status.BUSY, "Focusing", until=later(30), location=HQ, reason="manual")
    hidden = state(Status.INVISIBLE, location=HQ, reason="manual")

    async def scenario(server: WebhookServer) -> None:
        secrets = Secrets({"signing_secret": "webhook-secret"}, "hook")
        entry = BackendEntry("hook", "webhook", server.base_url)
        async with open_backend(entry, agent_paths, secrets) as backend:
            assert (await backend.probe()).status is ProbeStatus.REACHABLE
            assert await deliver(backend, change(state())) == [OK]
            (message,) = backend.messages_for(change(busy, state()))
            assert message.expires_at == "2026-03-02T09:30:00Z"
            assert await backend.send(message) == OK
            assert await backend.send(message) == OK  # a retry: same X-Webhook-Id
            assert await deliver(backend, change(hidden, busy)) == [OK]
            assert "webhook-secret" not in json.dumps(message.payload)

    with WebhookServer() as server:
        run(scenario(server))
    posts = server.requests[1:]
    for request in posts:
        digest = hmac.new(b"webhook-secret", request.body, hashlib.sha256).hexdigest()
        assert request.header("x-signature") == f"sha256={digest}"
    assert posts[1].header("x-webhook-id") == posts[2].header("x-webhook-id")
    assert posts[1].json == {
        "event": "user.presence.changed",
        "timestamp": "2026-03-02T09:00:00Z",
        "data": {
            "userId": "user_123456",
            "status": "busy",
            "message": "Focusing",
            "previousStatus": "available",
            "location": {"id": "hq-3", "type": "level", "name": "HQ level 3"},
        },
    }
    assert [c["status"] for c in server.changes] == ["available", "busy", "invisible"]
    assert server.changes[-1]["location"] is None  # withheld while invisible


def test_webhook_wrong_or_missing_secret(agent_paths: Paths) -> None:
    async def scenario(server: WebhookServer) -> None:
        entry = BackendEntry("hook", "webhook", server.base_url)
        wrong = Secrets({"signing_secret": "other"}, "hook")
        async with open_backend(entry, agent_paths, wrong) as backend:
            (result,) = await deliver(backend, change(state()))
            assert result.outcome is Outcome.REAUTH
            report = await backend.probe()
            assert report.status is ProbeStatus.UNAUTHORISED
            assert report.fix == "run `presence-agent secret set hook signing_secret`"
        async with open_backend(entry, agent_paths, Secrets()) as backend:
            (result,) = await deliver(backend, change(state()))
            assert "presence-agent secret set hook signing_secret" in result.message

    with WebhookServer() as server:
        run(scenario(server))
        assert httpx.post(server.base_url, json={"event": "ping"}).status_code == 401


def test_local_journal(agent_paths: Paths) -> None:
    away = state(Status.AWAY, location=HQ, reason="rule:idle")
    busy = state(Status.BUSY, "Call", until=later(60), location=HQ, reason="manual")

    async def scenario() -> None:
        entry = BackendEntry("local", "local")
        async with open_backend(entry, agent_paths, Secrets()) as backend:
            assert (await backend.probe()).status is ProbeStatus.REACHABLE
            assert await deliver(backend, change(state(location=HQ))) == [OK]
            assert await deliver(backend, change(away, state(location=HQ))) == [OK]
            assert await deliver(backend, change(busy, away)) == [OK]
            hidden = state(Status.INVISIBLE, location=HQ, reason="manual")
            assert await deliver(backend, change(hidden, busy)) == [OK]
            assert backend.messages_for(change(hidden, hidden)) == []  # re-assertion

    run(scenario())
    lines = [json.loads(x) for x in agent_paths.journal_file.read_text().splitlines()]
    hq = {"id": "hq-3", "type": "level", "name": "HQ level 3"}
    assert lines == [
        {
            "at": "2026-03-02T09:00:00Z",
            "status": "available",
            "message": "",
            "until": None,
            "reason": "default",
            "location": hq,
            "previous": None,
        },
        {
            "at": "2026-03-02T09:00:00Z",
            "status": "away",
            "message": "",
            "until": None,
            "reason": "rule:idle",
            "location": hq,
            "previous": "available",
        },
        {
            "at": "2026-03-02T09:00:00Z",
            "status": "busy",
            "message": "Call",
            "until": "2026-03-02T10:00:00Z",
            "reason": "manual",
            "location": hq,
            "previous": "away",
        },
        {
            "at": "2026-03-02T09:00:00Z",
            "status": "invisible",
            "message": "",
            "until": None,
            "reason": "manual",
            "location": None,
            "previous": "busy",
        },
    ]


def test_local_custom_path(agent_paths: Paths) -> None:
    path = agent_paths.data_dir / "elsewhere" / "changes.jsonl"

    async def scenario() -> None:
        entry = BackendEntry("local", "local", options={"path": str(path)})
        async with open_backend(entry, agent_paths, Secrets()) as backend:
            assert await deliver(backend, change(state(Status.AWAY, reason="rule:idle"))) == [OK]

    run(scenario())
    (line,) = path.read_text(encoding="utf-8").splitlines()
    entry = json.loads(line)
    assert (entry["status"], entry["reason"], entry["at"]) == (
        "away",
        "rule:idle",
        "2026-03-02T09:00:00Z",
    )

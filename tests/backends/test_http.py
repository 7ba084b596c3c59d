from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from agent.backends.base import Outcome, Result
from agent.backends.http import classify, create_client, exchange, mask, retry_after, url_problem
from agent.core.clock import ManualClock
from tests.backends.support import run
from tests.servers.audian import AudianServer

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def reply(status: int, body: object = None, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.OK),
        (201, Outcome.OK),
        (204, Outcome.OK),
        (401, Outcome.REAUTH),
        (408, Outcome.RETRY),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (502, Outcome.RETRY),
        (503, Outcome.RETRY),
        (400, Outcome.PERMANENT),
        (403, Outcome.PERMANENT),
        (404, Outcome.PERMANENT),
        (422, Outcome.PERMANENT),
        (302, Outcome.PERMANENT),
    ],
)
def test_classification(status: int, outcome: Outcome) -> None:
    assert classify(reply(status), NOW).outcome is outcome


def test_retry_after_seconds_and_http_date() -> None:
    assert classify(reply(429, **{"Retry-After": "120"}), NOW).retry_after == 120.0
    date = "Mon, 02 Mar 2026 09:01:30 GMT"
    assert classify(reply(503, **{"Retry-After": date}), NOW).retry_after == 90.0
    assert retry_after("Mon, 02 Mar 2026 08:00:00 GMT", NOW) == 0.0  # in the past
    assert retry_after("soon", NOW) is None
    assert retry_after(None, NOW) is None


def test_server_message_is_trimmed_and_secrets_masked() -> None:
    body = {"message": "token s3cr3t-value is not valid for user\n\n" + "x" * 500}
    result = classify(reply(400, body), NOW, secrets=["s3cr3t-value"])
    assert result.outcome is Outcome.PERMANENT
    assert "s3cr3t-value" not in result.message
    assert result.message.startswith("HTTP 400: token *** is not valid for user x")
    assert len(result.message) <= 210
    assert mask("a\tb  c", []) == "a b c"
    text = classify(httpx.Response(404, text="<h1>Not here</h1>"), NOW).message
    assert text == "HTTP 404: <h1>Not here</h1>"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.audian.com:8443/v2", True),
        ("http://127.0.0.1:8080/v2", True),
        ("http://localhost:9/x", True),
        ("http://[::1]:80/", True),
        ("http://api.audian.com/v2", False),
        ("http://10.0.0.1/", False),
        ("ftp://example.com", False),
        ("https://user:pw@example.com", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_url_safety(url: str, ok: bool) -> None:
    assert (url_problem(url) is None) is ok


def test_exchange_refuses_plain_http_off_loopback() -> None:
    async def scenario() -> Result:
        async with create_client() as client:
            return (await exchange(client, ManualClock(NOW), "GET", "http://example.com/")).result

    result = run(scenario())
    assert result.outcome is Outcome.PERMANENT and "https" in result.message


def test_tls_verification_is_on() -> None:
    client = create_client()
    try:
        # verify=True loads the system trust store: an SSLContext that checks certificates
        import ssl

        pool = client._transport._pool  # type: ignore[attr-defined]
        assert pool._ssl_context.verify_mode is ssl.CERT_REQUIRED
        assert client.follow_redirects is False
    finally:
        run(client.aclose())


@pytest.mark.parametrize(
    ("kind", "outcome"),
    [
        ("500", Outcome.RETRY),
        ("503", Outcome.RETRY),
        ("429", Outcome.RETRY),
        ("401", Outcome.REAUTH),
        ("reset", Outcome.RETRY),
        ("slow", Outcome.RETRY),
        ("garbage", Outcome.OK),  # Audian needs no reply body: a 200 is a 200
    ],
)
def test_planned_server_failures(kind: str, outcome: Outcome) -> None:
    with AudianServer() as server:
        server.fail(kind, retry_after="3", delay=0.5)
        url = f"{server.base_url}/accounts/acc_1234567890/users/user_123456/presence"

        async def scenario() -> tuple[Result, Result]:
            async with create_client(timeout=0.2) as client:
                headers = {"X-Auth-Token": "audian-token"}
                body = {"status": "away"}
                first = await exchange(
                    client, ManualClock(NOW), "POST", url, headers=headers, json_body=body
                )
                second = await exchange(
                    client, ManualClock(NOW), "POST", url, headers=headers, json_body=body
                )
                return first.result, second.result

        first, second = run(scenario())
    assert first.outcome is outcome
    assert second.outcome is Outcome.OK  # the failure was planned once
    if kind in ("429", "503"):
        assert first.retry_after == 3.0
    if kind == "slow":
        assert "timed out" in first.message


def test_connection_refused_is_retry() -> None:
    with AudianServer() as server:
        url = server.base_url

    async def scenario() -> Result:
        async with create_client() as client:
            return (await exchange(client, ManualClock(NOW), "GET", url)).result

    result = run(scenario())
    assert result.outcome is Outcome.RETRY
    assert result.message.startswith("cannot reach the server")

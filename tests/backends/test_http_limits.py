"""HTTP reply limits against the hostile loopback server, and reply handling as a property.

Each mode of :mod:`tests.servers.hostile` goes through the agent's one exchange
function: the result is a classified outcome (never an exception), a 50 MB body is
refused after ~1 MiB without the process growing, and a trickling or hanging server
is cut off at the request's one deadline.
"""

from __future__ import annotations

import resource
import time
from datetime import UTC, datetime

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.backends.base import Outcome
from agent.backends.http import (
    MAX_BODY,
    Reply,
    classify,
    create_client,
    exchange,
    retry_after,
)
from agent.core.clock import ManualClock
from tests.backends.support import run
from tests.servers.hostile import HostileServer

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def post(server: HostileServer, deadline: float = 5.0) -> tuple[Reply, float]:
    """One exchange with ``server``; the reply and how long it took."""

    async def go() -> Reply:
        async with create_client(timeout=10.0) as client:
            return await exchange(
                client, ManualClock(NOW), "POST", server.base_url, json_body={}, deadline=deadline
            )

    started = time.monotonic()
    reply = run(go())
    return reply, time.monotonic() - started


def test_a_50_mb_body_is_refused_after_1_mib_without_memory_growth() -> None:
    with HostileServer("huge") as server:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        reply, _took = post(server)
        grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert reply.result.outcome is Outcome.RETRY
    assert "larger than 1024 KB" in (reply.result.message or "")
    assert grown_kb < 20 * 1024, f"peak RSS grew {grown_kb} KB reading a refused reply"


def test_a_trickling_reply_is_cut_at_the_whole_request_deadline() -> None:
    with HostileServer("trickle", trickle_every=0.2) as server:  # each read is quick
        reply, took = post(server, deadline=1.5)
    assert reply.result.outcome is Outcome.RETRY
    assert reply.result.message == "no complete reply within 1.5s"
    assert 1.4 <= took < 5.0


def test_a_server_that_never_answers_is_cut_at_the_deadline() -> None:
    with HostileServer("hang") as server:
        reply, took = post(server, deadline=1.0)
    assert (reply.result.outcome, took < 5.0) == (Outcome.RETRY, True)


def test_reset_redirect_and_malformed_replies_are_classified() -> None:
    expected = {
        "reset": Outcome.RETRY,
        "redirect": Outcome.PERMANENT,
        "malformed": Outcome.RETRY,
        "500": Outcome.RETRY,
        "429": Outcome.RETRY,
    }
    with HostileServer() as server:
        for mode, outcome in expected.items():
            server.mode = mode
            reply, _took = post(server)
            assert reply.result.outcome is outcome, (mode, reply.result)
            if mode == "429":
                assert reply.result.retry_after == 0.0
            if mode == "redirect":
                assert "unexpected redirect" in (reply.result.message or "")
        assert len(server.times()) == len(expected)  # no redirect was followed


def test_a_body_of_exactly_the_cap_is_read() -> None:
    body = b"x" * MAX_BODY
    transport = httpx.MockTransport(lambda request: httpx.Response(500, content=body))

    async def go() -> Reply:
        async with httpx.AsyncClient(transport=transport) as client:
            return await exchange(client, ManualClock(NOW), "GET", "https://api.example.com/")

    reply = run(go())
    assert reply.response is not None and len(reply.response.content) == MAX_BODY


def test_a_deeply_nested_reply_is_unreadable_not_a_recursion_error() -> None:
    deep = b'{"message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = httpx.Response(500, content=deep)
    result = classify(response, NOW)
    assert result.outcome is Outcome.RETRY and result.message is not None
    assert Reply(result, httpx.Response(200, content=deep)).json() is None
    assert Reply(result, httpx.Response(200, content=b'\xef\xbb\xbf{"a": 1}')).json() == {"a": 1}


headers = st.dictionaries(
    st.sampled_from(["Retry-After", "Content-Type", "Location", "X-Other"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)


@settings(max_examples=300, deadline=None)
@given(
    status=st.integers(100, 599),
    body=st.binary(max_size=512) | st.text(alphabet='[]{}":,1a ', max_size=3000).map(str.encode),
    head=headers,
)
def test_any_reply_is_classified_without_an_exception(
    status: int, body: bytes, head: dict[str, str]
) -> None:
    """Arbitrary status, body and headers: an outcome, a bounded message, a sane wait."""
    response = httpx.Response(status, content=body, headers=head)
    result = classify(response, NOW, secrets=("s3cret-value",))
    assert result.outcome in set(Outcome)
    assert len(result.message or "") <= 220
    if result.retry_after is not None:
        assert 0.0 <= result.retry_after < 10**11
    Reply(result, response).json()  # unreadable bodies give None, never raise


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_retry_after_header_gives_a_finite_wait_or_none(value: str) -> None:
    wait = retry_after(value, NOW)
    assert wait is None or 0.0 <= wait < 10**11

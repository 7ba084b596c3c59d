"""URL calendars from a loopback HTTP server: ETag/304, server down, last good copy."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from agent.config.paths import Paths
from agent.config.schema import CalendarEntry, Config, UserSettings
from agent.core.clock import ManualClock
from agent.core.signals import MeetingsObserved, Observation
from agent.detectors.calendar_fetch import url_problem
from agent.detectors.meeting import MeetingDetector
from tests.support import until

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)


class CalendarServer:
    def __init__(self) -> None:
        self.body = (FIXTURES / "zones.ics").read_bytes()
        self.etag = '"v1"'
        self.last_modified = ""
        self.requests: list[dict[str, str]] = []
        self.redirect_to = ""
        self.release = threading.Event()
        self.release.set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.requests.append({k.lower(): v for k, v in self.headers.items()})
                server.release.wait(10)
                if server.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", server.redirect_to)
                    self.end_headers()
                elif (
                    server.etag
                    and self.headers.get("If-None-Match") == server.etag
                    or server.last_modified
                    and self.headers.get("If-Modified-Since") == server.last_modified
                ):
                    self.send_response(304)
                    self.end_headers()
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/calendar")
                    if server.etag:
                        self.send_header("ETag", server.etag)
                    if server.last_modified:
                        self.send_header("Last-Modified", server.last_modified)
                    self.send_header("Content-Length", str(len(server.body)))
                    self.end_headers()
                    self.wfile.write(server.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/secret-token/cal.ics"
        self.closed = False
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[CalendarServer]:
    running = CalendarServer()
    yield running
    running.close()


class FakeSecrets:
    def __init__(self, values: dict[tuple[str, str], str] | None = None) -> None:
        self.values = values or {}

    def get(self, backend: str, field: str) -> str | None:
        return self.values.get((backend, field))


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=5.0)


def detector_for(
    url: str,
    paths: Paths,
    secrets: FakeSecrets | None = None,
    secret: bool = False,
    startup_wait: float = 3.0,
) -> MeetingDetector:
    entry = CalendarEntry(name="work", url="" if secret else url, url_secret=secret)
    config = Config(calendars=(entry,), user=UserSettings(email="alice@example.com"))
    return MeetingDetector(
        config, paths, secrets or FakeSecrets(), client, ManualClock(NOW), startup_wait
    )


def titles(seen: list[Observation]) -> list[str]:
    last = [o for o in seen if isinstance(o, MeetingsObserved)][-1]
    return [m.title for m in last.meetings]


LAST_MODIFIED = "Mon, 16 Nov 2026 06:00:00 GMT"


@pytest.mark.parametrize(
    ("etag", "last_modified", "sent"),
    [
        ('"v1"', "", {"if-none-match": '"v1"'}),
        ("", LAST_MODIFIED, {"if-modified-since": LAST_MODIFIED}),
    ],
    ids=["etag", "last-modified"],
)
def test_304_keeps_meetings_and_server_down_uses_last_good_copy(
    server: CalendarServer,
    agent_paths: Paths,
    etag: str,
    last_modified: str,
    sent: dict[str, str],
) -> None:
    server.etag, server.last_modified = etag, last_modified

    async def scenario() -> None:
        seen: list[Observation] = []
        detector = detector_for(server.url, agent_paths)
        await detector.start(seen.append)
        assert titles(seen) == ["Outlook zone name", "New York sync", "UTC review"]
        await detector.read_calendars()
        validators = ("if-none-match", "if-modified-since")
        assert {k: v for k, v in server.requests[-1].items() if k in validators} == sent
        assert len([o for o in seen if isinstance(o, MeetingsObserved)]) == 1  # 304: no re-push
        assert not detector.degraded
        await detector.stop()

        server.close()
        seen.clear()
        offline = detector_for(server.url, agent_paths)  # a new start, no server
        await offline.start(seen.append)
        assert titles(seen) == ["Outlook zone name", "New York sync", "UTC review"]
        (report,) = offline.report()
        assert report.in_use and offline.degraded
        assert "cannot reach the server" in report.detail
        assert "last good copy" in report.detail
        assert "secret-token" not in report.detail
        await offline.stop()

    asyncio.run(scenario())


def test_changed_calendar_is_pushed_and_bad_download_keeps_last_good(
    server: CalendarServer, agent_paths: Paths
) -> None:
    async def scenario() -> None:
        seen: list[Observation] = []
        detector = detector_for(server.url, agent_paths)
        await detector.start(seen.append)
        server.body, server.etag = (FIXTURES / "weekly.ics").read_bytes(), '"v2"'
        await detector.read_calendars()
        assert titles(seen) == ["Standup"]
        server.body, server.etag = b"BEGIN:VCALENDAR\nnonsense\n", '"v3"'
        await detector.read_calendars()
        assert titles(seen) == ["Standup"]
        (report,) = detector.report()
        assert "line 2" in report.detail or ":2:" in report.detail
        assert "last good copy" in report.detail
        await detector.stop()

    asyncio.run(scenario())


def test_secret_url_comes_from_the_keyring(server: CalendarServer, agent_paths: Paths) -> None:
    async def scenario() -> None:
        seen: list[Observation] = []
        missing = detector_for(server.url, agent_paths, FakeSecrets(), secret=True)
        await missing.start(seen.append)
        assert "secret set calendar:work url" in missing.report()[0].detail
        await missing.stop()
        secrets = FakeSecrets({("calendar:work", "url"): server.url})
        found = detector_for(server.url, agent_paths, secrets, secret=True)
        await found.start(seen.append)
        assert titles(seen) == ["Outlook zone name", "New York sync", "UTC review"]
        await found.stop()

    asyncio.run(scenario())


def test_redirect_to_plain_http_elsewhere_is_refused(
    server: CalendarServer, agent_paths: Paths
) -> None:
    async def scenario() -> None:
        server.redirect_to = "http://calendar.example.com/cal.ics"
        detector = detector_for(server.url, agent_paths)
        await detector.start(lambda _o: None)
        assert "plain http is only allowed" in detector.report()[0].detail
        await detector.stop()

    asyncio.run(scenario())


def test_slow_server_does_not_hold_up_the_start(server: CalendarServer, agent_paths: Paths) -> None:
    async def scenario() -> None:
        seen: list[Observation] = []
        server.release.clear()
        detector = detector_for(server.url, agent_paths, startup_wait=0.1)
        await detector.start(seen.append)
        assert seen == []
        assert detector.report()[0].detail == "not read yet"
        server.release.set()
        await until(lambda: seen)
        assert titles(seen) == ["Outlook zone name", "New York sync", "UTC review"]
        await detector.stop()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://outlook.office365.com/owa/calendar/x/reachcalendar.ics", True),
        ("http://127.0.0.1:8080/cal.ics", True),
        ("http://localhost/cal.ics", True),
        ("http://[::1]/cal.ics", True),
        ("http://calendar.example.com/cal.ics", False),
        ("webcal://calendar.example.com/cal.ics", False),
        ("file:///etc/passwd", False),
    ],
)
def test_url_policy(url: str, ok: bool) -> None:
    assert (url_problem(url) is None) is ok


def test_an_endless_calendar_body_is_cut_at_the_limit() -> None:
    """A 50 MB reply is refused once MAX_BYTES have streamed in, not read whole."""
    from agent.backends.http import create_client
    from agent.detectors.calendar_fetch import MAX_BYTES, FetchError, download
    from tests.servers.hostile import HostileServer

    with HostileServer("huge") as server:
        with pytest.raises(FetchError, match=f"larger than {MAX_BYTES // (1024 * 1024)} MB"):
            asyncio.run(download(create_client, server.base_url))
        assert len(server.times()) == 1

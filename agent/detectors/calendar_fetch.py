"""Fetching an ICS URL politely, and the last good copy kept on disk for offline use.

Conditional requests (ETag / If-Modified-Since) keep a 10-minute refresh cheap for
the server. A copy is only kept once it parsed, so a broken download never
replaces a good calendar. The URL is often a secret (Outlook and Google put a token
in it): it is never logged or written anywhere; the cache only stores its hash to
notice when the configured address changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from agent.backends.http import BodyTooLarge, is_loopback, read_bounded
from agent.private_files import write_private

if TYPE_CHECKING:
    import httpx

HttpFactory = Callable[[], "httpx.AsyncClient"]

MAX_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
FETCH_DEADLINE = 120.0
"""One download, connect to last byte (a calendar may be a few MB on a slow link)."""


class FetchError(Exception):
    """The calendar could not be fetched; the message never contains the URL."""


def url_problem(url: str) -> str | None:
    """Why this URL is refused (TLS only, except plain http to this machine), or None."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname:
        if is_loopback(parts.hostname):
            return None
        return "plain http is only allowed to this machine (127.0.0.1/localhost): use https"
    return "not an https URL"


@dataclass(frozen=True)
class Download:
    """A fetched body (``None``: not modified) and the validators that came with it."""

    body: bytes | None
    etag: str = ""
    last_modified: str = ""


class CalendarCache:
    """The last good copy of one calendar and its validators, under ``cache_dir``."""

    def __init__(self, cache_dir: Path, name: str, url: str) -> None:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "calendar"
        self._body = cache_dir / "calendars" / f"{safe}.ics"
        self._meta = cache_dir / "calendars" / f"{safe}.json"
        self._url_hash = hashlib.sha256(url.encode("utf-8")).hexdigest()

    def _read_meta(self) -> dict[str, str]:
        try:
            meta = json.loads(self._meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(meta, dict) or meta.get("url_sha256") != self._url_hash:
            return {}  # a copy of another address: useless now
        return {k: v for k, v in meta.items() if isinstance(v, str)}

    def load(self) -> tuple[bytes, str, str] | None:
        """The copy with its ETag and Last-Modified, if one exists for this URL."""
        meta = self._read_meta()
        if not meta:
            return None
        try:
            body = self._body.read_bytes()
        except OSError:
            return None
        return body, meta.get("etag", ""), meta.get("last_modified", "")

    def store(self, download: Download, fetched_at: str) -> None:
        if download.body is None:
            return
        meta = {
            "url_sha256": self._url_hash,
            "etag": download.etag,
            "last_modified": download.last_modified,
            "fetched_at": fetched_at,
        }
        write_private(self._body, download.body)
        write_private(self._meta, json.dumps(meta))


async def download(
    http_factory: HttpFactory, url: str, etag: str = "", last_modified: str = ""
) -> Download:
    """GET with validators; follows redirects only to addresses ``url_problem`` accepts."""
    import httpx

    headers = {"Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with http_factory() as client:
            for _ in range(MAX_REDIRECTS + 1):
                problem = url_problem(url)
                if problem:
                    raise FetchError(problem)
                request = client.build_request("GET", url, headers=headers)
                # Read as a stream: a hostile server's endless body stops at MAX_BYTES.
                async with asyncio.timeout(FETCH_DEADLINE):
                    response = await read_bounded(client, request, MAX_BYTES)
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                break
            else:
                raise FetchError("too many redirects")
    except httpx.HTTPError as error:
        raise FetchError(f"cannot reach the server ({type(error).__name__})") from None
    except BodyTooLarge:
        raise FetchError(f"the calendar is larger than {MAX_BYTES // (1024 * 1024)} MB") from None
    except TimeoutError:
        raise FetchError(f"no complete reply within {FETCH_DEADLINE:g}s") from None
    if response.status_code == 304:
        return Download(body=None, etag=etag, last_modified=last_modified)
    if response.status_code != 200:
        raise FetchError(f"the server answered HTTP {response.status_code}")
    return Download(
        body=response.content,
        etag=response.headers.get("etag", ""),
        last_modified=response.headers.get("last-modified", ""),
    )

"""HTTP for every backend: URL safety, one exchange, and the one place replies are classified.

Classification (the delivery layer acts on it, nothing else interprets status codes):
2xx OK; 401 REAUTH; 408, 425, 429, 503 and other 5xx, network errors and timeouts RETRY
(``Retry-After`` honoured, in seconds or as an HTTP date); other 4xx and redirects
PERMANENT with the server's message, trimmed, and with every secret masked.

Limits (a vendor reply is a few KB): a body is read as a stream and refused past
:data:`MAX_BODY`, so a 50 MB reply never reaches memory; one deadline,
:data:`REQUEST_DEADLINE`, covers the whole exchange, so a server trickling a byte a
second cannot hold a sender (httpx's own timeouts apply per read). Both are RETRY.
"""

from __future__ import annotations

import ipaddress
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from agent.backends.base import Outcome, Result
from agent.core.nesting import too_deep

if TYPE_CHECKING:
    import httpx

    from agent.core.clock import Clock

MAX_MESSAGE = 200
DEFAULT_TIMEOUT = 10.0
MAX_BODY = 1024 * 1024
REQUEST_DEADLINE = 30.0
_DELTA_SECONDS = re.compile(r"\d{1,10}")
_RETRY_CODES = frozenset({408, 425, 429})
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
MAX_URL = 2048
# Characters no URL may hold as they are (RFC 3986): controls (CR/LF would split an HTTP
# header), space and the delimiters that must be percent-encoded.
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f<>\"{}|\\^`]")
# A host name: letters (any script: IDN), digits, hyphens, dots; or an IP literal.
_HOST = re.compile(
    r"^(\[[0-9a-fA-F:.]+\]|[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)*\.?)$"
)


def url_problem(url: str) -> str | None:
    """Why ``url`` must not be used, or ``None`` when it is safe.

    Plain http is accepted only for the loopback interface (local test servers);
    anything that leaves the machine must be https.
    """
    if len(url) > MAX_URL:
        return f"is longer than {MAX_URL} characters"
    bad = _URL_FORBIDDEN.search(url)
    if bad:
        return f"must not contain {_char_name(bad.group())} (URLs hold no spaces or line breaks)"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if host and not _HOST.match(_host_text(parts.netloc)):
        return f"has an invalid host name {host!r}"
    if parts.scheme not in ("http", "https") or not host:
        return "must be an https URL, e.g. https://api.example.com"
    if parts.scheme == "http" and not is_loopback(host):
        return "must be an https URL (plain http is only allowed for 127.0.0.1/localhost)"
    if parts.username or parts.password:
        return "must not contain a user name or password: store secrets in the keyring"
    return None


def _host_text(netloc: str) -> str:
    """The host as written in ``netloc`` (no user info, no port; brackets kept)."""
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.partition(":")[0]


def _char_name(char: str) -> str:
    names = {"\r": "a carriage return (CR)", "\n": "a line feed (LF)", " ": "a space"}
    return names.get(char, f"the character {char!r}")


def host_and_port(url: str) -> str:
    """``host:port`` of a backend URL (the default port of its scheme when none is given)."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        return url
    host = parts.hostname or url
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def create_client(proxy_url: str = "", timeout: float = DEFAULT_TIMEOUT) -> httpx.AsyncClient:
    """The one HTTP client the agent shares: TLS verification always on, no redirects.

    Redirects are not followed so a server can never bounce a request (and its
    credentials) to plain http or to another host.
    """
    # httpx's package imports its optional command-line tool, which loads click and
    # pygments whenever they happen to be installed (x-wr-timezone brings click): several
    # MB of a resident agent's memory for nothing. Marking it absent makes httpx skip it.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    import httpx

    return httpx.AsyncClient(
        verify=True,
        follow_redirects=False,
        timeout=httpx.Timeout(timeout),
        proxy=proxy_url or None,
        headers={"User-Agent": "presence-agent"},
    )


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced, whitespace collapsed and length capped."""
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "***")
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 1] + "…"
    return text


def reply_json(content: bytes) -> Any:
    """A reply body as JSON; ``None`` when it is empty, not JSON or nested absurdly deep.

    ``json`` recurses per level: a body of 100,000 ``[`` must not raise RecursionError.
    """
    if not content:
        return None
    try:
        text = content.decode("utf-8-sig")  # what json.loads(bytes) would accept too
        if too_deep(text) is not None:
            return None
        return json.loads(text)
    except ValueError:  # UnicodeDecodeError is one too
        return None


def server_message(response: httpx.Response) -> str:
    """The human part of an error reply: a JSON ``message``/``error``/``detail``, or the text."""
    body = reply_json(response.content)
    if isinstance(body, Mapping):
        for key in ("message", "error_description", "error", "detail", "title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    try:
        return response.text
    except (UnicodeDecodeError, LookupError):
        return ""


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):  # RFC 9110: delta-seconds is digits only
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def classify(response: httpx.Response, now: datetime, secrets: Iterable[str] = ()) -> Result:
    """The outcome of one HTTP reply (see the module docstring)."""
    code = response.status_code
    if 200 <= code < 300:
        return Result(Outcome.OK)
    detail = mask(server_message(response), secrets)
    text = f"HTTP {code}" + (f": {detail}" if detail else "")
    if code == 401:
        return Result(Outcome.REAUTH, text)
    if code in _RETRY_CODES or code >= 500:
        return Result(Outcome.RETRY, text, retry_after(response.headers.get("Retry-After"), now))
    if 300 <= code < 400:
        where = mask(response.headers.get("Location", ""), secrets)
        return Result(Outcome.PERMANENT, f"HTTP {code}: unexpected redirect to {where or '?'}")
    return Result(Outcome.PERMANENT, text)


def classify_error(exc: Exception, secrets: Iterable[str] = ()) -> Result:
    """The outcome of a request that got no reply at all."""
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return Result(Outcome.RETRY, "timed out waiting for the server")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return Result(Outcome.PERMANENT, mask(f"bad URL: {exc}", secrets))
    detail = mask(str(exc) or type(exc).__name__, secrets)
    return Result(Outcome.RETRY, f"cannot reach the server: {detail}")


@dataclass(frozen=True)
class Reply:
    """A classified exchange; ``response`` is ``None`` when nothing came back."""

    result: Result
    response: httpx.Response | None = None

    def json(self) -> Any:
        """The reply body as JSON, or ``None`` when it is missing or unreadable."""
        if self.response is None:
            return None
        return reply_json(self.response.content)

    def item_for(self, list_key: str, id_key: str, wanted: object) -> dict[str, Any] | None:
        """The per-item verdict for ``wanted`` in a batch reply (Calven, essentry).

        Raises ValueError when the body has no ``list_key`` list: an unreadable reply.
        """
        body = self.json()
        items = body.get(list_key) if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise ValueError(f"no {list_key!r} list in the reply")
        return next((i for i in items if isinstance(i, dict) and i.get(id_key) == wanted), None)


async def exchange(
    client: httpx.AsyncClient,
    clock: Clock,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    content: bytes | None = None,
    params: Mapping[str, str] | None = None,
    secrets: Iterable[str] = (),
    deadline: float = REQUEST_DEADLINE,
) -> Reply:
    """Send one request and classify what happened; never raises for HTTP or network errors.

    ``deadline`` bounds the whole exchange, connect to last byte (see the module doc).
    """
    import asyncio

    import httpx

    secrets = tuple(secrets)
    problem = url_problem(url)
    if problem:
        return Reply(Result(Outcome.PERMANENT, f"{mask(url, secrets)}: {problem}"))
    all_headers = dict(headers or {})
    if json_body is not None:
        content = json.dumps(json_body, separators=(",", ":"), ensure_ascii=False).encode()
        all_headers.setdefault("Content-Type", "application/json")
    request = client.build_request(method, url, headers=all_headers, content=content, params=params)
    try:
        async with asyncio.timeout(deadline):
            response = await read_bounded(client, request)
    except TimeoutError:
        return Reply(Result(Outcome.RETRY, f"no complete reply within {deadline:g}s"))
    except BodyTooLarge:
        text = f"the reply was larger than {MAX_BODY // 1024} KB; it was not read"
        return Reply(Result(Outcome.RETRY, text))
    except httpx.HTTPError as exc:
        return Reply(classify_error(exc, secrets))
    return Reply(classify(response, clock.now(), secrets), response)


class BodyTooLarge(Exception):
    """A reply body over the limit (declared or as it streamed in)."""


async def read_bounded(
    client: httpx.AsyncClient, request: httpx.Request, limit: int = MAX_BODY
) -> httpx.Response:
    """The reply with its body read, stopping (and hanging up) past ``limit`` bytes."""
    import httpx

    response = await client.send(request, stream=True)
    try:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge
        body = bytearray()
        async for chunk in response.aiter_bytes():  # decoded: a gzip bomb is counted too
            body += chunk
            if len(body) > limit:
                raise BodyTooLarge
    finally:
        await response.aclose()
    # The body is decoded already: the copy must not claim an encoding or a length.
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        response.status_code, headers=headers, content=bytes(body), request=request
    )

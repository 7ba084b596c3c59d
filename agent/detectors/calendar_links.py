"""The link that joins a meeting, from wherever a calendar put it.

Google writes the Meet link into ``X-GOOGLE-CONFERENCE`` (and RFC 7986
``CONFERENCE``), Teams into ``X-MICROSOFT-SKYPETEAMSMEETINGURL`` and
``X-MICROSOFT-ONLINEMEETINGCONFLINK``; those name the meeting's own link and win.
Otherwise the first *join* link of a known service in URL, LOCATION, DESCRIPTION
or the HTML description (``X-ALT-DESC``), in that order: a join link has the
service's meeting path (``zoom.us/j/…``, ``teams.microsoft.com/l/meetup-join/…``),
so an invitation's other links (meeting options, help pages, downloads) never win.
Outlook SafeLinks wrappers are unwrapped. Failing all that, the event's URL.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import parse_qs, urlsplit

CONFERENCE_PROPERTIES = (
    "X-GOOGLE-CONFERENCE",
    "X-MICROSOFT-SKYPETEAMSMEETINGURL",
    "X-MICROSOFT-ONLINEMEETINGCONFLINK",
    "CONFERENCE",
)

_URL = re.compile(r"https?://[^\s<>\"'\\]+", re.IGNORECASE)
_JOIN = re.compile(
    r"https://(?:"
    r"(?:[\w-]+\.)*zoom(?:gov)?\.(?:us|com)/(?:j|my|w|s|wc)/"
    r"|teams\.microsoft\.com/(?:l/meetup-join|meet)/|teams\.live\.com/meet/"
    r"|meet\.google\.com/[a-z]{3,}-"
    r"|(?:[\w-]+\.)*webex\.com/(?:meet/|join/|wbxmjs/|[\w.-]+/[je]\.php|[\w.-]+/join/)"
    r"|(?:global\.|www\.)?gotomeeting\.com/join/|meet\.goto\.com/|app\.goto\.com/meeting/"
    r"|meet\.jit\.si/[\w-]|8x8\.vc/[\w-]"
    r")",
    re.IGNORECASE,
)


def _unwrap(url: str) -> str:
    """The real target of an Outlook SafeLinks (``*.safelinks.protection.outlook.com``) URL."""
    parts = urlsplit(url)
    if parts.hostname and parts.hostname.endswith("safelinks.protection.outlook.com"):
        target = parse_qs(parts.query).get("url")
        if target:
            return target[0]
    return url


def urls(text: str) -> list[str]:
    """The web addresses in a text or HTML value, entities decoded, wrappers removed."""
    found = _URL.findall(html.unescape(text)) if "&" in text else _URL.findall(text)
    return [_unwrap(match.rstrip(".,;:)]")) for match in found]


def is_join_link(url: str) -> bool:
    return _JOIN.match(url) is not None


def join_url(
    url: str,
    location: str,
    description: str,
    conference: Iterable[str] = (),
    html_description: str = "",
) -> str | None:
    """The meeting's join link (see the module docstring for the order), else None."""
    for value in conference:
        whole = value.strip()
        if whole.lower().startswith("https://") and not any(c.isspace() for c in whole):
            return _unwrap(whole)  # the property is the link, even with odd characters
        for candidate in urls(value):
            if candidate.lower().startswith("https://"):
                return candidate
    for text in (url, location, description, html_description):
        for candidate in urls(text):
            if is_join_link(candidate):
                return candidate
    own = urls(url)
    return own[0] if own else None

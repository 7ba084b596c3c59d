"""TZIDs that ``icalendar`` leaves floating: Outlook display names, bare UTC offsets.

``icalendar`` already reads IANA names, Windows zone ids (through CLDR's
windowsZones table, which it ships) and, first of all, the file's own VTIMEZONE
definitions. Outlook and Exchange also write a zone by its Windows *display name*,
``"(UTC-05:00) Eastern Time (US & Canada)"`` or the older ``"(GMT+10:00) Canberra,
Melbourne, Sydney"``, often without a VTIMEZONE; ``icalendar`` then returns a
floating time, which would put the meeting hours off. Here the display name is
mapped to its Windows id (``calendar_zone_names``, generated from Windows' own list)
and on to IANA; a name that is not known but carries an offset gets that fixed
offset, which is right at least outside daylight-saving changes.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agent.detectors.calendar_zone_names import DISPLAY_NAMES

_PREFIX = re.compile(r"^\(\s*(?:UTC|GMT)\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?\s*\)\s*", re.I)


def _places(name: str) -> str:
    """The part after the offset, compared loosely: "(GMT+10:00) Canberra, …" -> "canberra, …"."""
    plain = unicodedata.normalize("NFKD", _PREFIX.sub("", name))
    plain = "".join(c for c in plain if not unicodedata.combining(c))  # "Brasília" = "Brasilia"
    return " ".join(plain.lower().split())


def _offset(name: str) -> timedelta | None:
    match = _PREFIX.match(name)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    if sign is None:
        return timedelta(0)
    value = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return -value if sign == "-" else value


@cache
def _by_places() -> dict[str, list[tuple[timedelta | None, str]]]:
    index: dict[str, list[tuple[timedelta | None, str]]] = {}
    for display, windows_id in DISPLAY_NAMES.items():
        index.setdefault(_places(display), []).append((_offset(display), windows_id))
    return index


def windows_id(tzid: str) -> str | None:
    """The Windows zone id of a display name (current "(UTC…)" or older "(GMT…)" form)."""
    name = tzid.strip().strip('"')
    candidates = _by_places().get(_places(name), [])
    offset = _offset(name)
    for candidate_offset, key in candidates:
        if candidate_offset == offset:
            return key
    return candidates[0][1] if candidates else None


@cache
def zone_for_tzid(tzid: str) -> tzinfo | None:
    """The zone a TZID that ``icalendar`` could not resolve stands for, or None."""
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    name = tzid.strip().strip('"')
    key = windows_id(name) if _PREFIX.match(name) else name
    iana = WINDOWS_TO_OLSON.get(key or "")
    if iana:
        try:
            return ZoneInfo(iana)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = _offset(name)
    if offset is None or abs(offset) > timedelta(hours=14):
        return None
    return UTC if not offset else timezone(offset)

"""Durations as people write them in config and on the command line: "90s", "5m", "1h"."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
MAX_TEXT = 40
"""Longer than any duration a person writes; longer input is refused before parsing."""
MAX_SECONDS = 366 * 86400.0
"""No duration the agent takes (a setting, a "for", an expiry) is longer than a year."""


class DurationOutOfRange(ValueError):
    """A well-formed duration that is too long (longer than :data:`MAX_SECONDS`)."""


def parse_duration(text: str) -> float:
    """Seconds in ``text`` ("90s", "5m", "1h30m", "2d"); raises ValueError naming the problem."""
    if len(text) > MAX_TEXT:
        raise ValueError(f"{text[:MAX_TEXT]!r}… is too long for a duration like '90s' or '5m'")
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned:
        raise ValueError("empty duration")
    pos = 0
    total = 0.0
    for match in _PART.finditer(cleaned):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(cleaned):
        raise ValueError(f"{text!r} is not a duration like '90s', '5m' or '1h'")
    if total > MAX_SECONDS:
        raise DurationOutOfRange(f"{text!r} is longer than a year (at most 366d)")
    return total


def format_duration(seconds: float) -> str:
    """The shortest exact spelling of ``seconds`` in the same syntax."""
    whole = int(round(seconds))
    if whole == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)

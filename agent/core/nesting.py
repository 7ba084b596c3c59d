"""How deeply a JSON or TOML text nests, found without parsing it.

Python's ``json`` and ``tomllib`` parse arrays and tables recursively: a line of
60,000 ``[`` raises RecursionError from deep inside them (and may take the thread's
stack with it). Every reader of outside input (config, policy, IPC) therefore scans
the text first with :func:`too_deep` — one pass, no recursion, strings and comments
skipped — and checks a parsed value with :func:`value_too_deep` (TOML dotted keys
and table headers nest without brackets).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 32
"""Deeper than any real config, policy or request; far below the recursion limit."""

_OPEN = frozenset("[{")
_CLOSE = frozenset("]}")


def too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The line (1-based) where brackets first nest deeper than ``limit``, else ``None``.

    Knows JSON strings and TOML's four string forms and ``#`` comments, so brackets
    inside them do not count. On malformed text it may stop early or count loosely;
    either way the parser that runs next reports the text as malformed before it
    could recurse deeper than what was counted here.
    """
    depth = 0
    line = 1
    index = 0
    size = len(text)
    while index < size:
        char = text[index]
        if char == "\n":
            line += 1
        elif char in _OPEN:
            depth += 1
            if depth > limit:
                return line
        elif char in _CLOSE:
            depth = max(0, depth - 1)
        elif char == "#":
            end = text.find("\n", index)
            index = size if end < 0 else end
            continue
        elif char in "\"'":
            index, line = _skip_string(text, index, line)
            continue
        index += 1
    return None


def _skip_string(text: str, start: int, line: int) -> tuple[int, int]:
    """The index just past the string opening at ``start``, and the line there."""
    quote = text[start]
    triple = text.startswith(quote * 3, start)
    closing = quote * 3 if triple else quote
    index = start + len(closing)
    size = len(text)
    while index < size:
        char = text[index]
        if char == "\\" and quote == '"':
            if text.startswith("\n", index + 1):
                line += 1
            index += 2
            continue
        if char == "\n":
            line += 1
            if not triple:
                return index, line - 1  # an unterminated one-line string ends here
        if text.startswith(closing, index):
            return index + len(closing), line
        index += 1
    return size, line


def value_too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether tables and arrays in a parsed value nest deeper than ``limit`` (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False

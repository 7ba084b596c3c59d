"""Line numbers for dotted key paths in a TOML text, so problems can name the line.

``tomllib`` gives values without positions; this light scan of the text recovers
where each key was written (``backends[1].base_url`` -> 14). It understands table
headers, arrays of tables, dotted keys and multi-line strings and arrays; a key
inside an inline table is located at the line of the key that holds the table.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)


def _split_key(raw: str) -> list[str]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)", raw)
    return [a or b or c for a, b, c in parts]


def key_lines(text: str) -> dict[str, int]:
    """Map every dotted key path written in ``text`` to its (1-based) line number."""
    lines: dict[str, int] = {}
    prefix = ""
    array_counts: dict[str, int] = {}
    open_multiline: str | None = None
    bracket_depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if open_multiline is not None:
            if line.count(open_multiline) % 2 == 1:
                open_multiline = None
            continue
        if bracket_depth > 0:
            bracket_depth += _bracket_balance(line)
            continue
        header = _HEADER.match(line)
        if header:
            names = _split_key(header.group(2))
            if header.group(1) == "[[":
                base = _join([*prefix_for(names[:-1], array_counts), names[-1]])
                index = array_counts.get(base, 0)
                array_counts[base] = index + 1
                prefix = f"{base}[{index}]"
            else:
                prefix = _join(prefix_for(names, array_counts))
            lines.setdefault(prefix, number)
            continue
        key = _KEY.match(line)
        if not key:
            continue
        path = ".".join(filter(None, [prefix, *_split_key(key.group(1))]))
        lines.setdefault(path, number)
        value = line[key.end() :]
        for quote in ('"""', "'''"):
            if value.count(quote) % 2 == 1:
                open_multiline = quote
                break
        else:
            bracket_depth = max(0, _bracket_balance(value))
    return lines


def prefix_for(names: list[str], array_counts: dict[str, int]) -> list[str]:
    """Resolve a header's names against arrays of tables seen so far (``[backends.x]``)."""
    resolved: list[str] = []
    for name in names:
        candidate = _join([*resolved, name])
        count = array_counts.get(candidate)
        resolved.append(f"{name}[{count - 1}]" if count else name)
    return resolved


def _join(parts: list[str]) -> str:
    return ".".join(parts)


def _bracket_balance(text: str) -> int:
    """Open minus closed brackets outside strings and comments (for multi-line arrays)."""
    depth = 0
    quote = ""
    for char in text:
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return depth


def line_of(lines: dict[str, int], path: str) -> int | None:
    """The line of ``path`` or of its nearest written parent."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None

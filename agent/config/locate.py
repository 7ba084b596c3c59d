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
    depth, open_multiline = 0, ""
    for number, line in enumerate(text.splitlines(), start=1):
        if open_multiline or depth > 0:  # inside a value that started on an earlier line
            depth, open_multiline = _scan_value(line, depth, open_multiline)
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
        depth, open_multiline = _scan_value(line[key.end() :], 0, "")
    return lines


def _scan_value(text: str, depth: int, open_multiline: str) -> tuple[int, str]:
    """Bracket depth and any multi-line string still open after ``text``."""
    i = 0
    while i < len(text):
        if open_multiline:
            end = text.find(open_multiline, i)
            if end < 0:
                return depth, open_multiline
            i, open_multiline = end + 3, ""
            continue
        char = text[i]
        if char == "#":
            break
        if text.startswith(('"""', "'''"), i):
            open_multiline = text[i : i + 3]
            i += 3
        elif char == '"':
            i = _end_of_basic_string(text, i + 1)
        elif char == "'":
            end = text.find("'", i + 1)
            i = end + 1 if end >= 0 else len(text)
        else:
            depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(char, 0)
            i += 1
    return max(depth, 0), open_multiline


def _end_of_basic_string(text: str, i: int) -> int:
    while i < len(text) and text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    return i + 1


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


def line_of(lines: dict[str, int], path: str) -> int | None:
    """The line of ``path`` or of its nearest written parent."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None

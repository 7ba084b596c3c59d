"""Property: every key tomlkit writes is found by the line scanner, on the right line."""

from __future__ import annotations

import string
from typing import Any

import tomlkit
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.config.locate import key_lines

names = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8)
scalars = st.one_of(
    st.integers(-5, 5),
    st.booleans(),
    st.text(string.ascii_letters + " #=[]{}'", max_size=10),
    st.lists(st.integers(0, 3), max_size=3),
)
tables = st.dictionaries(names, scalars, min_size=1, max_size=4)
documents = st.dictionaries(
    names,
    st.one_of(scalars, tables, st.lists(tables, min_size=1, max_size=3)),
    min_size=1,
    max_size=5,
)


def leaves(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            found.update(leaves(value, path))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for index, item in enumerate(value):
                found.update(leaves(item, f"{path}[{index}]"))
        else:
            found[path] = value
    return found


@settings(max_examples=150, deadline=None)
@given(documents)
def test_every_written_key_is_located(document: dict[str, Any]) -> None:
    text = tomlkit.dumps(document)
    lines = key_lines(text)
    rows = text.splitlines()
    for path in leaves(document):
        assert path in lines, (path, text)
        key = path.rsplit(".", 1)[-1]
        assert rows[lines[path] - 1].lstrip().startswith(key), (path, text)

"""The bracket-depth pre-scan that keeps json/tomllib from recursing on hostile input."""

from __future__ import annotations

import json
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.core.nesting import MAX_DEPTH, too_deep, value_too_deep


def test_deep_brackets_are_found_with_their_line() -> None:
    assert too_deep("a = 1\nx = " + "[" * 5000 + "]" * 5000) == 2
    assert too_deep("x = " + "{a=" * 3000 + "1" + "}" * 3000) == 1
    assert too_deep("[" * 60000) == 1


def test_brackets_in_strings_and_comments_do_not_count() -> None:
    text = (
        f"a = \"{'[' * 100}\"\nb = '{'{' * 100}'\n# {'[' * 100}\n"
        f'c = """\n{"[" * 100}\n"""\nd = "\\"{"[" * 100}"\n'
    )
    assert too_deep(text) is None
    assert tomllib.loads(text)["a"] == "[" * 100


def test_real_nesting_up_to_the_limit_passes() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert too_deep(text) is None and json.loads(text)
    assert too_deep("[" + text + "]") == 1


def test_parsed_values_too_deep_through_dotted_keys() -> None:
    assert value_too_deep(tomllib.loads("a." * 100 + "b = 1"))
    assert not value_too_deep(tomllib.loads("a.b.c = 1\n[x]\ny = [[1], [2]]"))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="[]{}\"'#\\\n ab=,1", max_size=300))
def test_whatever_passes_the_scan_never_recurses_deeper_in_json(text: str) -> None:
    """If the scan says "not too deep", json parses or fails cleanly: no RecursionError."""
    if too_deep(text, limit=8) is not None:
        return
    try:
        value = json.loads(text)
    except ValueError:
        return
    assert not value_too_deep(value, limit=8)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="[]{}\"'#\\\n ab=,1.", max_size=300))
def test_whatever_passes_the_scan_never_recurses_deeper_in_toml(text: str) -> None:
    if too_deep(text, limit=8) is not None:
        return
    try:
        tomllib.loads(text)  # a RecursionError here would fail the test
    except ValueError:
        return

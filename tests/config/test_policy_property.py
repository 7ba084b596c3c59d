"""Property: any value in a structured or credential policy key gives a value or a clear error.

The registry hands the reader JSON text, plists and TOML hand it native data; whatever
arrives, the reader returns plain data or raises ValueError, and never quotes a credential.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.config.policy import coerce
from agent.config.policy_keys import POLICY_KEYS

STRUCTURED = [key for key in POLICY_KEYS if key.structured]
leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12))
data = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=20,
)


def plain(value: Any, depth: int = 1) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(plain(v, depth + 1) for v in value)
    return isinstance(value, str | bool | int | float)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(STRUCTURED), data, st.booleans())
def test_any_structured_value_is_plain_data_or_a_value_error(
    key: Any, value: Any, as_json: bool
) -> None:
    raw: Any = json.dumps(value) if as_json else value
    try:
        result = coerce(key, raw)
    except ValueError as error:
        if key.secret:
            texts = [v for v in json.dumps(value).split('"') if len(v) >= 6]
            for text in texts:
                if text.isalnum() and text not in key.name:
                    assert f" {text} " not in f" {error} ", (key.name, text)
        return
    assert plain(result)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(STRUCTURED), st.text(max_size=40))
def test_any_registry_text_is_parsed_or_refused(key: Any, text: str) -> None:
    try:
        coerce(key, text)
    except ValueError as error:
        assert str(error)

"""The policy readers on arbitrary input: checked values and problems, never an exception."""

from __future__ import annotations

import plistlib
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.config.policy import MacPolicyReader, PolicyData, TomlPolicyReader
from tests.config.toml_syntax import PUNCTUATION

_BITS = st.sampled_from(
    [
        "[enforced]\n",
        "[recommended]\n",
        "[other]\n",
        "IdleAwayAfter = ",
        "RetryCap = ",
        "HiddenMenuItems = ",
        "Backend = ",
        '"5m"\n',
        "inf\n",
        "nan\n",
        "300\n",
        *PUNCTUATION,
        '"',
        "'",
        str(2**70),
        "true\n",
        '"x"\n',
    ]
)


def _check(data: PolicyData, source: str) -> None:
    assert isinstance(data.enforced, dict) and isinstance(data.recommended, dict)
    assert all(source in problem for problem in data.problems)


@settings(max_examples=300, deadline=None)
@given(bits=st.lists(_BITS, max_size=40), noise=st.text(max_size=20))
def test_any_policy_toml_gives_values_and_problems(bits: list[str], noise: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "policy.toml"
        path.write_text("".join(bits) + noise, encoding="utf-8")
        _check(TomlPolicyReader(path).read(), str(path))


_PLIST_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=30,
).filter(lambda value: value is not None)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | _PLIST_VALUES.map(lambda v: _dump({"Defaults": v, "X": v})))
def test_any_managed_preferences_bytes_give_values_and_problems(data: bytes) -> None:
    source = Path("/Library/Managed Preferences/com.presenceagent.agent.plist")
    reader = MacPolicyReader(files=[source], read_bytes=lambda _path: data)
    _check(reader.read(), str(source))


def test_a_deeply_nested_plist_is_ignored_with_a_problem() -> None:
    value: object = "x"
    for _ in range(100):
        value = [value]
    data = _dump({"HiddenMenuItems": value})
    source = Path("/p.plist")
    (problem,) = MacPolicyReader(files=[source], read_bytes=lambda _path: data).read().problems
    assert "nested deeper than 32 levels" in problem


def _dump(value: object) -> bytes:
    try:
        return plistlib.dumps(value)
    except (TypeError, OverflowError, ValueError):
        return b""

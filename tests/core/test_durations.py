"""The duration parser: people's spellings, and any text at all as a property."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.core.durations import MAX_SECONDS, MAX_TEXT, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90.0), ("5m", 300.0), ("1h30m", 5400.0), ("2d", 172800.0)]
)
def test_spellings(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("99999999999d", "longer than a year"),
        ("9999999999999999999999d", "longer than a year"),
        ("367d", "longer than a year"),
        ("1" * 400 + "s", "too long"),
        ("soon", "not a duration"),
        ("", "empty"),
    ],
)
def test_out_of_range_and_nonsense_give_a_clear_value_error(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_duration(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=2 * MAX_TEXT))
def test_any_text_gives_a_finite_bounded_duration_or_a_value_error(text: str) -> None:
    try:
        seconds = parse_duration(text)
    except ValueError as error:
        assert str(error)
        return
    assert math.isfinite(seconds) and 0.0 <= seconds <= MAX_SECONDS


@settings(max_examples=200, deadline=None)
@given(st.integers(0, int(MAX_SECONDS)))
def test_formatting_round_trips(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds

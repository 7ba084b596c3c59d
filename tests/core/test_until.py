"""Expiries as people type them (``set busy --for …``): any text, a time or a clear error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.config.schema import ScheduleSettings
from agent.core.schedule import WorkingHours
from agent.core.until import resolve_until

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOURS = WorkingHours(ScheduleSettings(), ZoneInfo("Pacific/Kiritimati"))  # UTC+14


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("99999999999d", "longer than a year"),
        ("9999-12-31T23:59", "more than a year away"),
        ("2027-03-05T09:00", "more than a year away"),
    ],
)
def test_expiries_past_a_year_are_refused_as_bad_input(spec: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        resolve_until(spec, NOW, HOURS)


@settings(max_examples=500, deadline=None)
@given(
    st.text(max_size=40)
    | st.from_regex(r"\d{1,14}(ms|s|m|h|d)", fullmatch=True)
    | st.datetimes().map(lambda moment: moment.isoformat())
)
def test_any_text_gives_a_near_future_instant_or_a_value_error(spec: str) -> None:
    try:
        until = resolve_until(spec, NOW, HOURS)
    except ValueError as error:
        assert str(error)
        return
    assert until is None or NOW < until <= NOW + timedelta(days=367)

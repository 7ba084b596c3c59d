"""What a backend was last given, as stored text: exact round trip, tolerant reading."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from agent.core.model import Location, PresenceState, Status
from agent.delivery.reported import state_from_text, state_text

UNTIL = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def test_round_trip_keeps_what_a_backend_sees() -> None:
    state = PresenceState(Status.BUSY, "Focus", UNTIL, Location("hq-3", "level", "HQ 3"), "manual")
    back = state_from_text(state_text(state))
    assert back is not None and back.visible() == state.visible()


def test_the_reason_does_not_make_a_different_report() -> None:
    a = PresenceState(Status.AWAY, reason="rule:idle")
    b = PresenceState(Status.AWAY, reason="sleep")
    assert state_text(a) == state_text(b)


def test_a_hidden_location_is_not_part_of_the_report() -> None:
    seen = PresenceState(Status.INVISIBLE, location=Location("hq-3"))
    assert state_text(seen) == state_text(PresenceState(Status.INVISIBLE))


STORED = st.one_of(
    st.none(), st.text(), st.builds(json.dumps, st.dictionaries(st.text(), st.text()))
)


@given(STORED)
def test_any_stored_text_reads_as_a_state_or_nothing(text: str | None) -> None:
    result = state_from_text(text)
    assert result is None or isinstance(result, PresenceState)


def test_damaged_fields_read_as_nothing() -> None:
    assert state_from_text('{"status":"busy","message":3}') is None
    assert state_from_text('{"status":"busy","message":"","until":"soon"}') is None
    assert state_from_text('{"status":"lunch"}') is None

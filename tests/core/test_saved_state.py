from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from agent.core.model import Location, Status
from agent.core.saved_state import Override, Pause, Pin, SavedState

UNTIL = datetime(2026, 3, 25, 14, 30, tzinfo=UTC)


def test_round_trip() -> None:
    saved = SavedState(
        Override(Status.DND, "Focus", UNTIL),
        Pause(Status.AWAY, "", None),
        Pin(Location("hq-3", "level", "HQ level 3"), "hq-2"),
    )
    data = json.loads(json.dumps(saved.to_json()))
    assert SavedState.from_json(data) == saved
    assert saved.has_override
    assert SavedState().to_json() == {"version": 1}
    assert SavedState.from_json(SavedState().to_json()) == SavedState()


def test_an_adopted_override_keeps_where_it_came_from() -> None:
    saved = SavedState(Override(Status.DND, "On the desk phone", None, origin="audian"))
    assert SavedState.from_json(json.loads(json.dumps(saved.to_json()))) == saved
    assert "origin" not in SavedState(Override(Status.BUSY)).to_json()["override"]


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "text",
        {"override": "busy"},
        {"override": {"status": "sleepy"}},
        {"override": {"status": "busy", "until": "tomorrow"}},
        {"override": {"status": "busy", "until": 5}},
        {"override": {"status": "busy", "message": 3}},
        {"pause": {"status": None}},
        {"pin": {"location": {"id": ""}}},
        {"pin": {"location": {"id": 3}}},
        {"pin": {"location": "hq"}},
        {"pin": {"location": {"id": "hq"}, "network": 4}},
    ],
)
def test_bad_data_is_dropped(data: object) -> None:
    assert SavedState.from_json(data) == SavedState()


def test_a_bad_part_keeps_the_good_ones() -> None:
    data = {
        "override": {"status": "busy", "until": "2026-03-25T14:30:00"},  # no offset: UTC
        "pause": {"status": "???"},
        "pin": {"location": {"id": "hq"}, "network": None},
    }
    saved = SavedState.from_json(data)
    assert saved.override == Override(Status.BUSY, "", UNTIL)
    assert saved.pause is None
    assert saved.pin == Pin(Location("hq", "building", ""), None)

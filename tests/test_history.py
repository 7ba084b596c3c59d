"""The agent's own history of reported changes, served as the ``history`` request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agent.core.model import PresenceChange, PresenceState, Status
from agent.history import ChangeHistory

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def change(minute: int, status: Status, reason: str = "manual") -> PresenceChange:
    return PresenceChange(
        PresenceState(status, message=f"m{minute}", reason=reason),
        None,
        START + timedelta(minutes=minute),
    )


def test_newest_first_and_bounded() -> None:
    history = ChangeHistory(limit=3)
    assert history.newest(8) == []
    for minute, status in enumerate((Status.BUSY, Status.AWAY, Status.DND, Status.AVAILABLE)):
        history.record(change(minute, status, "rule:idle"), f"idle for {minute} min")
    newest = history.newest(8)
    assert [c["status"] for c in newest] == ["available", "dnd", "away"]
    assert newest[0] == {
        "at": (START + timedelta(minutes=3)).isoformat(),
        "status": "available",
        "message": "m3",
        "reason": "rule:idle",
        "reason_text": "idle for 3 min",
    }
    assert len(history.newest(1)) == 1 and history.newest(0) == []

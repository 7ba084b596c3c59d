"""The start-up adoption rule (issue 15): what may be taken over, and what never is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent.core.adoption import Verdict, judge
from agent.core.model import PresenceState, Status

LAST_REPORT = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)
AFTER = LAST_REPORT + timedelta(minutes=5)
BEFORE = LAST_REPORT - timedelta(minutes=5)


def remote(status: Status, message: str = "", since: datetime | None = AFTER) -> PresenceState:
    return PresenceState(status, message, reason="manual", since=since)


@pytest.mark.parametrize("status", [Status.BUSY, Status.DND, Status.INVISIBLE])
def test_a_deliberate_status_set_after_the_last_report_is_adopted(status: Status) -> None:
    assert judge(remote(status), LAST_REPORT, enabled=True) is Verdict.ADOPT


def test_away_is_adopted_only_with_a_message() -> None:
    assert judge(remote(Status.AWAY, "At the dentist"), LAST_REPORT, True) is Verdict.ADOPT
    assert judge(remote(Status.AWAY), LAST_REPORT, True) is Verdict.AUTOMATIC


def test_available_is_never_adopted_even_with_a_message() -> None:
    assert judge(remote(Status.AVAILABLE, "In the office"), None, True) is Verdict.AUTOMATIC


@pytest.mark.parametrize("last_report", [None, LAST_REPORT])
def test_offline_is_never_adopted(last_report: datetime | None) -> None:
    """A phone system shows a signed-out user as offline; the agent reports it on exit."""
    for message in ("", "Gone home"):
        assert judge(remote(Status.OFFLINE, message), last_report, True) is Verdict.OFFLINE


def test_a_status_set_before_the_last_report_is_what_the_agent_replaced() -> None:
    assert judge(remote(Status.DND, since=BEFORE), LAST_REPORT, True) is Verdict.OLDER
    assert judge(remote(Status.DND, since=LAST_REPORT), LAST_REPORT, True) is Verdict.OLDER


def test_an_undated_status_is_adopted_only_when_the_agent_never_reported() -> None:
    assert judge(remote(Status.DND, since=None), LAST_REPORT, True) is Verdict.UNDATED
    assert judge(remote(Status.DND, since=None), None, True) is Verdict.ADOPT


def test_turned_off_adopts_nothing() -> None:
    assert judge(remote(Status.DND), None, enabled=False) is Verdict.TURNED_OFF

"""Which changes deserve a notification, and their words."""

from __future__ import annotations

from agent.config.schema import UiSettings
from agent.ui.notifications import Notice, notices
from tests.ui.test_describe import AWAY

AVAILABLE = {**AWAY, "status": "available", "label": "Available", "reason": "default"}
ON = UiSettings(notifications=True)


def test_off_by_default() -> None:
    assert notices(AVAILABLE, AWAY, UiSettings()) == []
    assert notices(None, AWAY, ON) == []
    failing = {**AWAY, "backends": {"work": {"state": "failing"}}}
    assert [n.title for n in notices(None, failing, ON)] == ["Presence updates are failing"]
    assert notices(None, failing, UiSettings()) == []


def test_manual_changes_when_enabled_automatic_ones_only_when_asked() -> None:
    manual = {
        **AWAY,
        "status": "busy",
        "label": "Busy",
        "reason": "manual",
        "reason_text": "set by you",
    }
    assert notices(AVAILABLE, manual, ON) == [
        Notice("You're now Busy", "Set by you\nAt HQ level 3")
    ]
    assert notices(AVAILABLE, AWAY, ON) == []
    automatic = notices(AVAILABLE, AWAY, UiSettings(notifications=True, notify_automatic=True))
    assert [n.title for n in automatic] == ["You're now Away"]
    assert automatic[0].body.startswith("Idle for 6 min")
    assert notices(manual, manual, ON) == []


def test_a_backend_that_starts_failing_is_announced_once() -> None:
    retrying = {**AWAY, "backends": {"work": {"state": "retrying", "queue_depth": 1}}}
    failing = {**AWAY, "backends": {"work": {"state": "failing", "queue_depth": 2}}}
    assert notices(AWAY, retrying, ON) == []
    found = notices(retrying, failing, ON, {"work": "Audian"}, {"work": "api.audian.com:8443"})
    assert [n.title for n in found] == ["Presence updates are failing"]
    assert found[0].warning and "api.audian.com:8443" in found[0].body
    assert notices(failing, failing, ON) == []
    signin = {**AWAY, "backends": {"work": {"state": "sign-in needed"}}}
    assert [n.title for n in notices(AWAY, signin, ON)] == ["Presence updates need you to sign in"]

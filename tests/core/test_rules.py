from __future__ import annotations

import pytest

from agent.config.schema import IdleSettings, RuleSettings
from agent.core.model import Status
from agent.core.rules import (
    Condition,
    Rule,
    Signals,
    build_rules,
    default_rules,
    first_match,
    matches,
    rule_problems,
)

IDLE_10M = Rule(Condition.IDLE, Status.AWAY, after=600)


@pytest.mark.parametrize(
    ("rule", "signals", "expected"),
    [
        (Rule(Condition.ACTIVE_CALL, Status.BUSY), Signals(in_call=True), True),
        (Rule(Condition.ACTIVE_CALL, Status.BUSY), Signals(in_call=False), False),
        (Rule(Condition.ACTIVE_CALL, Status.BUSY), Signals(), False),
        (Rule(Condition.ACTIVE_MEETING, Status.BUSY), Signals(in_meeting=True), True),
        (Rule(Condition.ACTIVE_MEETING, Status.BUSY), Signals(), False),
        (Rule(Condition.LOCKED, Status.AWAY), Signals(locked=True), True),
        (Rule(Condition.LOCKED, Status.AWAY), Signals(locked=False), False),
        (Rule(Condition.LOCKED, Status.AWAY), Signals(), False),
        (IDLE_10M, Signals(idle_seconds=600, idle_read=600), True),
        (IDLE_10M, Signals(idle_seconds=599.9, idle_read=599.9), False),
        # Worked out from an older reading: waits the grace for a fresh one.
        (IDLE_10M, Signals(idle_seconds=602.9, idle_read=10), False),
        (IDLE_10M, Signals(idle_seconds=603, idle_read=10), True),
        (IDLE_10M, Signals(), False),
        (Rule(Condition.AFTER_HOURS, Status.AWAY), Signals(after_hours=True), True),
        (Rule(Condition.AFTER_HOURS, Status.AWAY), Signals(), False),
        (
            Rule(Condition.LOCATION, Status.AVAILABLE, location="hq"),
            Signals(places=frozenset({"hq-3", "hq"})),
            True,
        ),
        (
            Rule(Condition.LOCATION, Status.AVAILABLE, location="hq"),
            Signals(places=frozenset({"lab"})),
            False,
        ),
        (Rule(Condition.LOCATION, Status.AVAILABLE, location="hq"), Signals(), False),
        (Rule(Condition.REMOTE, Status.AVAILABLE), Signals(places=frozenset()), True),
        (Rule(Condition.REMOTE, Status.AVAILABLE), Signals(places=frozenset({"hq"})), False),
        (Rule(Condition.REMOTE, Status.AVAILABLE), Signals(), False),  # unknown is not remote
    ],
)
def test_conditions(rule: Rule, signals: Signals, expected: bool) -> None:
    assert matches(rule, signals) is expected


def test_default_rules_order() -> None:
    rules = default_rules(IdleSettings(away_after=300))
    assert [r.condition for r in rules] == [
        Condition.ACTIVE_CALL,
        Condition.ACTIVE_MEETING,
        Condition.LOCKED,
        Condition.IDLE,
        Condition.AFTER_HOURS,
    ]
    assert rules[0].status is Status.BUSY and rules[0].message == "On a call"
    assert rules[3].after == 300
    assert first_match(rules, Signals(in_call=True, idle_seconds=9999, locked=True)) is rules[0]
    assert first_match(rules, Signals(in_call=False, idle_seconds=1)) is None


def test_lock_is_away_false_skips_the_locked_rule() -> None:
    rules = default_rules(IdleSettings(lock_is_away=False))
    assert Condition.LOCKED not in [r.condition for r in rules]


def test_build_rules_from_config() -> None:
    written = (
        RuleSettings("location", "available", location="hq"),
        RuleSettings("idle", "away", after=600.0),
        RuleSettings("idle", "dnd"),
    )
    rules, problems = build_rules(written, IdleSettings(away_after=120))
    assert problems == []
    assert rules[0].location == "hq" and rules[0].reason == "rule:location"
    assert rules[1].after == 600 and rules[2].after == 120


def test_bad_rules_are_reported_and_skipped() -> None:
    written = (
        RuleSettings("dancing", "away"),
        RuleSettings("idle", "sleepy"),
        RuleSettings("location", "away"),
        RuleSettings("locked", "away", after=60.0),
        RuleSettings("locked", "dnd"),
    )
    rules, problems = build_rules(written, IdleSettings())
    assert [r.status for r in rules] == [Status.DND]
    assert problems[0].startswith("rules[0].condition: unknown condition 'dancing'")
    assert problems[1].startswith("rules[1].set_status: unknown status 'sleepy'")
    assert problems[2] == "rules[2].location: a location rule needs the id of a location"
    assert problems[3] == "rules[3].after: only an idle rule takes 'after'"
    assert rule_problems(0, RuleSettings("idle", "away", after=0.0)) == [
        ("rules[0].after", "must be a positive duration like '10m'")
    ]


def test_only_bad_rules_fall_back_to_the_defaults() -> None:
    rules, problems = build_rules((RuleSettings("x", "y"),), IdleSettings())
    assert rules == default_rules(IdleSettings())
    assert len(problems) == 2

"""The ordered ``[[rules]]``: conditions on the signals, first match wins.

A condition on an unknown signal (``None``: no working source) never matches, so a
broken detector can make the agent say less, never something false.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from agent.config.schema import IdleSettings, RuleSettings
from agent.core.model import Status

IDLE_READING_GRACE = 3.0
"""Seconds an idle threshold crossing that was only worked out (last reading plus the
time since) waits for a fresh reading. The idle detector re-reads exactly when a
threshold could be crossed; without this grace the engine would wake at the same
instant, call the user away, and flip back a moment later when the reading shows
input in between. A reading at or past the threshold counts at once."""


class Condition(StrEnum):
    ACTIVE_CALL = "activeCall"
    ACTIVE_MEETING = "activeMeeting"
    AFTER_HOURS = "afterHours"
    IDLE = "idle"
    LOCKED = "locked"
    LOCATION = "location"
    REMOTE = "remote"


@dataclass(frozen=True)
class Rule:
    """One rule, checked. ``after`` is the idle threshold in seconds (idle rules only)."""

    condition: Condition
    status: Status
    message: str = ""
    after: float = 0.0
    location: str = ""

    @property
    def reason(self) -> str:
        return f"rule:{self.condition.value}"


@dataclass(frozen=True)
class Signals:
    """The debounced signals at one instant; ``None`` is unknown.

    ``idle_seconds`` is worked out for now, ``idle_read`` is what the detector last
    read. ``places`` holds the current location's id and its parents' ids; an empty set
    is remote (the network matched no configured place).
    """

    idle_seconds: float | None = None
    idle_read: float | None = None
    locked: bool | None = None
    in_call: bool | None = None
    in_meeting: bool | None = None
    after_hours: bool | None = None
    places: frozenset[str] | None = None


def matches(rule: Rule, signals: Signals) -> bool:
    """Whether ``rule`` holds for ``signals``."""
    condition = rule.condition
    if condition is Condition.ACTIVE_CALL:
        return signals.in_call is True
    if condition is Condition.ACTIVE_MEETING:
        return signals.in_meeting is True
    if condition is Condition.IDLE:
        idle, read = signals.idle_seconds, signals.idle_read
        if idle is None:
            return False
        return (read is not None and read >= rule.after) or idle >= rule.after + IDLE_READING_GRACE
    if condition is Condition.LOCKED:
        return signals.locked is True
    if condition is Condition.AFTER_HOURS:
        return signals.after_hours is True
    if condition is Condition.LOCATION:
        return signals.places is not None and rule.location in signals.places
    return signals.places is not None and not signals.places  # remote


def first_match(rules: tuple[Rule, ...], signals: Signals) -> Rule | None:
    for rule in rules:
        if matches(rule, signals):
            return rule
    return None


def default_rules(idle: IdleSettings) -> tuple[Rule, ...]:
    """The rules in force when the user wrote none (a caller stays busy, not away)."""
    rules = [
        Rule(Condition.ACTIVE_CALL, Status.BUSY, "On a call"),
        Rule(Condition.ACTIVE_MEETING, Status.BUSY, "In a meeting"),
    ]
    if idle.lock_is_away:
        rules.append(Rule(Condition.LOCKED, Status.AWAY))
    rules.append(Rule(Condition.IDLE, Status.AWAY, after=idle.away_after))
    rules.append(Rule(Condition.AFTER_HOURS, Status.AWAY, "Outside working hours"))
    return tuple(rules)


def rule_problems(index: int, rule: RuleSettings) -> list[tuple[str, str]]:
    """What is wrong with ``[[rules]]`` entry ``index``, as (key path, message) pairs."""
    key = f"rules[{index}]"
    problems: list[tuple[str, str]] = []
    if rule.condition not in Condition.__members__.values():
        names = ", ".join(c.value for c in Condition)
        problems.append((f"{key}.condition", f"unknown condition {rule.condition!r}; use {names}"))
    if rule.set_status not in Status.__members__.values():
        names = ", ".join(s.value for s in Status)
        problems.append((f"{key}.set_status", f"unknown status {rule.set_status!r}; use {names}"))
    if rule.condition == Condition.LOCATION and not rule.location:
        problems.append((f"{key}.location", "a location rule needs the id of a location"))
    if rule.after is not None and rule.condition != Condition.IDLE:
        problems.append((f"{key}.after", "only an idle rule takes 'after'"))
    if rule.after is not None and rule.after <= 0:
        problems.append((f"{key}.after", "must be a positive duration like '10m'"))
    return problems


def build_rules(
    written: tuple[RuleSettings, ...], idle: IdleSettings
) -> tuple[tuple[Rule, ...], list[str]]:
    """The rules to run and the problems found; bad entries are skipped.

    No rules written (or none usable) means the default rules.
    """
    rules: list[Rule] = []
    problems: list[str] = []
    for index, entry in enumerate(written):
        found = rule_problems(index, entry)
        if found:
            problems.extend(f"{key}: {message}" for key, message in found)
            continue
        condition = Condition(entry.condition)
        after = 0.0
        if condition is Condition.IDLE:
            after = entry.after if entry.after is not None else idle.away_after
        rules.append(
            Rule(condition, Status(entry.set_status), entry.message, after, entry.location)
        )
    return (tuple(rules) if rules else default_rules(idle)), problems

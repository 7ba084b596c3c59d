"""Overlay policy tiers on the user's parsed file: enforced > user > recommended > default.

The overlay works on the raw TOML data (before the schema objects are built) so
that policy values go through exactly the same checks as the user's own. It returns
which dotted settings each tier set, from which the loader derives every setting's
origin and the locked set, and which policy key set each one (``keys``), so a
problem with a policy value names the key IT wrote.

Structured keys: ``Backends``/``Locations``/``Calendars`` entries are merged with the
user's entries of the same name/id field by field (a recommended field only where the
user wrote none); ``Rules`` replaces the user's rules when enforced and stands in for
them when recommended and the user has none.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from agent.config.policy import PolicyData
from agent.config.policy_keys import (
    MANAGED_BACKEND,
    MANAGED_CALENDAR,
    MANAGED_CALENDAR_NAME,
    TEMPLATED,
    PolicyKey,
    PolicyType,
    by_name,
)
from agent.config.schema import BackendEntry, CalendarEntry, LocationEntry, RuleSettings

#: The fields of each array of tables (a backend's other keys are its options).
_ENTRY_FIELDS = {
    table: {f.name for f in dataclasses.fields(cls)} - {"options"}
    for table, cls in (
        ("backends", BackendEntry),
        ("calendars", CalendarEntry),
        ("locations", LocationEntry),
        ("rules", RuleSettings),
    )
}

_OPTIONS = re.compile(r"^(backends\[\d+\])\.options\.")


@dataclass
class Overlay:
    data: dict[str, Any]
    enforced: set[str] = field(default_factory=set)
    recommended: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    """Raw path of each value (and entry) policy wrote -> the policy key, e.g. Backends[1]."""

    def mark(self, tier: str, setting: str, key: str) -> None:
        (self.enforced if tier == "enforced" else self.recommended).add(setting)
        self.keys[raw_path(setting)] = key

    def key_for(self, raw: str) -> str | None:
        """The policy key behind a raw path, or behind the entry it is in."""
        path = raw
        while path:
            if path in self.keys:
                return self.keys[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None


def raw_path(setting: str) -> str:
    """Where a setting is written in the file: backend options sit in the entry itself."""
    return _OPTIONS.sub(r"\1.", setting)


def leaf_paths(data: Any, prefix: str = "") -> set[str]:
    """Every dotted path of a value written in ``data`` (arrays of tables get ``[i]``)."""
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            found |= leaf_paths(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        for index, item in enumerate(data):
            found |= leaf_paths(item, f"{prefix}[{index}]")
    else:
        found.add(prefix)
    return found


def apply(user: dict[str, Any], policy: PolicyData, username: str) -> Overlay:
    """The user's data with both policy tiers applied (the input is not modified)."""
    overlay = Overlay(data=copy.deepcopy(user))
    tiers = {
        "enforced": _expand(policy.enforced, username),
        "recommended": _expand(policy.recommended, username),
    }
    keys = by_name()
    for tier in ("recommended", "enforced"):
        for name, value in tiers[tier].items():
            key = keys[name]
            if key.type is PolicyType.TABLE_LIST:
                _apply_entries(overlay, tier, key, value)
    backend_index = _managed_entry(overlay, tiers, "backends", "Backend", user)
    calendar_index = _managed_entry(overlay, tiers, "calendars", "Calendar", user)
    for tier in ("recommended", "enforced"):
        for name, value in tiers[tier].items():
            if keys[name].structured:
                continue  # entries above; secret tables go to the keyring, not the config
            setting = keys[name].setting
            if setting.startswith(MANAGED_BACKEND):
                if backend_index is None:
                    continue
                setting = setting.replace(MANAGED_BACKEND, f"backends[{backend_index}]", 1)
            elif setting.startswith(MANAGED_CALENDAR):
                if calendar_index is None:
                    continue
                setting = setting.replace(MANAGED_CALENDAR, f"calendars[{calendar_index}]", 1)
            written = _has(overlay.data, raw_path(setting))
            if tier == "recommended" and written:
                continue  # the user's own value wins over a recommendation
            _set(overlay.data, raw_path(setting), value)
            overlay.mark(tier, setting, name)
    return overlay


def _apply_entries(overlay: Overlay, tier: str, key: PolicyKey, entries: list[Any]) -> None:
    """One tier's ``Backends``/``Locations``/``Calendars``/``Rules`` onto the data."""
    table = key.setting
    current = overlay.data.get(table)
    if not isinstance(current, list) or not all(isinstance(e, dict) for e in current):
        current = None
    if not key.identity:  # Rules: a whole ordered list
        if tier == "recommended" and current is not None:
            return  # the user's own rules win over recommended ones
        overlay.data[table] = [dict(entry) for entry in entries]
        for index, entry in enumerate(entries):
            overlay.keys[f"{table}[{index}]"] = f"{key.name}[{index}]"
            for name in _ENTRY_FIELDS[table] | set(entry):
                overlay.mark(tier, f"{table}[{index}].{name}", f"{key.name}[{index}].{name}")
        return
    current = current if current is not None else []
    overlay.data[table] = current
    for position, entry in enumerate(entries):
        ident = entry[key.identity]
        found = [i for i, e in enumerate(current) if e.get(key.identity) == ident]
        if not found:
            current.append({key.identity: ident})
        index = found[0] if found else len(current) - 1
        mine = current[index]
        overlay.keys[f"{table}[{index}]"] = f"{key.name}[{position}]"
        for name, value in entry.items():
            if tier == "recommended" and name in mine and name != key.identity:
                continue
            mine[name] = value
            setting = f"{table}[{index}].{name}"
            if table == "backends" and name not in _ENTRY_FIELDS[table]:
                setting = f"{table}[{index}].options.{name}"
            overlay.mark(tier, setting, f"{key.name}[{position}].{name}")


def _expand(values: dict[str, Any], username: str) -> dict[str, Any]:
    return {
        name: expand_username(value, username) if name in TEMPLATED else value
        for name, value in values.items()
    }


def expand_username(value: Any, username: str) -> Any:
    """``{username}`` replaced in a string, or in every string of a structured value."""
    if isinstance(value, str):
        return value.replace("{username}", username)
    if isinstance(value, list):
        return [expand_username(item, username) for item in value]
    if isinstance(value, dict):
        return {name: expand_username(item, username) for name, item in value.items()}
    return value


def _managed_entry(
    overlay: Overlay,
    tiers: dict[str, dict[str, Any]],
    table: str,
    prefix: str,
    user: dict[str, Any],
) -> int | None:
    """Index of the ``[[backends]]``/``[[calendars]]`` entry policy manages (created if new)."""
    keys = by_name()
    mine = [
        name
        for tier in tiers.values()
        for name in tier
        if keys[name].setting.startswith(f"{table}[managed]")
    ]
    if not mine:
        return None
    if table == "calendars":
        name: str | None = MANAGED_CALENDAR_NAME
    else:
        name = next(
            (
                tiers[tier][key]
                for key in (f"{prefix}Name", f"{prefix}Type")
                for tier in ("enforced", "recommended")
                if tiers[tier].get(key)
            ),
            None,
        )
    entries = overlay.data.get(table)
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        entries = []
    if name is None:
        if len(entries) == 1:
            return 0
        overlay.problems.append(
            f"policy: {', '.join(sorted(mine))}: {prefix}Type or {prefix}Name is needed to "
            "know which entry to configure; ignored"
        )
        return None
    overlay.data[table] = entries
    for index, entry in enumerate(entries):
        if entry.get("name") == name:
            return index
    entries.append({"name": name})
    return len(entries) - 1


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.split("."):
        match = re.fullmatch(r"([^\[]+)((?:\[\d+\])*)", part)
        if match is None:
            steps.append(part)
            continue
        steps.append(match.group(1))
        steps.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    return steps


def _has(data: Any, path: str) -> bool:
    node = data
    for step in _steps(path):
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return False
        elif not isinstance(node, dict) or step not in node:
            return False
        node = node[step]
    return True


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    steps = _steps(path)
    node: Any = data
    for step, following in zip(steps, steps[1:], strict=False):
        if isinstance(step, int):
            node = node[step]
            continue
        if not isinstance(node.get(step), dict | list):
            node[step] = [] if isinstance(following, int) else {}
        node = node[step]
    node[steps[-1]] = value

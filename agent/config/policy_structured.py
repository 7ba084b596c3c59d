"""Structured policy values: arrays of entries and dictionaries, checked before use.

The registry holds them as JSON text (the browsers' convention; a REG_MULTI_SZ is the
lines of one text), plists and TOML as native data. Either way the result is plain TOML
data at most :data:`MAX_DEPTH` deep, or a ValueError that says where the value is wrong
and never quotes it (it may be a credential).
"""

from __future__ import annotations

import json
from typing import Any

from agent.config.build import describe, looks_secret
from agent.config.policy_keys import BACKEND_SECRETS, PolicyKey, PolicyType

#: How deep a structured value may nest (a Cord ``location_template`` inside a backend).
MAX_DEPTH = 4


def structured_value(key: PolicyKey, value: Any) -> Any:
    """A TABLE or TABLE_LIST value, from native data or JSON text (the registry's form)."""
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        value = "\n".join(value)  # REG_MULTI_SZ: the lines of one JSON text
    if isinstance(value, str):
        value = json_value(value)
    if key.type is PolicyType.TABLE:
        if not isinstance(value, dict):
            raise ValueError(f"must be a dictionary (a JSON object), got {_kind(value)}")
        table = _plain(value, "", 1)
        if key.secret:
            _check_secret_table(table, by_field=key.name == BACKEND_SECRETS)
        return table
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError(f"must be an array of dictionaries (JSON objects), got {_kind(value)}")
    entries: list[dict[str, Any]] = _plain(value, "", 1)
    seen: set[Any] = set()
    for index, entry in enumerate(entries):
        for field_name, field_value in entry.items():
            if looks_secret(field_name) and not isinstance(field_value, bool | dict):
                raise ValueError(
                    f"[{index}].{field_name}: credentials do not go here: put them in "
                    "BackendSecrets (or CalendarUrlSecrets), which the agent moves into the "
                    "keyring"
                )
        if key.identity:
            ident = entry.get(key.identity)
            if not isinstance(ident, str) or not ident:
                raise ValueError(f"[{index}].{key.identity}: required (a non-empty string)")
            if ident in seen:
                raise ValueError(f"[{index}].{key.identity}: {ident!r} is used by another entry")
            seen.add(ident)
    return entries


def json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        # Where, never what: the text may be a credential.
        raise ValueError(
            f"is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from None


def _plain(value: Any, path: str, depth: int) -> Any:
    """``value`` as plain TOML data (no dates, data or nulls), at most MAX_DEPTH deep."""
    if depth > MAX_DEPTH:
        raise ValueError(f"{path or 'value'}: nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        table: dict[str, Any] = {}
        for name, item in value.items():
            if not isinstance(name, str) or not name:
                raise ValueError(f"{path or 'value'}: keys must be non-empty strings")
            table[name] = _plain(item, f"{path}.{name}" if path else name, depth + 1)
        return table
    if isinstance(value, list):
        return [_plain(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
    if isinstance(value, str | bool | int | float):
        return value
    raise ValueError(f"{path or 'value'}: must be text, a number, true/false, an array or a table")


def _check_secret_table(table: dict[str, Any], by_field: bool) -> None:
    """``{name: {field: value}}`` (``by_field``) or ``{name: value}``; values non-empty text."""
    for name, fields in table.items():
        if "/" in name:
            raise ValueError(f"{name}: a name cannot contain '/'")
        if by_field and not isinstance(fields, dict):
            raise ValueError(f"{name}: must be a dictionary of field names and values")
        values = fields if by_field else {"": fields}
        for field_name, secret in values.items():
            where = f"{name}.{field_name}" if field_name else name
            if "/" in field_name:
                raise ValueError(f"{where}: a field name cannot contain '/'")
            if not isinstance(secret, str) or not secret:
                raise ValueError(f"{where}: must be non-empty text")


def _kind(value: object) -> str:
    return describe(value).split(" ")[0]

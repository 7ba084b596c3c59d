"""Build the frozen schema dataclasses from parsed TOML, generically from their type hints.

Adding a setting to :mod:`agent.config.schema` needs no change here. Every problem
is collected (not raised at the first one) as ``(dotted.path, message)`` so the user
sees them all at once. A dataclass field named ``options`` of type ``dict`` collects
the keys a table has beyond its declared fields (the type-specific backend keys).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from agent.core.durations import parse_duration
from agent.secret_names import secret_command

T = TypeVar("T")

EXTRAS_FIELD = "options"

_SECRET_NAME = re.compile(
    r"(^|[_-])(token|password|passwd|passphrase|secret|api[_-]?key|apikey|private[_-]?key"
    r"|credentials?|bearer|authorization|auth[_-]?header|cookie|hmac|hmac[_-]?key"
    r"|(signing|access|secret)[_-]?key)$",
    re.IGNORECASE,
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SECRET_VALUE = re.compile(r"^\s*(bearer|basic|token)\s+\S{8,}|^eyJ[\w-]{8,}\.[\w-]{8,}\.", re.I)
"""A value that is itself a credential ("Bearer abc…", a JWT), whatever its key is called."""


def find_secrets(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every secret-looking key anywhere in the parsed file (booleans are flags, not secrets)."""
    problems: list[tuple[str, str]] = []

    def walk(value: Any, path: str, backend: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                sub = f"{path}.{key}" if path else str(key)
                secret = looks_secret(str(key)) or looks_like_credential(item)
                if secret and not isinstance(item, bool | dict):
                    problems.append((sub, secret_message(backend, str(key))))
                else:
                    walk(item, sub, backend)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                name = item.get("name") if isinstance(item, dict) else None
                inner = str(name) if path == "backends" and name else backend
                walk(item, f"{path}[{index}]", inner)

    walk(dict(data), "", "<backend>")
    return problems


class _Invalid:
    """Marks a value that could not be converted (its problem is already recorded)."""


INVALID = _Invalid()


def looks_secret(key: str) -> bool:
    """True for key names that hold credentials (``api_token``, ``signingSecret``, ``bearer``)."""
    return bool(_SECRET_NAME.search(_CAMEL.sub("_", key)))


def looks_like_credential(value: object) -> bool:
    """True for a value that is a credential by its form (``"Bearer eyJ…"``)."""
    return isinstance(value, str) and bool(_SECRET_VALUE.search(value))


def secret_message(backend: str, field: str) -> str:
    return (
        "secrets are never read from the config file: delete this key and run "
        f"`{secret_command(backend, field)}` (it stores the value in the keyring)"
    )


def describe(value: object) -> str:
    """A value's TOML type name for messages ("got integer 5")."""
    kinds = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array"}
    if isinstance(value, dict):
        return "a table"
    name = kinds.get(type(value), type(value).__name__)
    text = repr(value)
    return f"{name} {text}" if len(text) <= 40 else name


class Builder:
    """Converts parsed TOML into schema objects and collects every problem on the way."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def build(self, cls: type[T], data: Mapping[str, Any], path: str = "") -> T | None:
        """An instance of dataclass ``cls`` from ``data``; ``None`` if a required key is missing."""
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        collects_extras = EXTRAS_FIELD in fields and _origin(hints[EXTRAS_FIELD]) is dict
        kwargs: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        for key, value in data.items():
            sub = _join(path, key)
            field = fields.get(key)
            if field is None or (collects_extras and key == EXTRAS_FIELD):
                if collects_extras:
                    extras[key] = value
                elif not looks_secret(key):  # secrets are reported by find_secrets
                    self.problem(sub, _unknown(key, list(fields)))
                continue
            converted = self.convert(hints[key], value, sub, field.metadata)
            if converted is not INVALID:
                kwargs[key] = converted
        if collects_extras:
            kwargs[EXTRAS_FIELD] = extras
        missing = [
            name
            for name, f in fields.items()
            if name not in kwargs
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        for name in missing:
            if name in data:
                continue  # already reported as invalid
            self.problem(path or "(top level)", f"missing required key '{name}'")
        if any(name not in kwargs for name in missing):
            return None
        return cls(**kwargs)

    def convert(self, tp: Any, value: Any, path: str, meta: Mapping[str, Any]) -> Any:
        """``value`` converted to type ``tp`` or :data:`INVALID` (with a recorded problem)."""
        origin = _origin(tp)
        args = typing.get_args(tp)
        if origin in (types.UnionType, typing.Union):
            options = [a for a in args if a is not type(None)]
            return self.convert(options[0], value, path, meta)
        if tp is Any:
            return value
        if dataclasses.is_dataclass(tp):
            if not isinstance(value, dict):
                return self._wrong(path, "a table", value)
            built = self.build(typing.cast(type[Any], tp), value, path)
            return INVALID if built is None else built
        if origin is tuple:
            if not isinstance(value, list):
                return self._wrong(path, "an array", value)
            items = [
                self.convert(args[0], item, f"{path}[{i}]", meta) for i, item in enumerate(value)
            ]
            if any(item is INVALID for item in items):
                return INVALID
            return tuple(items)
        if origin is dict:
            if not isinstance(value, dict):
                return self._wrong(path, "a table", value)
            return dict(value)
        return self._scalar(tp, value, path, meta)

    def _scalar(self, tp: Any, value: Any, path: str, meta: Mapping[str, Any]) -> Any:
        if tp is bool:
            return value if isinstance(value, bool) else self._wrong(path, "true or false", value)
        if tp is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            return self._wrong(path, "an integer", value)
        if tp is float:
            if meta.get("duration"):
                return self._duration(value, path)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return self._finite(value, path)
            return self._wrong(path, "a number", value)
        if tp is str:
            return value if isinstance(value, str) else self._wrong(path, "a string", value)
        self.problem(path, f"unsupported setting type {tp!r}")
        return INVALID

    def _duration(self, value: Any, path: str) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if value < 0:
                self.problem(path, "a duration cannot be negative")
                return INVALID
            return self._finite(value, path)
        if not isinstance(value, str):
            return self._wrong(path, 'a duration like "90s", "5m" or "1h"', value)
        try:
            return parse_duration(value)
        except ValueError as error:
            self.problem(path, str(error))
            return INVALID

    def _finite(self, value: float, path: str) -> Any:
        """``value`` as a float, or INVALID for inf, nan and integers too big for a float."""
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            self.problem(path, f"must be a finite number, got {describe(value)}")
            return INVALID
        return number

    def _wrong(self, path: str, expected: str, value: Any) -> _Invalid:
        self.problem(path, f"must be {expected}, got {describe(value)}")
        return INVALID


def _origin(tp: Any) -> Any:
    return typing.get_origin(tp)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _unknown(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return f"unknown key (did you mean '{close[0]}'?)"
    return f"unknown key; known keys here: {', '.join(sorted(known))}"

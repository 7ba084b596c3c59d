"""Reading a backend's type-specific keys with one clear message per problem.

Each backend declares its keys by reading them through :class:`OptionReader`; the
same code validates the file (``registry.validate_entry``) and builds the backend,
so the documented keys and the accepted keys can never drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.secret_names import secret_command


class OptionReader:
    """Typed access to ``[[backends]]`` options that collects problems instead of raising."""

    def __init__(self, name: str, options: Mapping[str, Any], secret_fields: tuple[str, ...]):
        self.name = name
        self._options = options
        self._secret_fields = secret_fields
        self._seen: set[str] = set()
        self.problems: list[tuple[str, str]] = []

    def _raw(self, key: str) -> Any:
        self._seen.add(key)
        return self._options.get(key)

    def _bad(self, key: str, message: str) -> None:
        self.problems.append((key, message))

    def text(self, key: str, default: str = "", required: bool = False) -> str:
        value = self._raw(key)
        if value is None or value == "":
            if required:
                self._bad(key, "required")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int):
            self._bad(key, "must be a string")
            return default
        return str(value)

    def integer(self, key: str, required: bool = False) -> int | None:
        value = self._raw(key)
        if value is None:
            if required:
                self._bad(key, "required (an integer)")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                return int(value)
            self._bad(key, f"must be an integer, not {value!r}")
            return None
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._raw(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self._bad(key, "must be true or false")
            return default
        return value

    def texts(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self._raw(key)
        if value is None:
            return default
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            self._bad(key, "must be a list of strings")
            return default
        return tuple(value)

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.text(key, default)
        if value not in choices:
            self._bad(key, f"must be one of {', '.join(choices)}, not {value!r}")
            return default
        return value

    def table(self, key: str, default: Mapping[str, str]) -> dict[str, str]:
        value = self._raw(key)
        if value is None:
            return dict(default)
        if not isinstance(value, Mapping) or not value:
            self._bad(key, 'must be a non-empty table, e.g. { office = "{location_id}" }')
            return dict(default)
        if not all(isinstance(v, str | int | bool) for v in value.values()):
            self._bad(key, "values must be strings, numbers or booleans")
            return dict(default)
        return {str(k): str(v) for k, v in value.items()}

    def finish(self) -> list[tuple[str, str]]:
        """Every problem, including keys that are secrets or unknown for this type."""
        for key in self._options:
            if key in self._seen:
                continue
            if key in self._secret_fields:
                self._bad(
                    key,
                    "secrets are never read from the file: remove it and run "
                    f"`{secret_command(self.name, key)}`",
                )
            else:
                self._bad(key, "unknown setting for this backend type")
        return self.problems

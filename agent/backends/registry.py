"""The backend types the agent knows, their secrets, validation and construction.

Backend modules are imported only when a backend of that type is validated or
created, so nothing vendor-specific is loaded at start-up unless configured.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from agent.backends.context import BackendContext, SecretReader
from agent.backends.http import url_problem
from agent.backends.options import OptionReader

if TYPE_CHECKING:
    from agent.backends.base import Backend
    from agent.config.schema import BackendEntry, UserSettings

__all__ = [
    "BACKEND_TYPES",
    "SECRET_FIELDS",
    "BackendContext",
    "SecretReader",
    "create_backend",
    "validate_entry",
]

BACKEND_TYPES: tuple[str, ...] = (
    "local",
    "webhook",
    "audian",
    "calven",
    "superoffice",
    "cord",
    "essentry",
)

SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    "local": (),
    "webhook": ("signing_secret",),
    "audian": ("api_token",),
    "calven": ("api_key", "client_secret", "hmac_secret", "password", "token"),
    "superoffice": ("password", "token", "app_token"),
    "cord": ("project_secret", "token"),
    "essentry": ("token", "agent_token"),
}

_NEEDS_URL = frozenset(BACKEND_TYPES) - {"local"}


def validate_entry(entry: BackendEntry, user: UserSettings | None = None) -> list[tuple[str, str]]:
    """Problems with one ``[[backends]]`` entry as (key, message); empty when it is usable.

    Without ``user`` (the file alone) keys that ``[user]`` may fill in are not required.
    """
    if entry.type not in BACKEND_TYPES:
        return [("type", f"must be one of {', '.join(BACKEND_TYPES)}, not {entry.type!r}")]
    problems: list[tuple[str, str]] = []
    if entry.type in _NEEDS_URL:
        if not entry.base_url:
            problems.append(("base_url", "required"))
        else:
            problem = url_problem(entry.base_url)
            if problem:
                problems.append(("base_url", problem))
    reader = OptionReader(entry.name, entry.options, SECRET_FIELDS[entry.type])
    _module(entry.type).read_options(reader, user)
    return problems + reader.finish()


def create_backend(entry: BackendEntry, context: BackendContext) -> Backend:
    """A backend for ``entry``; a misconfigured one still exists and reports why when used."""
    if entry.type not in BACKEND_TYPES:
        raise ValueError(f"unknown backend type {entry.type!r}")
    problems = validate_entry(entry, context.user)
    backend: Backend = _module(entry.type).create(entry, context, problems)
    return backend


def _module(kind: str) -> _BackendModule:
    module: _BackendModule = importlib.import_module(f"agent.backends.{kind}")
    return module


if TYPE_CHECKING:
    from typing import Any, Protocol

    class _BackendModule(Protocol):
        """What every backend module offers the registry."""

        def read_options(self, reader: OptionReader, user: UserSettings | None) -> Any: ...

        def create(
            self, entry: BackendEntry, context: BackendContext, problems: list[tuple[str, str]]
        ) -> Backend: ...

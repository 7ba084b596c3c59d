"""The backend types the agent knows: collected from the modules that declare them.

Each backend module declares its ``BACKEND`` (type name, secret fields, options,
constructor); this module only lists them. Adding a backend means one module, its
test server and its tests, and one line here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.backends import audian, calven, cord, essentry, local, superoffice, webhook
from agent.backends.base import BackendContext, BackendType, Problems, SecretReader
from agent.backends.http import url_problem
from agent.backends.options import OptionReader

if TYPE_CHECKING:
    from agent.backends.base import Backend
    from agent.config.schema import BackendEntry, UserSettings

__all__ = [
    "BACKEND_TYPES",
    "SECRET_FIELDS",
    "TYPES",
    "BackendContext",
    "SecretReader",
    "create_backend",
    "validate_entry",
]

TYPES: dict[str, BackendType] = {
    declared.name: declared
    for declared in (
        local.BACKEND,
        webhook.BACKEND,
        audian.BACKEND,
        calven.BACKEND,
        superoffice.BACKEND,
        cord.BACKEND,
        essentry.BACKEND,
    )
}

BACKEND_TYPES: tuple[str, ...] = tuple(TYPES)

SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    name: declared.secret_fields for name, declared in TYPES.items()
}


def validate_entry(entry: BackendEntry, user: UserSettings | None = None) -> Problems:
    """Problems with one ``[[backends]]`` entry as (key, message); empty when it is usable.

    Without ``user`` (the file alone) keys that ``[user]`` may fill in are not required.
    """
    declared = TYPES.get(entry.type)
    if declared is None:
        return [("type", f"must be one of {', '.join(BACKEND_TYPES)}, not {entry.type!r}")]
    problems: Problems = []
    if declared.needs_url:
        if not entry.base_url:
            problems.append(("base_url", "required"))
        else:
            problem = url_problem(entry.base_url)
            if problem:
                problems.append(("base_url", problem))
    reader = OptionReader(entry.name, entry.options, declared.secret_fields)
    declared.read_options(reader, user)
    return problems + reader.finish()


def create_backend(entry: BackendEntry, context: BackendContext) -> Backend:
    """A backend for ``entry``; a misconfigured one still exists and reports why when used."""
    declared = TYPES.get(entry.type)
    if declared is None:
        raise ValueError(f"unknown backend type {entry.type!r}")
    return declared.create(entry, context, validate_entry(entry, context.user))

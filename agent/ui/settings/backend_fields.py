"""The fields each backend type takes, learned from the backend's own option reader.

Each backend module declares its keys by reading them through ``OptionReader``
(``read_options``); recording those reads gives the settings form exactly the keys
the agent accepts, so the form cannot drift from the backends. No Qt here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent.backends.options import OptionReader
from agent.backends.registry import SECRET_FIELDS, TYPES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OptionField:
    key: str
    kind: str  # text | integer | boolean | texts | choice | table
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()


class _Recorder(OptionReader):
    def __init__(self, kind: str) -> None:
        super().__init__(kind, {}, SECRET_FIELDS.get(kind, ()))
        self.fields: dict[str, OptionField] = {}

    def _note(self, field: OptionField) -> None:
        self.fields.setdefault(field.key, field)

    def text(self, key: str, default: str = "", required: bool = False) -> str:
        self._note(OptionField(key, "text", required, default))
        return super().text(key, default, required)

    def integer(self, key: str, required: bool = False) -> int | None:
        self._note(OptionField(key, "integer", required))
        return super().integer(key, required)

    def boolean(self, key: str, default: bool) -> bool:
        self._note(OptionField(key, "boolean", False, default))
        return super().boolean(key, default)

    def texts(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        self._note(OptionField(key, "texts", False, default))
        return super().texts(key, default)

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        self.fields[key] = OptionField(key, "choice", False, default, tuple(choices))
        return super().choice(key, choices, default)

    def table(self, key: str, default: Mapping[str, str]) -> dict[str, str]:
        self._note(OptionField(key, "table", False, dict(default)))
        return super().table(key, default)


def option_fields(kind: str) -> list[OptionField]:
    """The type-specific keys of backend ``kind``, in the order the backend reads them."""
    recorder = _Recorder(kind)
    try:
        TYPES[kind].read_options(recorder, None)
    except Exception as error:  # a backend still being written must not break the window
        log.warning("could not read the options of backend type %s: %s", kind, error)
    return list(recorder.fields.values())


def secret_fields(kind: str) -> tuple[str, ...]:
    return SECRET_FIELDS.get(kind, ())

"""What a backend is given to work with: settings, secrets, HTTP, paths and time.

The context is built once by the composition root and shared by every backend, so
no backend opens its own HTTP client, reads the keyring directly or calls the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from agent.config.schema import LocationEntry, UserSettings

if TYPE_CHECKING:
    import httpx

    from agent.config.paths import Paths
    from agent.core.clock import Clock


class SecretReader(Protocol):
    """The part of ``agent.secrets.SecretStore`` a backend needs (reading only)."""

    def get(self, backend: str, field: str) -> str | None: ...


@dataclass(frozen=True)
class BackendContext:
    """Shared dependencies handed to every backend when it is created.

    ``locations`` are the configured ``[[locations]]``; essentry uses their names as
    the default calendar LOCATION filter. ``http`` is ``None`` only when no network
    backend is configured (the local journal needs none).
    """

    user: UserSettings
    secrets: SecretReader
    http: httpx.AsyncClient | None
    paths: Paths
    clock: Clock
    locations: tuple[LocationEntry, ...] = ()


def secret_command(backend: str, field: str) -> str:
    """The exact command that stores a missing or rejected secret."""
    return f"presence-agent secret set {backend} {field}"


class MissingSecret(Exception):
    """A secret the backend needs is not in the keyring; the message says how to add it."""

    def __init__(self, backend: str, fields: tuple[str, ...], reason: str = "") -> None:
        self.backend = backend
        self.fields = fields
        if reason:  # the keyring itself is unusable: its message says how to fix it
            super().__init__(f"cannot read {' or '.join(fields)} for {backend}: {reason}")
            return
        commands = " or ".join(f"run `{secret_command(backend, f)}`" for f in fields)
        super().__init__(f"no {' or '.join(fields)} stored for {backend}: {commands}")

    @property
    def fix(self) -> str:
        return secret_command(self.backend, self.fields[0])

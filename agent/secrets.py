"""The only door to the OS keyring: backend credentials live there and nowhere else.

Items are stored under service ``presence-agent`` with username ``<backend>/<field>``
(e.g. ``audian/api_token``). Keyrings cannot list their items, so the store keeps
an index of which ``(backend, field)`` pairs exist as one more keyring item
(username ``.index``, a JSON list of ``"backend/field"`` names, never values).

Every value read or written is registered with the log redaction (:mod:`agent.logs`).
When only the fail/null keyring (or a plaintext one from ``keyrings.alt``) is
available, every operation raises :class:`NoKeyringError`, whose message says how
to fix it: nothing falls back to a file.

Threading: keyring calls block (D-Bus round trips); call them off the event loop
when latency matters.
"""

from __future__ import annotations

import builtins
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from agent.logs import register_secret
from agent.secret_names import keyring_user

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "presence-agent"
INDEX_USER = ".index"
_T = TypeVar("_T")
_UNUSABLE = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


class NoKeyringError(Exception):
    """No usable keyring; the message names the problem and the fix."""


def _fix_hint() -> str:
    if sys.platform == "win32":
        return "The Windows Credential Manager should always be available; check the user profile."
    if sys.platform == "darwin":
        return "The macOS login keychain should be available; unlock it in Keychain Access."
    return (
        "Install and unlock a Secret Service keyring in your session (gnome-keyring: "
        "`apt install gnome-keyring libsecret-tools`; or KDE's KWallet). On a headless "
        "server, run the agent inside `dbus-run-session` with an unlocked "
        "`gnome-keyring-daemon --unlock --components=secrets` (see README). "
        "Plaintext keyrings (keyrings.alt) are deliberately not used."
    )


class SecretStore:
    """Backend secrets in the OS keyring. The backend is chosen lazily, at first use."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        """The keyring in use; raises :class:`NoKeyringError` if none is usable."""
        if self._backend is None:
            import keyring

            self._backend = keyring.get_keyring()
        _require_usable(self._backend)
        return self._backend

    def describe(self) -> str:
        """Which keyring backend is in use (for ``doctor``)."""
        backend = self.backend
        return f"{type(backend).__module__}.{type(backend).__name__}"

    def get(self, backend: str, field: str) -> str | None:
        value = self._call("read", lambda kr: kr.get_password(SERVICE, _user(backend, field)))
        if value:
            register_secret(value)
        return value

    def set(self, backend: str, field: str, value: str) -> None:
        if not value:
            raise ValueError("a secret cannot be empty")
        register_secret(value)
        self._call("store", lambda kr: kr.set_password(SERVICE, _user(backend, field), value))
        self._update_index(add=(backend, field))

    def delete(self, backend: str, field: str) -> bool:
        """Remove one secret; False if it did not exist."""
        from keyring.errors import PasswordDeleteError

        def remove(kr: KeyringBackend) -> bool:
            try:
                kr.delete_password(SERVICE, _user(backend, field))
            except PasswordDeleteError:
                return False
            return True

        existed = self._call("delete", remove)
        self._update_index(remove=(backend, field))
        return existed

    def list(self) -> list[tuple[str, str]]:
        """The ``(backend, field)`` pairs that are stored (values are never returned)."""
        found = []
        for backend, field in self._index():
            if self.get(backend, field) is not None:
                found.append((backend, field))
        return found

    def record(self, name: str) -> str | None:
        """A bookkeeping item beside the secrets (like the index; never a secret value)."""
        return self._call("read", lambda kr: kr.get_password(SERVICE, _record_user(name)))

    def set_record(self, name: str, text: str) -> None:
        self._call("store", lambda kr: kr.set_password(SERVICE, _record_user(name), text))

    def _index(self) -> builtins.list[tuple[str, str]]:
        raw = self._call("read", lambda kr: kr.get_password(SERVICE, INDEX_USER))
        try:
            names = json.loads(raw) if raw else []
        except ValueError:
            names = []
        pairs = []
        for name in names if isinstance(names, list) else []:
            backend, _, field = str(name).partition("/")
            if backend and field:
                pairs.append((backend, field))
        return sorted(set(pairs))

    def _update_index(
        self, add: tuple[str, str] | None = None, remove: tuple[str, str] | None = None
    ) -> None:
        pairs = set(self._index())
        if add:
            pairs.add(add)
        if remove:
            pairs.discard(remove)
        names = json.dumps([keyring_user(b, f) for b, f in sorted(pairs)])
        self._call("store", lambda kr: kr.set_password(SERVICE, INDEX_USER, names))

    def _call(self, action: str, operation: Callable[[KeyringBackend], _T]) -> _T:
        from keyring.errors import KeyringError

        backend = self.backend
        try:
            return operation(backend)
        except KeyringError as error:
            raise NoKeyringError(
                f"the keyring could not {action} the secret ({error or type(error).__name__}). "
                + _fix_hint()
            ) from None


def _user(backend: str, field: str) -> str:
    if not backend or "/" in backend:
        raise ValueError(f"invalid backend name {backend!r} (must be non-empty, without '/')")
    if not field or "/" in field:
        raise ValueError(f"invalid field name {field!r} (must be non-empty, without '/')")
    return keyring_user(backend, field)


def _record_user(name: str) -> str:
    if not name.startswith(".") or "/" in name or name == INDEX_USER:
        raise ValueError(f"invalid record name {name!r} (starts with '.', not the index)")
    return name


def _require_usable(backend: KeyringBackend) -> None:
    from keyring.backends.chainer import ChainerBackend

    candidates = list(backend.backends) if isinstance(backend, ChainerBackend) else [backend]
    usable = [b for b in candidates if not type(b).__module__.startswith(_UNUSABLE)]
    if not usable:
        raise NoKeyringError("No usable keyring for the agent's secrets. " + _fix_hint())

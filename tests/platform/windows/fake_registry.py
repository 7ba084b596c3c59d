"""A registry in a dictionary, for tests of registry users on any OS.

Implements :class:`agent.platform.windows.registry.Registry`; the same tests of the real
``WindowsRegistry`` run under Wine (``test_registry.py``), which keeps the two honest.
"""

from __future__ import annotations

from typing import Any

from agent.platform.windows.registry import RegistryValue


class FakeRegistry:
    """Keys are ``(hive, key path)``; key paths compare case-insensitively, as Windows does."""

    def __init__(self, keys: dict[tuple[str, str], dict[str, Any]] | None = None) -> None:
        self.keys: dict[tuple[str, str], dict[str, Any]] = {}
        for (hive, key), values in (keys or {}).items():
            self._key(hive, key, create=True).update(values)

    def _key(self, hive: str, key: str, create: bool = False) -> dict[str, Any] | None:
        for (known_hive, known_key), values in self.keys.items():
            if known_hive == hive and known_key.lower() == key.lower():
                return values
        if not create:
            return None
        return self.keys.setdefault((hive, key), {})

    def get(self, hive: str, key: str, name: str) -> Any | None:
        return (self._key(hive, key) or {}).get(name)

    def values(self, hive: str, key: str) -> dict[str, Any] | None:
        values = self._key(hive, key)
        if values is None and self.subkeys(hive, key):
            return {}  # a parent of a stored key exists too
        return None if values is None else dict(values)

    def subkeys(self, hive: str, key: str) -> list[str]:
        prefix = key.lower() + "\\"
        names = {
            known[len(prefix) :].split("\\")[0]
            for known_hive, known in self.keys
            if known_hive == hive and known.lower().startswith(prefix)
        }
        return sorted(names)

    def set(self, hive: str, key: str, name: str, value: RegistryValue) -> None:
        values = self._key(hive, key, create=True)
        assert values is not None
        values[name] = value

    def delete(self, hive: str, key: str, name: str) -> None:
        values = self._key(hive, key)
        if values is not None:
            values.pop(name, None)

    def all_values(self) -> dict[tuple[str, str, str], Any]:
        """Every stored value by ``(hive, key, name)``: what a test compares."""
        return {
            (hive, key, name): value
            for (hive, key), values in self.keys.items()
            for name, value in values.items()
        }

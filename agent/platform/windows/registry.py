r"""The one door to the Windows registry: the few calls the agent makes, on named hives.

The policy reader, autostart and the microphone/camera consent store all take a
:class:`Registry`; :class:`WindowsRegistry` is the real one (``winreg``), and the tests
give the same interface a dictionary (``tests/platform/windows/fake_registry.py``) or, under
Wine, the real registry of a throw-away prefix. ``hive`` is ``"HKCU"`` or ``"HKLM"``.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

HIVES = ("HKCU", "HKLM")
VALUES_LIMIT = 1024
"""The most values (or subkeys) read from one key: a policy key holds a few dozen."""

RegistryValue = str | bytes | int | list[str]


class Registry(Protocol):
    def get(self, hive: str, key: str, name: str) -> Any | None:
        """One value's data, ``None`` when the key or the value does not exist."""
        ...

    def values(self, hive: str, key: str) -> dict[str, Any] | None:
        """Every value directly under ``key``; ``None`` when the key does not exist."""
        ...

    def subkeys(self, hive: str, key: str) -> list[str]:
        """The names of ``key``'s subkeys; ``[]`` when it does not exist."""
        ...

    def set(self, hive: str, key: str, name: str, value: RegistryValue) -> None:
        """Write one value, creating the key.

        str as REG_SZ, bytes as REG_BINARY, int as REG_DWORD, list as REG_MULTI_SZ.
        """
        ...

    def delete(self, hive: str, key: str, name: str) -> None:
        """Remove one value; nothing happens when it is not there."""
        ...


class WindowsRegistry:
    """The real registry through ``winreg`` (Windows only; imported on first use)."""

    def __init__(self) -> None:
        self._winreg: Any = importlib.import_module("winreg")

    def _root(self, hive: str) -> Any:
        roots = {"HKCU": self._winreg.HKEY_CURRENT_USER, "HKLM": self._winreg.HKEY_LOCAL_MACHINE}
        return roots[hive]

    def get(self, hive: str, key: str, name: str) -> Any | None:
        try:
            with self._winreg.OpenKey(self._root(hive), key) as handle:
                return self._winreg.QueryValueEx(handle, name)[0]
        except OSError:
            return None

    def values(self, hive: str, key: str) -> dict[str, Any] | None:
        try:
            handle = self._winreg.OpenKey(self._root(hive), key)
        except OSError:
            return None
        found: dict[str, Any] = {}
        with handle:
            count = min(self._winreg.QueryInfoKey(handle)[1], VALUES_LIMIT)
            for index in range(count):
                name, value, _kind = self._winreg.EnumValue(handle, index)
                found[str(name)] = value
        return found

    def subkeys(self, hive: str, key: str) -> list[str]:
        try:
            handle = self._winreg.OpenKey(self._root(hive), key)
        except OSError:
            return []
        with handle:
            count = min(self._winreg.QueryInfoKey(handle)[0], VALUES_LIMIT)
            return [str(self._winreg.EnumKey(handle, index)) for index in range(count)]

    def set(self, hive: str, key: str, name: str, value: RegistryValue) -> None:
        winreg = self._winreg
        if isinstance(value, bytes):
            kind = winreg.REG_BINARY
        elif isinstance(value, bool | int):
            kind, value = winreg.REG_DWORD, int(value)
        elif isinstance(value, list):
            kind = winreg.REG_MULTI_SZ
        else:
            kind = winreg.REG_SZ
        with winreg.CreateKey(self._root(hive), key) as handle:
            winreg.SetValueEx(handle, name, 0, kind, value)

    def delete(self, hive: str, key: str, name: str) -> None:
        winreg = self._winreg
        try:
            with winreg.OpenKey(self._root(hive), key, 0, winreg.KEY_SET_VALUE) as handle:
                winreg.DeleteValue(handle, name)
        except FileNotFoundError:
            pass

r"""Start at log-in on Windows: the ``PresenceAgent`` value of ``HKCU\...\Run``.

An installer may add the same value under HKLM (the MSI's AutoStart feature); a
user switches that one off the way Task Manager does, with a "disabled" flag in
``Explorer\StartupApproved\Run``.
"""

from __future__ import annotations

import subprocess
from typing import Any, Protocol

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
VALUE_NAME = "PresenceAgent"
# StartupApproved data: first byte 2 = enabled, 3 = disabled; 12 bytes in all.
APPROVED = b"\x02" + bytes(11)
DISAPPROVED = b"\x03" + bytes(11)


class Registry(Protocol):
    """The few registry calls autostart needs (``hive`` is "HKCU" or "HKLM")."""

    def get(self, hive: str, key: str, name: str) -> Any | None: ...

    def set(self, hive: str, key: str, name: str, value: str | bytes) -> None: ...

    def delete(self, hive: str, key: str, name: str) -> None: ...


class WinRegistry:
    """The real registry through ``winreg`` (Windows only)."""

    def _winreg(self) -> Any:
        import importlib

        return importlib.import_module("winreg")

    def _root(self, hive: str) -> Any:
        winreg = self._winreg()
        return {"HKCU": winreg.HKEY_CURRENT_USER, "HKLM": winreg.HKEY_LOCAL_MACHINE}[hive]

    def get(self, hive: str, key: str, name: str) -> Any | None:
        winreg = self._winreg()
        try:
            with winreg.OpenKey(self._root(hive), key) as handle:
                return winreg.QueryValueEx(handle, name)[0]
        except OSError:
            return None

    def set(self, hive: str, key: str, name: str, value: str | bytes) -> None:
        winreg = self._winreg()
        kind = winreg.REG_BINARY if isinstance(value, bytes) else winreg.REG_SZ
        with winreg.CreateKey(self._root(hive), key) as handle:
            winreg.SetValueEx(handle, name, 0, kind, value)

    def delete(self, hive: str, key: str, name: str) -> None:
        winreg = self._winreg()
        try:
            with winreg.OpenKey(self._root(hive), key, 0, winreg.KEY_SET_VALUE) as handle:
                winreg.DeleteValue(handle, name)
        except OSError:
            pass


class RunKeyEntry:
    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry or WinRegistry()

    def _machine_entry(self) -> bool:
        return self.registry.get("HKLM", RUN_KEY, VALUE_NAME) is not None

    def is_enabled(self) -> bool:
        approved = self.registry.get("HKCU", APPROVED_KEY, VALUE_NAME)
        if isinstance(approved, bytes) and approved[:1] == DISAPPROVED[:1]:
            return False
        return self.registry.get("HKCU", RUN_KEY, VALUE_NAME) is not None or self._machine_entry()

    def enable(self, command: list[str]) -> None:
        if not self._machine_entry():
            self.registry.set("HKCU", RUN_KEY, VALUE_NAME, subprocess.list2cmdline(command))
        self.registry.delete("HKCU", APPROVED_KEY, VALUE_NAME)

    def disable(self) -> None:
        self.registry.delete("HKCU", RUN_KEY, VALUE_NAME)
        if self._machine_entry():
            self.registry.set("HKCU", APPROVED_KEY, VALUE_NAME, DISAPPROVED)

    def describe(self) -> str:
        machine = " (installed for all users: HKLM)" if self._machine_entry() else ""
        return f"HKCU\\{RUN_KEY}\\{VALUE_NAME}{machine}"

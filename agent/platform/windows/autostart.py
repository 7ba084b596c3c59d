r"""Start at log-in on Windows: the ``PresenceAgent`` value of ``HKCU\...\Run``.

An installer may add the same value under HKLM (the MSI's AutoStart feature); a
user switches that one off the way Task Manager does, with a "disabled" flag in
``Explorer\StartupApproved\Run``.
"""

from __future__ import annotations

import subprocess

from agent.platform.windows.registry import Registry, WindowsRegistry

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
VALUE_NAME = "PresenceAgent"
# StartupApproved data: first byte 2 = enabled, 3 = disabled; 12 bytes in all.
APPROVED = b"\x02" + bytes(11)
DISAPPROVED = b"\x03" + bytes(11)


class RunKeyEntry:
    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry or WindowsRegistry()

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

"""Which apps Windows says use the microphone or webcam right now (ConsentStore).

Windows records each app's last use under
``HKCU/.../CapabilityAccessManager/ConsentStore/<capability>``: packaged apps by
package family name, desktop apps under ``NonPackaged`` by path (``#`` for the
path separator).
``LastUsedTimeStop == 0`` after a start means "in use now". Entries go stale when
an app crashes mid-capture, so this is the fallback, not the first choice.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

CONSENT_ROOT = r"Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore"


class Registry(Protocol):
    def subkeys(self, path: str) -> list[str]:
        """Names of the subkeys; ``[]`` when the key does not exist."""
        ...

    def qword(self, path: str, name: str) -> int | None:
        """An integer value, ``None`` when absent."""
        ...


class CurrentUserRegistry:
    """``HKEY_CURRENT_USER`` through ``winreg``."""

    def __init__(self) -> None:
        self._winreg: Any = importlib.import_module("winreg")

    def subkeys(self, path: str) -> list[str]:
        winreg = self._winreg
        try:
            key = winreg.OpenKey(winreg.HKEY_CURRENT_USER, path)
        except OSError:
            return []
        with key:
            count = winreg.QueryInfoKey(key)[0]
            return [winreg.EnumKey(key, i) for i in range(count)]

    def qword(self, path: str, name: str) -> int | None:
        winreg = self._winreg
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, path) as key:
                value, _kind = winreg.QueryValueEx(key, name)
        except OSError:
            return None
        return int(value) if isinstance(value, int) else None


def _in_use(registry: Registry, path: str) -> bool:
    start = registry.qword(path, "LastUsedTimeStart")
    stop = registry.qword(path, "LastUsedTimeStop")
    return bool(start) and stop == 0


def _app_name(key_name: str, packaged: bool) -> str:
    if packaged:  # "Microsoft.WindowsCamera_8wekyb3d8bbwe"
        return key_name.split("_", 1)[0]
    return key_name.rsplit("#", 1)[-1]  # "C:#Program Files#Zoom#bin#Zoom.exe"


def apps_in_use(capability: str, registry: Registry | None = None) -> list[str]:
    """Apps using ``capability`` ("microphone" or "webcam"), packaged ones first."""
    registry = registry or CurrentUserRegistry()
    root = f"{CONSENT_ROOT}\\{capability}"
    apps = [
        _app_name(name, packaged=True)
        for name in registry.subkeys(root)
        if name != "NonPackaged" and _in_use(registry, f"{root}\\{name}")
    ]
    desktop = f"{root}\\NonPackaged"
    apps += [
        _app_name(name, packaged=False)
        for name in registry.subkeys(desktop)
        if _in_use(registry, f"{desktop}\\{name}")
    ]
    return apps

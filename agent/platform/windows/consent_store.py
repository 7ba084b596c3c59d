"""Which apps Windows says use the microphone or webcam right now (ConsentStore).

Windows records each app's last use under
``HKCU/.../CapabilityAccessManager/ConsentStore/<capability>``: packaged apps by
package family name, desktop apps under ``NonPackaged`` by path (``#`` for the
path separator).
``LastUsedTimeStop == 0`` after a start means "in use now". Entries go stale when
an app crashes mid-capture, so this is the fallback, not the first choice.
"""

from __future__ import annotations

from agent.platform.windows.registry import Registry, WindowsRegistry

CONSENT_ROOT = r"Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore"


def _in_use(registry: Registry, path: str) -> bool:
    start = registry.get("HKCU", path, "LastUsedTimeStart")
    stop = registry.get("HKCU", path, "LastUsedTimeStop")
    return isinstance(start, int) and start != 0 and stop == 0


def _app_name(key_name: str, packaged: bool) -> str:
    if packaged:  # "Microsoft.WindowsCamera_8wekyb3d8bbwe"
        return key_name.split("_", 1)[0]
    return key_name.rsplit("#", 1)[-1]  # "C:#Program Files#Zoom#bin#Zoom.exe"


def apps_in_use(capability: str, registry: Registry | None = None) -> list[str]:
    """Apps using ``capability`` ("microphone" or "webcam"), packaged ones first."""
    registry = registry or WindowsRegistry()
    root = f"{CONSENT_ROOT}\\{capability}"
    apps = [
        _app_name(name, packaged=True)
        for name in registry.subkeys("HKCU", root)
        if name != "NonPackaged" and _in_use(registry, f"{root}\\{name}")
    ]
    desktop = f"{root}\\NonPackaged"
    apps += [
        _app_name(name, packaged=False)
        for name in registry.subkeys("HKCU", desktop)
        if _in_use(registry, f"{desktop}\\{name}")
    ]
    return apps

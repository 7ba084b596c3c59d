r"""The registry users and OS readers against the real Windows APIs (the Wine lane only).

Under Wine these calls are the real thing: a registry (the lane's throw-away prefix, never a
user's), ``GetLastInputInfo``, ``GetAdaptersAddresses``. Each test removes what it wrote.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import sys
from collections.abc import Iterator

import pytest

from agent.config.policy import WINDOWS_POLICY_KEY, WindowsPolicyReader
from agent.platform.windows.autostart import APPROVED_KEY, RUN_KEY, VALUE_NAME, RunKeyEntry
from agent.platform.windows.consent_store import CONSENT_ROOT, apps_in_use
from agent.platform.windows.registry import WindowsRegistry

pytestmark = pytest.mark.skipif(
    not (sys.platform == "win32" and os.environ.get("PA_WINE_PYTHON")),
    reason="writes HKLM/HKCU: only in the Wine lane's throw-away prefix, never a real user's",
)


def _delete_tree(hive: str, key: str) -> None:
    import winreg

    root = {"HKCU": winreg.HKEY_CURRENT_USER, "HKLM": winreg.HKEY_LOCAL_MACHINE}[hive]
    try:
        handle = winreg.OpenKey(root, key, 0, winreg.KEY_ALL_ACCESS)
    except FileNotFoundError:
        return
    with handle:
        names = [winreg.EnumKey(handle, i) for i in range(winreg.QueryInfoKey(handle)[0])]
    for name in names:
        _delete_tree(hive, f"{key}\\{name}")
    winreg.DeleteKey(root, key)


@pytest.fixture
def registry() -> Iterator[WindowsRegistry]:
    real = WindowsRegistry()
    yield real
    for hive in ("HKCU", "HKLM"):
        _delete_tree(hive, WINDOWS_POLICY_KEY)
        real.delete(hive, RUN_KEY, VALUE_NAME)
        real.delete(hive, APPROVED_KEY, VALUE_NAME)
    _delete_tree("HKCU", CONSENT_ROOT)


def test_policy_hklm_wins_recommended_subkey_and_dword_booleans(
    registry: WindowsRegistry,
) -> None:
    registry.set("HKCU", WINDOWS_POLICY_KEY, "IdleAwayAfter", "3m")
    registry.set("HKCU", WINDOWS_POLICY_KEY, "LogLevel", "debug")
    registry.set("HKLM", WINDOWS_POLICY_KEY, "IdleAwayAfter", "15m")
    registry.set("HKLM", WINDOWS_POLICY_KEY, "LockSettings", 1)  # REG_DWORD, as GPO writes it
    registry.set("HKLM", WINDOWS_POLICY_KEY, "HiddenMenuItems", ["quit", "pause"])
    registry.set("HKLM", WINDOWS_POLICY_KEY, "Bogus", "x")
    registry.set("HKLM", WINDOWS_POLICY_KEY + "\\Recommended", "AutoStart", "always")
    registry.set("HKLM", WINDOWS_POLICY_KEY + "\\Recommended", "Notifications", 0)
    data = WindowsPolicyReader().read()  # the default: the real registry
    assert data.enforced == {
        "IdleAwayAfter": 900.0,
        "LogLevel": "debug",
        "LockSettings": True,
        "HiddenMenuItems": ["quit", "pause"],
    }
    assert data.recommended == {"AutoStart": "always", "Notifications": False}
    assert any("HKLM\\" in p and "Bogus: unknown policy key" in p for p in data.problems)


def test_run_key_autostart_with_a_machine_entry(registry: WindowsRegistry) -> None:
    entry = RunKeyEntry()
    assert not entry.is_enabled()
    entry.enable([r"C:\Program Files\Presence Agent\presence-agent.exe", "run"])
    assert registry.get("HKCU", RUN_KEY, VALUE_NAME) == (
        '"C:\\Program Files\\Presence Agent\\presence-agent.exe" run'
    )
    entry.disable()
    assert not entry.is_enabled() and registry.get("HKCU", RUN_KEY, VALUE_NAME) is None
    registry.set("HKLM", RUN_KEY, VALUE_NAME, "presence-agent.exe run --autostart")  # the MSI's
    assert entry.is_enabled()
    entry.disable()  # the user's switch: Task Manager's StartupApproved flag
    assert registry.get("HKCU", APPROVED_KEY, VALUE_NAME)[:1] == b"\x03"
    assert not entry.is_enabled()
    entry.enable(["presence-agent.exe", "run"])
    assert entry.is_enabled() and registry.get("HKCU", RUN_KEY, VALUE_NAME) is None


def test_consent_store_on_the_real_registry(registry: WindowsRegistry) -> None:
    mic = CONSENT_ROOT + "\\microphone"
    registry.set("HKCU", mic + "\\NonPackaged\\C:#Zoom#bin#Zoom.exe", "LastUsedTimeStart", 5)
    registry.set("HKCU", mic + "\\NonPackaged\\C:#Zoom#bin#Zoom.exe", "LastUsedTimeStop", 0)
    assert apps_in_use("microphone") == ["Zoom.exe"]
    assert apps_in_use("webcam") == []


def test_idle_time_from_get_last_input_info() -> None:
    from agent.platform.windows.idle import WindowsIdle

    async def read() -> float:
        source = await WindowsIdle.open()
        return await source.idle_seconds()

    seconds = asyncio.run(read())
    assert 0 <= seconds < 7 * 86400  # since the prefix's session started


def test_network_view_from_get_adapters_addresses() -> None:
    from agent.platform.windows.net import WindowsNetReader

    view = WindowsNetReader().read()
    addresses = [a.ip for i in view.interfaces for a in i.addresses]
    assert addresses, view
    assert all(isinstance(a, ipaddress.IPv4Address | ipaddress.IPv6Address) for a in addresses)

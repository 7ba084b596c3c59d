r"""The registry wrapper against the real registry of the lane's throw-away Wine prefix.

Each test works under its own ``HKCU\Software\PresenceAgentTests\<n>`` key and deletes it;
the same calls against :class:`FakeRegistry` keep the fake honest.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator

import pytest

from agent.platform.windows.registry import Registry, WindowsRegistry
from tests.platform.windows.fake_registry import FakeRegistry

TEST_ROOT = r"Software\PresenceAgentTests"
_numbers = itertools.count()


def _delete_tree(key: str) -> None:
    import winreg

    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key, 0, winreg.KEY_ALL_ACCESS) as handle:
        for name in [winreg.EnumKey(handle, i) for i in range(winreg.QueryInfoKey(handle)[0])]:
            _delete_tree(f"{key}\\{name}")
    winreg.DeleteKey(winreg.HKEY_CURRENT_USER, key)


@pytest.fixture(params=["fake", "windows"])
def registry(request: pytest.FixtureRequest) -> Iterator[tuple[Registry, str]]:
    key = f"{TEST_ROOT}\\{next(_numbers)}"
    if request.param == "fake":
        yield FakeRegistry(), key
        return
    if sys.platform != "win32":
        pytest.skip("the real registry: Windows (the Wine lane) only")
    yield WindowsRegistry(), key
    _delete_tree(TEST_ROOT)


def test_values_round_trip_with_their_types(registry: tuple[Registry, str]) -> None:
    reg, key = registry
    assert reg.values("HKCU", key) is None and reg.get("HKCU", key, "x") is None
    reg.set("HKCU", key, "Text", "C:\\Program Files\\x.exe run")
    reg.set("HKCU", key, "Flag", 1)
    reg.set("HKCU", key, "Blob", b"\x03" + bytes(11))
    reg.set("HKCU", key, "List", ["quit", "pause"])
    assert reg.values("HKCU", key) == {
        "Text": "C:\\Program Files\\x.exe run",
        "Flag": 1,
        "Blob": b"\x03" + bytes(11),
        "List": ["quit", "pause"],
    }
    reg.delete("HKCU", key, "Flag")
    reg.delete("HKCU", key, "Flag")  # already gone: nothing happens
    assert reg.get("HKCU", key, "Flag") is None


def test_subkeys_and_case_insensitive_keys(registry: tuple[Registry, str]) -> None:
    reg, key = registry
    reg.set("HKCU", key + "\\Alpha", "v", 1)
    reg.set("HKCU", key + "\\beta\\deeper", "v", 2)
    assert sorted(reg.subkeys("HKCU", key)) == ["Alpha", "beta"]
    assert reg.get("HKCU", key.upper() + "\\ALPHA", "v") == 1
    assert reg.subkeys("HKCU", key + "\\missing") == []

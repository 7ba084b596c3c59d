"""NetworkManager Wi-Fi over a private system bus with python-dbusmock's template."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from agent.platform.linux.networkmanager import NetworkManagerUnavailable, NetworkManagerWifi
from agent.platform.network_view import WifiLink
from tests.support import until

pytestmark = pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="needs dbus-daemon")

DEVICE_ACTIVATED = 100
ACTIVE_ACTIVATED = 2
AP_MODE_INFRA = 2
SECURITY_WPA_PSK = 0x100


@pytest.fixture
def system_bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from dbusmock.testcase import BusType, PrivateDBus

    # PrivateDBus sets DBUS_SYSTEM_BUS_ADDRESS and never restores it: monkeypatch does.
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", os.environ.get("DBUS_SYSTEM_BUS_ADDRESS", ""))
    with PrivateDBus(BusType.SYSTEM) as bus:
        yield bus


@pytest.fixture
def nm(system_bus: Any) -> Iterator[Any]:
    import dbus
    from dbusmock import MOCK_IFACE
    from dbusmock.testcase import DBusTestCase

    process, manager = DBusTestCase.spawn_server_template("networkmanager", {}, system_bus=True)
    try:
        yield dbus.Interface(manager, MOCK_IFACE)
    finally:
        process.terminate()
        process.wait(5)


def connect(mock: Any, device: str, ssid: str, bssid: str, name: str = "0") -> tuple[str, str]:
    """Associate a Wi-Fi device with an access point, as NetworkManager shows it."""
    ap = mock.AddAccessPoint(
        device, f"ap{name}", ssid, bssid, AP_MODE_INFRA, 2412, 54000, 80, SECURITY_WPA_PSK
    )
    connection = mock.AddWiFiConnection(device, f"conn{name}", ssid, "wpa-psk")
    active = mock.AddActiveConnection([device], connection, ap, f"active{name}", ACTIVE_ACTIVATED)
    return ap, active


def test_reads_the_active_access_point_and_follows_changes(nm: Any):
    wlan = nm.AddWiFiDevice("wlan0", "wlp2s0", DEVICE_ACTIVATED)
    assert wlan.endswith("/wlan0")

    async def scenario() -> None:
        changes: list[int] = []
        wifi = NetworkManagerWifi()
        await wifi.start(lambda: changes.append(1))
        try:
            assert await wifi.read() == ()
            await asyncio.to_thread(connect, nm, wlan, "CorpNet", "AA:BB:CC:00:00:03")
            await until(lambda: changes)
            assert await wifi.read() == (WifiLink("wlp2s0", "CorpNet", "AA:BB:CC:00:00:03"),)
            changes.clear()
            await asyncio.to_thread(
                nm.RemoveActiveConnection,
                wlan,
                "/org/freedesktop/NetworkManager/ActiveConnection/active0",
            )
            await until(lambda: changes)
            assert await wifi.read() == ()
        finally:
            await wifi.stop()

    asyncio.run(scenario())


def test_ethernet_connections_are_not_wifi(nm: Any):
    async def scenario() -> None:
        wifi = NetworkManagerWifi()
        await wifi.start(lambda: None)
        try:
            assert await wifi.read() == ()
        finally:
            await wifi.stop()

    nm.AddEthernetDevice("eth0", "enp0s31f6", DEVICE_ACTIVATED)
    asyncio.run(scenario())


def test_without_networkmanager_on_the_bus(system_bus: Any):
    async def scenario() -> None:
        with pytest.raises(NetworkManagerUnavailable, match="not running"):
            await NetworkManagerWifi().start(lambda: None)

    asyncio.run(scenario())


def test_without_a_system_bus(monkeypatch: pytest.MonkeyPatch, tmp_path: Any):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/nothing")

    async def scenario() -> None:
        with pytest.raises(NetworkManagerUnavailable, match="no system bus"):
            await NetworkManagerWifi().start(lambda: None)

    asyncio.run(scenario())


def test_detector_matches_the_bssid_networkmanager_reports(nm: Any):
    from agent.config.schema import Config, LocationEntry
    from agent.core.model import Location
    from agent.core.signals import LocationObserved, Observation
    from agent.detectors.location import LocationDetector
    from agent.platform.network_view import NetworkView

    class NoAddresses:
        source = "none"

        def read(self) -> NetworkView:
            return NetworkView()

    entries = (
        LocationEntry(id="hq", type="building", ssid=("CorpNet",)),
        LocationEntry(id="hq-3", type="level", parent="hq", bssid=("aa:bb:cc:00:00:03",)),
    )
    wlan = nm.AddWiFiDevice("wlan0", "wlp2s0", DEVICE_ACTIVATED)

    async def scenario() -> None:
        seen: list[Observation] = []
        detector = LocationDetector(
            Config(locations=entries), NoAddresses(), wifi=NetworkManagerWifi(), settle=0.01
        )
        await detector.start(seen.append)
        try:
            await asyncio.to_thread(connect, nm, wlan, "CorpNet", "AA:BB:CC:00:00:03")
            await until(lambda: len(seen) == 2)
            assert seen == [
                LocationObserved(None, source="no match"),
                LocationObserved(Location("hq-3", "level", "hq-3"), source="bssid"),
            ]
            await asyncio.to_thread(connect, nm, wlan, "CorpNet", "AA:BB:CC:00:00:77", "1")
            await asyncio.to_thread(
                nm.RemoveActiveConnection,
                wlan,
                "/org/freedesktop/NetworkManager/ActiveConnection/active0",
            )
            await until(lambda: len(seen) == 3)
            assert seen[2] == LocationObserved(Location("hq", "building", "hq"), source="ssid")
        finally:
            await detector.stop()

    asyncio.run(scenario())

"""The Windows reader with injected IP Helper and WLAN answers."""

from __future__ import annotations

import ipaddress

import pytest

from agent.config.locations import compile_locations
from agent.config.schema import LocationEntry
from agent.detectors.location_match import match_location
from agent.platform.network_view import Gateway
from agent.platform.windows.iphelper import (
    Adapter,
    Neighbor,
    WlanConnection,
    _raw_sockaddr_ip,
    register_address_changes,
)
from agent.platform.windows.net import LOCATION_DENIED_NOTE, WindowsNetReader

WIFI_GUID = "{4D36E972-E325-11CE-BFC1-08002BE10318}"


class FakeApi:
    def __init__(self, wlan: list[WlanConnection]) -> None:
        self._wlan = wlan

    def adapters(self) -> list[Adapter]:
        return [
            Adapter(
                guid=WIFI_GUID,
                name="Wi-Fi",
                description="Intel(R) Wi-Fi 6E AX211 160MHz",
                if_type=71,
                index=12,
                index6=12,
                addresses=("10.1.2.50/24", "fe80::5%12/64", "2001:db8:9:1::42/64"),
                gateways=("10.1.2.1", "fe80::1%12"),
                dns_suffix="hq.example.com",
            ),
            Adapter(
                guid="{B}",
                name="Corp VPN",
                description="WireGuard Tunnel",
                if_type=53,
                index=30,
                addresses=("10.9.7.3/24",),
                gateways=("10.9.7.1",),
                dns_suffix="vpn.example.com",
            ),
            Adapter(guid="{C}", name="Ethernet", up=False, addresses=("192.168.0.9/24",), index=4),
        ]

    def neighbors(self) -> list[Neighbor]:
        return [
            Neighbor(12, "10.1.2.1", "00-11-22-33-44-55"),
            Neighbor(12, "fe80::1", "00:11:22:33:44:56"),
            Neighbor(30, "10.9.7.1", "66:77:88:99:aa:bb"),
        ]

    def wlan(self) -> list[WlanConnection]:
        return self._wlan


def test_builds_the_view_from_adapters_neighbours_and_wlan():
    api = FakeApi([WlanConnection(WIFI_GUID.lower(), "CorpNet", "aa:bb:cc:00:00:03")])
    view = WindowsNetReader(api).read()
    assert [(i.name, i.vpn) for i in view.interfaces] == [("Wi-Fi", False), ("Corp VPN", True)]
    assert [str(a) for a in view.interfaces[0].addresses] == [
        "10.1.2.50/24",
        "fe80::5/64",
        "2001:db8:9:1::42/64",
    ]
    assert view.gateways[:2] == (
        Gateway("Wi-Fi", ipaddress.ip_address("10.1.2.1"), "00:11:22:33:44:55"),
        Gateway("Wi-Fi", ipaddress.ip_address("fe80::1"), "00:11:22:33:44:56"),
    )
    assert view.dns_suffixes == ("hq.example.com",)  # not the VPN's
    assert [(w.interface, w.ssid, w.bssid) for w in view.wifi] == [
        ("Wi-Fi", "CorpNet", "aa:bb:cc:00:00:03")
    ]
    assert view.notes == ()


def test_vpn_adapters_do_not_match():
    rules, _ = compile_locations((LocationEntry(id="dc", gateway_mac=("66:77:88:99:aa:bb",)),))
    view = WindowsNetReader(FakeApi([])).read()
    assert match_location(view, rules) is None


def test_hidden_wifi_without_location_permission_falls_back():
    entries = (
        LocationEntry(id="hq-3", bssid=("aa:bb:cc:00:00:03",)),
        LocationEntry(id="hq", dns_suffix=("hq.example.com",)),
    )
    rules, _ = compile_locations(entries)
    view = WindowsNetReader(FakeApi([WlanConnection(WIFI_GUID, denied=True)])).read()
    assert view.wifi == ()
    assert view.notes == (LOCATION_DENIED_NOTE,)
    match = match_location(view, rules)
    assert match is not None and (match.location.id, match.matcher) == ("hq", "dns_suffix")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (bytes([2, 0, 0, 0, 10, 1, 2, 1]) + bytes(8), "10.1.2.1"),
        (
            bytes([23, 0]) + bytes(6) + bytes.fromhex("fe80" + "00" * 13 + "01") + bytes(4),
            "fe80::1",
        ),
        (bytes([17, 0]) + bytes(14), None),
    ],
)
def test_socket_addresses(raw: bytes, expected: str | None):
    assert _raw_sockaddr_ip(raw) == expected


@pytest.mark.linux_only
def test_change_notifications_need_windows():
    with pytest.raises(OSError, match="only on Windows"):
        register_address_changes(lambda: None)

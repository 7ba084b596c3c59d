"""The macOS reader with injected SCDynamicStore, arp/ndp and CoreWLAN answers."""

from __future__ import annotations

import ipaddress
import socket
from types import SimpleNamespace
from typing import Any

from agent.platform.macos.net import LOCATION_DENIED_NOTE, MacNetReader, MacWifi
from agent.platform.network_view import Gateway

STORE = {
    "State:/Network/Global/IPv4": {"PrimaryInterface": "en0", "Router": "192.168.1.1"},
    "State:/Network/Global/IPv6": {"PrimaryInterface": "en0", "Router": "fe80::1%en0"},
    "State:/Network/Global/DNS": {
        "SearchDomains": ["eng.hq.example.com", "hq.example.com"],
        "DomainName": "hq.example.com",
    },
}
OUTPUTS = {
    "arp -n 192.168.1.1": "? (192.168.1.1) at 0:11:22:3:44:55 on en0 ifscope [ethernet]\n",
    "ndp -an": (
        "Neighbor                        Linklayer Address  Netif Expire    St Flgs Prbs\n"
        "fe80::1%en0                     0:11:22:3:44:56    en0 23h59m58s S  R\n"
        "fe80::1%en5                     0:11:22:3:44:99    en5 23h59m58s S  R\n"
    ),
}
ADDRS = {
    "en0": [
        SimpleNamespace(family=socket.AF_INET, address="192.168.1.20", netmask="255.255.255.0")
    ],
    "utun3": [SimpleNamespace(family=socket.AF_INET, address="10.9.7.3", netmask="255.255.255.0")],
}


def reader(wifi: list[MacWifi], store: dict[str, Any] | None = None) -> MacNetReader:
    values = STORE if store is None else store
    return MacNetReader(
        addresses=lambda: ADDRS,
        interfaces_up=lambda: {"en0", "utun3"},
        store_value=values.get,
        run=lambda argv: OUTPUTS.get(" ".join(argv), ""),
        wifi=lambda: wifi,
    )


def test_builds_the_view():
    view = reader([MacWifi("en0", True, "CorpNet", "aa:bb:cc:0:0:3")]).read()
    assert [i.name for i in view.interfaces] == ["en0", "utun3"]
    assert view.gateways == (
        Gateway("en0", ipaddress.ip_address("192.168.1.1"), "00:11:22:03:44:55"),
        Gateway("en0", ipaddress.ip_address("fe80::1"), "00:11:22:03:44:56"),
    )
    assert view.dns_suffixes == ("eng.hq.example.com", "hq.example.com")
    assert [(w.interface, w.ssid, w.bssid) for w in view.wifi] == [
        ("en0", "CorpNet", "aa:bb:cc:0:0:3")
    ]
    assert view.notes == ()


def test_hidden_ssid_without_location_services_is_a_note():
    view = reader([MacWifi("en0", True, None, None)]).read()
    assert view.wifi == ()
    assert view.notes == (LOCATION_DENIED_NOTE,)


def test_wifi_that_is_off_or_not_associated_is_not_a_note():
    view = reader([MacWifi("en0", False, None, None)]).read()
    assert (view.wifi, view.notes) == ((), ())


def test_no_router_no_dns():
    view = reader([], store={}).read()
    assert (view.gateways, view.dns_suffixes) == ((), ())

"""The Windows network view, built from IP Helper and WLAN values.

:class:`WindowsNetReader` turns plain values into a :class:`NetworkView`; the OS
calls sit behind :class:`WindowsNetApi` (:mod:`.iphelper` on Windows) so the logic
is tested with injected data.

Windows 11 24H2 answers ``WlanQueryInterface`` with ``ERROR_ACCESS_DENIED`` unless
the user lets desktop apps use location: the reader then says so in a note and
the other matchers carry on.
"""

from __future__ import annotations

import ipaddress
from typing import Protocol

from agent.platform.network_view import (
    Gateway,
    InterfaceAddresses,
    NetworkView,
    WifiLink,
    normalize_mac,
)
from agent.platform.network_watch import CallbackWatcher
from agent.platform.windows.iphelper import (
    Adapter,
    IpHelperApi,
    Neighbor,
    WlanConnection,
    register_address_changes,
)

LOCATION_DENIED_NOTE = (
    "Windows hides the Wi-Fi name and access point until location access is allowed "
    "(Settings > Privacy & security > Location > Let desktop apps access your location); "
    "matching on addresses, gateway and DNS suffix meanwhile"
)

# IF_TYPE values (ipifcons.h) of tunnels, and adapter descriptions of common VPN drivers.
_VPN_IF_TYPES = frozenset({23, 131, 53})  # PPP, TUNNEL, PROP_VIRTUAL
_VPN_DESCRIPTIONS = ("tap-windows", "wireguard", "wintun", "vpn", "anyconnect", "fortinet")


class WindowsNetApi(Protocol):
    def adapters(self) -> list[Adapter]: ...

    def neighbors(self) -> list[Neighbor]: ...

    def wlan(self) -> list[WlanConnection]: ...


class WindowsNetReader:
    """Builds the network view from IP Helper and WLAN; blocking, run it off the loop."""

    source = "windows-iphlpapi"

    def __init__(self, api: WindowsNetApi | None = None) -> None:
        self._api = api

    def read(self) -> NetworkView:
        api = self._api or IpHelperApi()
        adapters = [a for a in api.adapters() if a.up]
        macs = {(n.index, _canonical(n.address)): n.mac for n in api.neighbors()}
        interfaces, gateways, suffixes = [], [], []
        for adapter in adapters:
            vpn = _is_vpn(adapter)
            interfaces.append(
                InterfaceAddresses(
                    adapter.name, tuple(_unscoped_interface(a) for a in adapter.addresses), vpn
                )
            )
            for text in adapter.gateways:
                address = ipaddress.ip_address(text.split("%", 1)[0])
                index = adapter.index if address.version == 4 else adapter.index6
                mac = macs.get((index, str(address)))
                gateways.append(Gateway(adapter.name, address, normalize_mac(mac) if mac else None))
            if adapter.dns_suffix and not vpn:
                suffixes.append(adapter.dns_suffix)
        names = {a.guid.lower(): a.name for a in adapters}
        links, notes = [], []
        for connection in api.wlan():
            if connection.denied:
                notes.append(LOCATION_DENIED_NOTE)
                continue
            name = names.get(connection.guid.lower(), connection.guid)
            links.append(WifiLink(name, connection.ssid, connection.bssid))
        return NetworkView(
            interfaces=tuple(interfaces),
            gateways=tuple(gateways),
            dns_suffixes=tuple(suffixes),
            wifi=tuple(links),
            notes=tuple(dict.fromkeys(notes)),
        )


def _unscoped_interface(text: str) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    """``fe80::5%12/64`` -> ``fe80::5/64``: the zone index means nothing to matching."""
    address, _, prefix = text.partition("/")
    unscoped = address.split("%", 1)[0]
    return ipaddress.ip_interface(f"{unscoped}/{prefix}" if prefix else unscoped)


def _canonical(address: str) -> str:
    return str(ipaddress.ip_address(address.split("%", 1)[0]))


def _is_vpn(adapter: Adapter) -> bool:
    description = adapter.description.lower()
    return adapter.if_type in _VPN_IF_TYPES or any(d in description for d in _VPN_DESCRIPTIONS)


class AddressChangeWatcher(CallbackWatcher):
    """Address, link and Wi-Fi roaming changes, from IP Helper and WLAN notifications."""

    def __init__(self) -> None:
        super().__init__("windows-notify", register_address_changes)

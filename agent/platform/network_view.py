"""What the machine sees of its networks: the plain values every OS's reader returns.

The platform readers (``linux/net.py``, ``windows/net.py``, ``macos/net.py``) build a
:class:`NetworkView`; the location detector matches it against the configured places.
The types live here, in the platform layer, so that no OS module imports upwards.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Interface name prefixes of tunnels: OpenVPN/WireGuard/macOS utun and ipsec/PPP/TAP.
VPN_PREFIXES = ("tun", "wg", "utun", "ppp", "tap", "ipsec")

_MAC_SEPARATED = re.compile(r"^[0-9a-f]{1,2}([:-])[0-9a-f]{1,2}(\1[0-9a-f]{1,2}){4}$")
_MAC_PLAIN = re.compile(r"^[0-9a-f]{12}$")
_MAC_DOTTED = re.compile(r"^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$")


def is_vpn_interface(name: str) -> bool:
    """Whether an interface name is a tunnel's (``tun0``, ``wg0``, ``utun3``, ``ppp0``...)."""
    return name.lower().startswith(VPN_PREFIXES)


def normalize_mac(text: str) -> str | None:
    """``aa:bb:cc:dd:ee:ff`` for any common MAC spelling, ``None`` if it is not one.

    macOS prints octets without leading zeros (``0:1b:2:...``); Windows uses dashes;
    Cisco gear dotted quads.
    """
    value = text.strip().lower()
    if _MAC_SEPARATED.match(value):
        octets = re.split("[:-]", value)
    elif _MAC_PLAIN.match(value) or _MAC_DOTTED.match(value):
        plain = value.replace(".", "")
        octets = [plain[i : i + 2] for i in range(0, 12, 2)]
    else:
        return None
    return ":".join(octet.zfill(2) for octet in octets)


def normalize_domain(text: str) -> str:
    """A DNS name compared case-insensitively and without the root dot."""
    return text.strip().strip(".").lower()


@dataclass(frozen=True)
class InterfaceAddresses:
    """The addresses of one interface; ``vpn`` marks tunnels the reader recognised."""

    name: str
    addresses: tuple[IPInterface, ...] = ()
    vpn: bool = False


def interfaces_from_psutil(
    table: Mapping[str, Sequence[Any]], up: set[str]
) -> tuple[InterfaceAddresses, ...]:
    """``psutil.net_if_addrs()`` as addresses with prefixes, for the interfaces that are up.

    A down link's static address is stale, so it does not count.
    """
    result = []
    for name, entries in table.items():
        if name in up:
            addresses = [a for e in entries if (a := _snic_interface(e)) is not None]
            result.append(InterfaceAddresses(name, tuple(addresses)))
    return tuple(result)


def _snic_interface(entry: Any) -> IPInterface | None:
    if entry.family not in (socket.AF_INET, socket.AF_INET6) or not entry.netmask:
        return None
    address = str(entry.address).split("%", 1)[0]  # fe80::1%eth0: drop the scope
    try:
        prefix = bin(int(ipaddress.ip_address(entry.netmask))).count("1")
        return ipaddress.ip_interface(f"{address}/{prefix}")
    except ValueError:
        return None


@dataclass(frozen=True)
class Gateway:
    """A default gateway and (when the neighbour table knows it) its MAC address."""

    interface: str
    address: IPAddress
    mac: str | None = None


@dataclass(frozen=True)
class WifiLink:
    """The access point an interface is associated with; parts may be hidden (``None``)."""

    interface: str
    ssid: str | None = None
    bssid: str | None = None


@dataclass(frozen=True)
class NetworkView:
    """What the machine sees of its networks right now.

    ``notes`` carry what the reader could not see and why (e.g. the SSID is hidden
    without location permission), for ``doctor`` and the tray.
    """

    interfaces: tuple[InterfaceAddresses, ...] = ()
    gateways: tuple[Gateway, ...] = ()
    dns_suffixes: tuple[str, ...] = ()
    wifi: tuple[WifiLink, ...] = ()
    notes: tuple[str, ...] = ()

    def vpn_interfaces(self) -> frozenset[str]:
        """Interfaces that are tunnels: flagged by the reader or named like one."""
        names = [i.name for i in self.interfaces]
        names += [g.interface for g in self.gateways] + [w.interface for w in self.wifi]
        flagged = {i.name for i in self.interfaces if i.vpn}
        return frozenset(flagged | {name for name in names if is_vpn_interface(name)})

"""Which configured location a view of the network matches: pure, no I/O.

The most specific evidence wins: a Wi-Fi access point (BSSID), then the default
gateway's MAC together with the subnet, then the DNS suffix, then the SSID (last,
because a corporate SSID is the same in every office). No match means remote.
Addresses, gateways and Wi-Fi links on VPN interfaces never count, so that a VPN
into the office from home does not look like the office.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agent.config.schema import LocationEntry
from agent.core.model import Location

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Interface name prefixes of tunnels: OpenVPN/WireGuard/macOS utun and ipsec/PPP/TAP.
VPN_PREFIXES = ("tun", "wg", "utun", "ppp", "tap", "ipsec")

_MAC_SEPARATED = re.compile(r"^[0-9a-f]{1,2}([:-])[0-9a-f]{1,2}(\1[0-9a-f]{1,2}){4}$")
_MAC_PLAIN = re.compile(r"^[0-9a-f]{12}$")
_MAC_DOTTED = re.compile(r"^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$")
_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


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


@dataclass(frozen=True)
class LocationRule:
    """One configured location with its matchers parsed and normalised."""

    location: Location
    bssids: frozenset[str] = frozenset()
    gateway_macs: frozenset[str] = frozenset()
    subnets: tuple[IPNetwork, ...] = ()
    dns_suffixes: tuple[str, ...] = ()
    ssids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Match:
    """The location matched and by which matcher (``bssid``, ``gateway_mac+subnet``...)."""

    location: Location
    matcher: str


def compile_locations(
    entries: Sequence[LocationEntry],
) -> tuple[tuple[LocationRule, ...], list[tuple[str, str]]]:
    """The rules for ``entries`` and the problems found; bad values are left out of the rules."""
    rules: list[LocationRule] = []
    problems: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        key = f"locations[{index}]"
        if not entry.id.strip():
            problems.append((f"{key}.id", "a location needs a non-empty id"))
            continue
        if entry.id in seen:
            problems.append(
                (f"{key}.id", f"{entry.id!r} is already used by locations[{seen[entry.id]}]")
            )
            continue
        seen[entry.id] = index
        rules.append(_compile_entry(key, entry, problems))
    for index, entry in enumerate(entries):
        if entry.parent and entry.parent not in seen:
            problems.append(
                (f"locations[{index}].parent", f"{entry.parent!r} is not the id of a location")
            )
    return tuple(rules), problems


def validate_locations(entries: Sequence[LocationEntry]) -> list[tuple[str, str]]:
    """Problems in ``[[locations]]`` as (key path, message), for the config loader.

    E.g. ``("locations[2].subnet", "'10.0.0/33' is not a CIDR network")``.
    """
    return compile_locations(entries)[1]


def _compile_entry(key: str, entry: LocationEntry, problems: list[tuple[str, str]]) -> LocationRule:
    def each(name: str, values: Iterable[str]) -> Iterable[tuple[str, str]]:
        for value in values:
            yield f"{key}.{name}", value

    def macs(name: str, values: Iterable[str]) -> frozenset[str]:
        found = set()
        for path, value in each(name, values):
            mac = normalize_mac(value)
            if mac is None:
                problems.append((path, f"{value!r} is not a MAC address (like aa:bb:cc:dd:ee:ff)"))
            else:
                found.add(mac)
        return frozenset(found)

    bssids = macs("bssid", entry.bssid)
    gateway_macs = macs("gateway_mac", entry.gateway_mac)
    subnets: list[IPNetwork] = []
    for path, value in each("subnet", entry.subnet):
        try:
            subnets.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            problems.append((path, f"{value!r} is not a CIDR network (like 10.1.0.0/16)"))
    suffixes: list[str] = []
    for path, value in each("dns_suffix", entry.dns_suffix):
        domain = normalize_domain(value)
        if not domain or not all(_DNS_LABEL.match(label) for label in domain.split(".")):
            problems.append((path, f"{value!r} is not a DNS domain (like corp.example.com)"))
        else:
            suffixes.append(domain)
    ssids = set()
    for path, value in each("ssid", entry.ssid):
        if not value or len(value.encode("utf-8")) > 32:
            problems.append((path, f"{value!r} is not an SSID (1 to 32 bytes)"))
        else:
            ssids.add(value)
    return LocationRule(
        location=Location(entry.id, entry.type, entry.name or entry.id),
        bssids=bssids,
        gateway_macs=gateway_macs,
        subnets=tuple(subnets),
        dns_suffixes=tuple(suffixes),
        ssids=frozenset(ssids),
    )


def match_location(view: NetworkView, rules: Sequence[LocationRule]) -> Match | None:
    """The most specific match for ``view`` among ``rules``; ``None`` means remote.

    Within one kind of matcher a longer subnet prefix wins (a floor's /24 over the
    building's /16); otherwise the first entry in the file wins.
    """
    vpn = view.vpn_interfaces()
    addresses = [
        address
        for interface in view.interfaces
        if interface.name not in vpn
        for address in interface.addresses
        if not address.ip.is_loopback
    ]
    gateway_macs = {
        mac
        for g in view.gateways
        if g.interface not in vpn and g.mac and (mac := normalize_mac(g.mac))
    }
    links = [w for w in view.wifi if w.interface not in vpn]
    bssids = {mac for w in links if w.bssid and (mac := normalize_mac(w.bssid))}
    ssids = {w.ssid for w in links if w.ssid}
    suffixes = [normalize_domain(s) for s in view.dns_suffixes if normalize_domain(s)]

    def subnet_strength(rule: LocationRule) -> int:
        """The longest configured prefix that holds one of our addresses, -1 for none."""
        return max(
            (
                net.prefixlen
                for net in rule.subnets
                for address in addresses
                if address.version == net.version and address.ip in net
            ),
            default=-1,
        )

    def suffix_matches(rule: LocationRule) -> bool:
        return any(
            s == want or s.endswith("." + want) for s in suffixes for want in rule.dns_suffixes
        )

    tiers: list[tuple[str, list[tuple[int, LocationRule]]]] = [
        ("bssid", [(0, r) for r in rules if r.bssids & bssids]),
        (
            "gateway_mac+subnet",
            [
                (subnet_strength(r), r)
                for r in rules
                if r.gateway_macs & gateway_macs and r.subnets and subnet_strength(r) >= 0
            ],
        ),
        ("gateway_mac", [(0, r) for r in rules if not r.subnets and r.gateway_macs & gateway_macs]),
        (
            "subnet",
            [
                (subnet_strength(r), r)
                for r in rules
                if not r.gateway_macs and subnet_strength(r) >= 0
            ],
        ),
        ("dns_suffix", [(0, r) for r in rules if suffix_matches(r)]),
        ("ssid", [(0, r) for r in rules if r.ssids & ssids]),
    ]
    for matcher, candidates in tiers:
        if candidates:
            # max() keeps the first of equals: the earlier entry in the file wins a tie.
            best = max(candidates, key=lambda candidate: candidate[0])
            return Match(best[1].location, matcher)
    return None

"""The network matchers of ``[[locations]]``, parsed and normalised: pure, no I/O.

The config validator reports their problems with the entry's key; the location
detector matches the compiled rules against the network view.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agent.config.schema import LocationEntry
from agent.core.model import Location
from agent.platform.network_view import IPNetwork, normalize_domain, normalize_mac

_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class LocationRule:
    """One configured location with its matchers parsed and normalised."""

    location: Location
    bssids: frozenset[str] = frozenset()
    gateway_macs: frozenset[str] = frozenset()
    subnets: tuple[IPNetwork, ...] = ()
    dns_suffixes: tuple[str, ...] = ()
    ssids: frozenset[str] = frozenset()


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

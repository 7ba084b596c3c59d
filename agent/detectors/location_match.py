"""Which configured location a view of the network matches: pure, no I/O.

The most specific evidence wins: a Wi-Fi access point (BSSID), then the default
gateway's MAC together with the subnet, then the DNS suffix, then the SSID (last,
because a corporate SSID is the same in every office). No match means remote.
Addresses, gateways and Wi-Fi links on VPN interfaces never count, so that a VPN
into the office from home does not look like the office.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent.config.locations import LocationRule
from agent.core.model import Location
from agent.platform.network_view import NetworkView, normalize_domain, normalize_mac


@dataclass(frozen=True)
class Match:
    """The location matched and by which matcher (``bssid``, ``gateway_mac+subnet``...)."""

    location: Location
    matcher: str


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

from __future__ import annotations

import ipaddress

import pytest

from agent.config.locations import compile_locations, validate_locations
from agent.config.schema import LocationEntry
from agent.detectors.location_match import match_location
from agent.platform.network_view import (
    Gateway,
    InterfaceAddresses,
    NetworkView,
    WifiLink,
    is_vpn_interface,
    normalize_mac,
)

GW_MAC = "00:11:22:33:44:55"
AP_MAC = "aa:bb:cc:00:00:03"

ENTRIES = (
    LocationEntry(id="hq", type="building", name="HQ", dns_suffix=("hq.example.com",)),
    LocationEntry(id="hq-3", type="level", name="HQ level 3", parent="hq", bssid=(AP_MAC.upper(),)),
    LocationEntry(
        id="hq-2",
        type="level",
        name="HQ level 2",
        parent="hq",
        gateway_mac=("00-11-22-33-44-55",),
        subnet=("10.1.2.0/24",),
    ),
    LocationEntry(id="branch", subnet=("10.9.0.0/16", "2001:db8:9::/48")),
    LocationEntry(id="branch-lab", parent="branch", subnet=("10.9.7.0/24",)),
    LocationEntry(id="any-office", ssid=("CorpNet",)),
    LocationEntry(id="dc", gateway_mac=("66:77:88:99:aa:bb",)),
)


def rules():
    compiled, problems = compile_locations(ENTRIES)
    assert problems == []
    return compiled


def iface(name: str, *addresses: str, vpn: bool = False) -> InterfaceAddresses:
    return InterfaceAddresses(name, tuple(ipaddress.ip_interface(a) for a in addresses), vpn)


def matched(view: NetworkView) -> tuple[str, str] | None:
    match = match_location(view, rules())
    return (match.location.id, match.matcher) if match else None


def test_no_evidence_is_remote():
    assert matched(NetworkView(interfaces=(iface("eth0", "192.168.1.20/24"),))) is None


def test_bssid_beats_every_other_matcher():
    view = NetworkView(
        interfaces=(iface("wlan0", "10.1.2.50/24"),),
        gateways=(Gateway("wlan0", ipaddress.ip_address("10.1.2.1"), GW_MAC),),
        dns_suffixes=("hq.example.com",),
        wifi=(WifiLink("wlan0", "CorpNet", "AA:BB:CC:00:00:03"),),
    )
    assert matched(view) == ("hq-3", "bssid")


def test_gateway_mac_with_subnet_beats_dns_suffix_and_ssid():
    view = NetworkView(
        interfaces=(iface("eth0", "10.1.2.50/24"),),
        gateways=(Gateway("eth0", ipaddress.ip_address("10.1.2.1"), GW_MAC),),
        dns_suffixes=("hq.example.com",),
        wifi=(WifiLink("wlan0", "CorpNet", "aa:bb:cc:99:99:99"),),
    )
    assert matched(view) == ("hq-2", "gateway_mac+subnet")


def test_gateway_mac_and_subnet_are_needed_together():
    # Same private subnet at home, but another router: not the office.
    home = NetworkView(
        interfaces=(iface("eth0", "10.1.2.50/24"),),
        gateways=(Gateway("eth0", ipaddress.ip_address("10.1.2.1"), "de:ad:be:ef:00:01"),),
    )
    assert matched(home) is None
    wrong_subnet = NetworkView(
        interfaces=(iface("eth0", "10.1.3.50/24"),),
        gateways=(Gateway("eth0", ipaddress.ip_address("10.1.3.1"), GW_MAC),),
    )
    assert matched(wrong_subnet) is None


def test_gateway_mac_alone():
    view = NetworkView(
        interfaces=(iface("eth0", "172.16.0.5/24"),),
        gateways=(Gateway("eth0", ipaddress.ip_address("172.16.0.1"), "66:77:88:99:AA:BB"),),
    )
    assert matched(view) == ("dc", "gateway_mac")


def test_dns_suffix_beats_ssid_and_matches_subdomains():
    view = NetworkView(
        interfaces=(iface("wlan0", "192.168.5.5/24"),),
        dns_suffixes=("Eng.HQ.Example.com.",),
        wifi=(WifiLink("wlan0", "CorpNet", None),),
    )
    assert matched(view) == ("hq", "dns_suffix")
    not_a_subdomain = NetworkView(dns_suffixes=("nothq.example.com",))
    assert matched(not_a_subdomain) is None


def test_ssid_is_the_last_resort():
    view = NetworkView(wifi=(WifiLink("wlan0", "CorpNet", "aa:bb:cc:99:99:99"),))
    assert matched(view) == ("any-office", "ssid")


def test_longest_subnet_prefix_wins():
    assert matched(NetworkView(interfaces=(iface("eth0", "10.9.7.3/24"),))) == (
        "branch-lab",
        "subnet",
    )
    assert matched(NetworkView(interfaces=(iface("eth0", "10.9.8.3/24"),))) == ("branch", "subnet")


def test_ipv6_subnet():
    view = NetworkView(interfaces=(iface("eth0", "fe80::1/64", "2001:db8:9:1::42/64"),))
    assert matched(view) == ("branch", "subnet")
    assert matched(NetworkView(interfaces=(iface("eth0", "2001:db8:8::1/64"),))) is None


@pytest.mark.parametrize("name", ["tun0", "wg0", "utun3", "ppp0", "tap1"])
def test_vpn_interfaces_are_ignored(name: str):
    assert is_vpn_interface(name)
    view = NetworkView(
        interfaces=(iface("eth0", "192.168.1.20/24"), iface(name, "10.9.7.3/24")),
        gateways=(Gateway(name, ipaddress.ip_address("10.9.7.1"), "66:77:88:99:aa:bb"),),
        wifi=(WifiLink(name, "CorpNet", AP_MAC),),
    )
    assert matched(view) is None


def test_reader_flagged_vpn_is_ignored():
    # Windows names adapters freely ("Corp VPN"); its reader flags them by adapter type.
    view = NetworkView(interfaces=(iface("Corp VPN", "10.9.7.3/24", vpn=True),))
    assert matched(view) is None
    assert not is_vpn_interface("eth0")


def test_loopback_never_matches():
    entries = (LocationEntry(id="silly", subnet=("127.0.0.0/8",)),)
    compiled, _ = compile_locations(entries)
    assert match_location(NetworkView(interfaces=(iface("lo", "127.0.0.1/8"),)), compiled) is None


def test_first_entry_wins_a_tie():
    entries = (LocationEntry(id="a", ssid=("X",)), LocationEntry(id="b", ssid=("X",)))
    compiled, _ = compile_locations(entries)
    match = match_location(NetworkView(wifi=(WifiLink("wlan0", "X", None),)), compiled)
    assert match is not None and match.location.id == "a"


def test_location_carries_id_type_and_name():
    view = NetworkView(wifi=(WifiLink("wlan0", None, AP_MAC),))
    match = match_location(view, rules())
    assert match is not None
    assert (match.location.id, match.location.type, match.location.name) == (
        "hq-3",
        "level",
        "HQ level 3",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff"),
        ("aa-bb-cc-dd-ee-ff", "aa:bb:cc:dd:ee:ff"),
        ("0:1b:2:3:4:5", "00:1b:02:03:04:05"),
        ("aabbccddeeff", "aa:bb:cc:dd:ee:ff"),
        ("aabb.ccdd.eeff", "aa:bb:cc:dd:ee:ff"),
        ("aa:bb:cc:dd:ee", None),
        ("aa:bb-cc:dd:ee:ff", None),
        ("gg:bb:cc:dd:ee:ff", None),
    ],
)
def test_normalize_mac(text: str, expected: str | None):
    assert normalize_mac(text) == expected


def test_malformed_matchers_name_the_entry_and_key():
    entries = (
        LocationEntry(id="ok", subnet=("10.0.0.0/8",)),
        LocationEntry(id="hq", bssid=("aa:bb:cc",), gateway_mac=("not-a-mac",)),
        LocationEntry(id="lab", subnet=("10.0.0/33", "2001:db8::/129"), parent="nowhere"),
        LocationEntry(id="x", dns_suffix=("bad_domain!.com",), ssid=("", "y" * 33)),
        LocationEntry(id="ok"),
        LocationEntry(id=" "),
    )
    problems = validate_locations(entries)
    assert problems == [
        ("locations[1].bssid", "'aa:bb:cc' is not a MAC address (like aa:bb:cc:dd:ee:ff)"),
        ("locations[1].gateway_mac", "'not-a-mac' is not a MAC address (like aa:bb:cc:dd:ee:ff)"),
        ("locations[2].subnet", "'10.0.0/33' is not a CIDR network (like 10.1.0.0/16)"),
        ("locations[2].subnet", "'2001:db8::/129' is not a CIDR network (like 10.1.0.0/16)"),
        (
            "locations[3].dns_suffix",
            "'bad_domain!.com' is not a DNS domain (like corp.example.com)",
        ),
        ("locations[3].ssid", "'' is not an SSID (1 to 32 bytes)"),
        ("locations[3].ssid", f"'{'y' * 33}' is not an SSID (1 to 32 bytes)"),
        ("locations[4].id", "'ok' is already used by locations[0]"),
        ("locations[5].id", "a location needs a non-empty id"),
        ("locations[2].parent", "'nowhere' is not the id of a location"),
    ]


def test_bad_values_are_left_out_but_good_ones_still_match():
    entries = (LocationEntry(id="lab", subnet=("10.0.0/33", "10.5.0.0/16")),)
    compiled, problems = compile_locations(entries)
    assert len(problems) == 1
    view = NetworkView(interfaces=(iface("eth0", "10.5.1.1/24"),))
    match = match_location(view, compiled)
    assert match is not None and match.location.id == "lab"


def test_valid_configuration_has_no_problems():
    assert validate_locations(ENTRIES) == []

"""The Linux network view: addresses, default gateways and their MACs, DNS search domains.

Everything is read from ``/proc`` and ``/etc`` below an injectable root, so tests can
hand in their own files; addresses come from psutil. :class:`RouteWatcher` listens
on an rtnetlink socket so the agent re-checks when links, addresses or routes change
instead of polling.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from agent.platform.network_view import (
    Gateway,
    InterfaceAddresses,
    NetworkView,
    interfaces_from_psutil,
    normalize_mac,
)

log = logging.getLogger(__name__)

_RTF_UP = 0x1
_RTF_GATEWAY = 0x2
_ATF_COM = 0x2  # the ARP entry is complete (has a MAC)

# rtnetlink multicast groups (linux/rtnetlink.h): links, IPv4/IPv6 addresses, routes.
_RTMGRP_LINK = 0x1
_RTMGRP_IPV4_IFADDR = 0x10
_RTMGRP_IPV4_ROUTE = 0x40
_RTMGRP_IPV6_IFADDR = 0x100
_RTMGRP_IPV6_ROUTE = 0x400
_NETLINK_ROUTE = 0

AddressTable = Mapping[str, Sequence[Any]]  # psutil.net_if_addrs() shape


def _psutil_addrs() -> AddressTable:
    import psutil

    table: AddressTable = psutil.net_if_addrs()
    return table


def _psutil_up() -> set[str]:
    import psutil

    return {name for name, stats in psutil.net_if_stats().items() if stats.isup}


def _ip_neigh6() -> str:
    """``ip -6 neigh show``: Linux has no /proc file for the IPv6 neighbour table."""
    try:
        done = subprocess.run(
            ["ip", "-6", "neigh", "show"], capture_output=True, text=True, timeout=2.0, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout


class LinuxNetReader:
    """Reads the network view; blocking (files and one ``ip`` call), run it off the loop."""

    source = "linux-proc"

    def __init__(
        self,
        root: Path = Path("/"),
        addresses: Callable[[], AddressTable] = _psutil_addrs,
        interfaces_up: Callable[[], set[str]] = _psutil_up,
        neigh6: Callable[[], str] = _ip_neigh6,
    ) -> None:
        self._root = root
        self._addresses = addresses
        self._interfaces_up = interfaces_up
        self._neigh6 = neigh6

    def read(self) -> NetworkView:
        gateways = self.default_gateways()
        return NetworkView(
            interfaces=self.interfaces(),
            gateways=tuple(self._with_macs(gateways)),
            dns_suffixes=self.dns_suffixes(),
        )

    def interfaces(self) -> tuple[InterfaceAddresses, ...]:
        return interfaces_from_psutil(self._addresses(), self._interfaces_up())

    def default_gateways(self) -> list[Gateway]:
        return self._gateways4() + self._gateways6()

    def _gateways4(self) -> list[Gateway]:
        gateways = []
        for fields in _table(self._root / "proc/net/route", header=True):
            if len(fields) < 8 or fields[1] != "00000000" or fields[7] != "00000000":
                continue
            flags = int(fields[3], 16)
            if flags & (_RTF_UP | _RTF_GATEWAY) != _RTF_UP | _RTF_GATEWAY:
                continue
            # The kernel prints the address in host (little-endian) byte order.
            raw = int(fields[2], 16).to_bytes(4, "little")
            gateways.append(Gateway(fields[0], ipaddress.IPv4Address(raw)))
        return gateways

    def _gateways6(self) -> list[Gateway]:
        gateways = []
        for fields in _table(self._root / "proc/net/ipv6_route", header=False):
            if len(fields) < 10 or fields[1] != "00" or int(fields[0], 16) != 0:
                continue
            flags = int(fields[8], 16)
            hop = ipaddress.IPv6Address(int(fields[4], 16))
            if flags & (_RTF_UP | _RTF_GATEWAY) != _RTF_UP | _RTF_GATEWAY or not int(hop):
                continue
            gateways.append(Gateway(fields[9], hop))
        return gateways

    def _with_macs(self, gateways: list[Gateway]) -> list[Gateway]:
        macs = self.arp_table()
        if any(g.address.version == 6 for g in gateways):
            macs.update(_parse_neigh(self._neigh6()))
        return [
            Gateway(g.interface, g.address, macs.get((g.interface, str(g.address))))
            for g in gateways
        ]

    def arp_table(self) -> dict[tuple[str, str], str]:
        """(interface, IPv4 address) -> MAC of the complete entries in ``/proc/net/arp``."""
        table = {}
        for fields in _table(self._root / "proc/net/arp", header=True):
            if len(fields) < 6 or not int(fields[2], 16) & _ATF_COM:
                continue
            mac = normalize_mac(fields[3])
            if mac and mac != "00:00:00:00:00:00":
                table[(fields[5], fields[0])] = mac
        return table

    def dns_suffixes(self) -> tuple[str, ...]:
        """The ``search`` and ``domain`` names of ``/etc/resolv.conf``."""
        try:
            text = (self._root / "etc/resolv.conf").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ()
        names: list[str] = []
        for line in text.splitlines():
            fields = line.split()
            if len(fields) >= 2 and fields[0] in ("search", "domain"):
                names.extend(n for n in fields[1:] if n != "." and n not in names)
        return tuple(names)


def _table(path: Path, header: bool) -> list[list[str]]:
    try:
        lines = path.read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return []
    rows = [line.split() for line in lines[1 if header else 0 :]]
    return [row for row in rows if row]


def _parse_neigh(text: str) -> dict[tuple[str, str], str]:
    """``fe80::1 dev eth0 lladdr 02:.. router REACHABLE`` lines -> (interface, address) -> MAC."""
    table = {}
    for line in text.splitlines():
        fields = line.split()
        if "dev" not in fields or "lladdr" not in fields:
            continue
        try:
            address = str(ipaddress.ip_address(fields[0]))
            interface = fields[fields.index("dev") + 1]
            mac = normalize_mac(fields[fields.index("lladdr") + 1])
        except (ValueError, IndexError):
            continue
        if mac:
            table[(interface, address)] = mac
    return table


class RouteWatcher:
    """Calls back (on the loop) whenever a link, address or route changes: push, no polling.

    The messages themselves are not parsed: any change is a reason for one cheap
    re-read, and the caller coalesces bursts.
    """

    source = "rtnetlink"

    def __init__(self) -> None:
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, on_change: Callable[[], None]) -> None:
        groups = (
            _RTMGRP_LINK
            | _RTMGRP_IPV4_IFADDR
            | _RTMGRP_IPV6_IFADDR
            | _RTMGRP_IPV4_ROUTE
            | _RTMGRP_IPV6_ROUTE
        )
        sock = socket.socket(
            socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, _NETLINK_ROUTE
        )
        try:
            sock.setblocking(False)
            sock.bind((0, groups))
        except OSError:
            sock.close()
            raise
        loop = asyncio.get_running_loop()
        loop.add_reader(sock.fileno(), self._readable, sock, on_change)
        self._sock, self._loop = sock, loop

    def _readable(self, sock: socket.socket, on_change: Callable[[], None]) -> None:
        try:
            while sock.recv(65536):
                pass
        except BlockingIOError:
            pass
        except OSError as error:  # ENOBUFS: we missed messages; a re-read catches up anyway
            log.debug("rtnetlink: %s", error)
        on_change()

    def stop(self) -> None:
        if self._sock is not None and self._loop is not None:
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
        self._sock = self._loop = None

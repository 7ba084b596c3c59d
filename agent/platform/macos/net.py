"""The macOS network view: SCDynamicStore (router, DNS), arp/ndp (router MAC), CoreWLAN.

The OS calls sit behind small injectable functions so :class:`MacNetReader` is
tested with canned answers. macOS 14+ returns no SSID/BSSID from CoreWLAN unless the
app may use Location Services: the reader then says so in a note and the other
matchers carry on.
"""

from __future__ import annotations

import importlib
import ipaddress
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agent.platform.network_view import (
    Gateway,
    NetworkView,
    WifiLink,
    interfaces_from_psutil,
    normalize_mac,
)
from agent.platform.network_watch import CallbackWatcher

LOCATION_DENIED_NOTE = (
    "macOS hides the Wi-Fi name and access point until Presence Agent may use Location "
    "Services (System Settings > Privacy & Security > Location Services); matching on "
    "addresses, router and DNS search domains meanwhile"
)

_KEYS = ("State:/Network/Global/IPv4", "State:/Network/Global/IPv6")
_DNS_KEY = "State:/Network/Global/DNS"
#: What to be told about: global routing/DNS and each interface's addresses and Wi-Fi.
_WATCH_PATTERNS = (
    "State:/Network/Global/(IPv4|IPv6|DNS)",
    "State:/Network/Interface/[^/]+/(IPv4|IPv6|AirPort|Link)",
)


@dataclass(frozen=True)
class MacWifi:
    """One CoreWLAN interface: ``associated`` while in station mode on a channel."""

    interface: str
    associated: bool
    ssid: str | None = None
    bssid: str | None = None


def _psutil_addrs() -> Mapping[str, Sequence[Any]]:
    import psutil

    table: Mapping[str, Sequence[Any]] = psutil.net_if_addrs()
    return table


def _psutil_up() -> set[str]:
    import psutil

    return {name for name, stats in psutil.net_if_stats().items() if stats.isup}


def _store_value(key: str) -> dict[str, Any] | None:
    """``SCDynamicStoreCopyValue`` as a plain dict."""
    sc: Any = importlib.import_module("SystemConfiguration")
    store = sc.SCDynamicStoreCreate(None, "presence-agent", None, None)
    value = sc.SCDynamicStoreCopyValue(store, key)
    return dict(value) if value is not None else None


def _run(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=2.0, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout


def _corewlan() -> list[MacWifi]:
    corewlan: Any = importlib.import_module("CoreWLAN")
    client = corewlan.CWWiFiClient.sharedWiFiClient()
    result = []
    for interface in client.interfaces() or []:
        # kCWInterfaceModeStation is 1; the channel is None when not associated.
        associated = bool(
            interface.powerOn() and interface.interfaceMode() == 1 and interface.wlanChannel()
        )
        result.append(
            MacWifi(
                str(interface.interfaceName()),
                associated,
                str(interface.ssid()) if interface.ssid() else None,
                str(interface.bssid()) if interface.bssid() else None,
            )
        )
    return result


class MacNetReader:
    """Builds the network view; blocking (one store read, one ``arp``), run it off the loop."""

    source = "macos-systemconfiguration"

    def __init__(
        self,
        addresses: Callable[[], Mapping[str, Sequence[Any]]] = _psutil_addrs,
        interfaces_up: Callable[[], set[str]] = _psutil_up,
        store_value: Callable[[str], dict[str, Any] | None] = _store_value,
        run: Callable[[list[str]], str] = _run,
        wifi: Callable[[], list[MacWifi]] = _corewlan,
    ) -> None:
        self._addresses = addresses
        self._interfaces_up = interfaces_up
        self._store_value = store_value
        self._run = run
        self._wifi = wifi

    def read(self) -> NetworkView:
        links, notes = [], []
        for wifi in self._wifi():
            if not wifi.associated:
                continue
            if wifi.ssid is None and wifi.bssid is None:
                notes.append(LOCATION_DENIED_NOTE)
                continue
            links.append(WifiLink(wifi.interface, wifi.ssid, wifi.bssid))
        return NetworkView(
            interfaces=interfaces_from_psutil(self._addresses(), self._interfaces_up()),
            gateways=tuple(self._gateways()),
            dns_suffixes=self._dns_suffixes(),
            wifi=tuple(links),
            notes=tuple(dict.fromkeys(notes)),
        )

    def _gateways(self) -> list[Gateway]:
        gateways = []
        for key in _KEYS:
            value = self._store_value(key) or {}
            router, interface = value.get("Router"), value.get("PrimaryInterface")
            if not router or not interface:
                continue
            try:
                address = ipaddress.ip_address(str(router).split("%", 1)[0])
            except ValueError:
                continue
            gateways.append(Gateway(str(interface), address, self._mac(address, str(interface))))
        return gateways

    def _mac(
        self, address: ipaddress.IPv4Address | ipaddress.IPv6Address, interface: str
    ) -> str | None:
        if address.version == 4:
            # "? (192.168.1.1) at 0:11:22:33:44:55 on en0 ifscope [ethernet]"
            fields = self._run(["arp", "-n", str(address)]).split()
            if "at" in fields and fields.index("at") + 1 < len(fields):
                return normalize_mac(fields[fields.index("at") + 1])
            return None
        # "fe80::1%en0   0:11:22:33:44:55  en0 23h59m58s S R"
        for line in self._run(["ndp", "-an"]).splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2] == interface:
                try:
                    if ipaddress.ip_address(fields[0].split("%", 1)[0]) == address:
                        return normalize_mac(fields[1])
                except ValueError:
                    continue
        return None

    def _dns_suffixes(self) -> tuple[str, ...]:
        value = self._store_value(_DNS_KEY) or {}
        names = [str(n) for n in value.get("SearchDomains") or []]
        if value.get("DomainName"):
            names.append(str(value["DomainName"]))
        return tuple(dict.fromkeys(names))


def register_network_changes(callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback`` (on a private CFRunLoop thread) when SCDynamicStore keys change.

    Returns the function that stops the run loop and so the notifications.
    """
    sc: Any = importlib.import_module("SystemConfiguration")
    cf: Any = importlib.import_module("CoreFoundation")
    store = sc.SCDynamicStoreCreate(
        None, "presence-agent-watch", lambda _store, _keys, _info: callback(), None
    )
    if store is None or not sc.SCDynamicStoreSetNotificationKeys(
        store, None, list(_WATCH_PATTERNS)
    ):
        raise OSError("SCDynamicStore refused the network change notifications")
    source = sc.SCDynamicStoreCreateRunLoopSource(None, store, 0)
    started = threading.Event()
    run_loops: list[Any] = []

    def run() -> None:
        run_loops.append(cf.CFRunLoopGetCurrent())
        cf.CFRunLoopAddSource(run_loops[0], source, cf.kCFRunLoopDefaultMode)
        started.set()
        cf.CFRunLoopRun()

    thread = threading.Thread(target=run, name="scdynamicstore", daemon=True)
    thread.start()
    started.wait(5.0)

    def cancel() -> None:
        if run_loops:
            cf.CFRunLoopStop(run_loops[0])
        thread.join(2.0)

    return cancel


class NetworkChangeWatcher(CallbackWatcher):
    """Routing, DNS, address and Wi-Fi changes, from SCDynamicStore notifications."""

    def __init__(self) -> None:
        super().__init__("systemconfiguration", register_network_changes)

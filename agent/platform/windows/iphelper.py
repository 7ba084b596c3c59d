"""The Windows IP Helper and WLAN API calls via ctypes, returning plain values.

``GetAdaptersAddresses`` (addresses, gateways, DNS suffixes), ``GetIpNetTable2``
(the gateways' MACs), ``WlanQueryInterface`` (SSID and access point), and the
change notifications. Only this module touches ctypes; :mod:`.net` builds the
network view from what it returns. Runs only on Windows.
"""

from __future__ import annotations

import ctypes
import ipaddress
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_IF_OPER_STATUS_UP = 1


@dataclass(frozen=True)
class Adapter:
    """One ``IP_ADAPTER_ADDRESSES`` entry as plain values."""

    guid: str  # AdapterName, "{...}": the WLAN API names interfaces by it
    name: str  # FriendlyName, e.g. "Wi-Fi"
    description: str = ""
    if_type: int = 6
    up: bool = True
    index: int = 0  # IPv4 interface index
    index6: int = 0  # IPv6 interface index
    addresses: tuple[str, ...] = ()  # "10.1.2.3/24"
    gateways: tuple[str, ...] = ()
    dns_suffix: str = ""


@dataclass(frozen=True)
class Neighbor:
    """One ``MIB_IPNET_ROW2``: an address's MAC on an interface."""

    index: int
    address: str
    mac: str


@dataclass(frozen=True)
class WlanConnection:
    """``WlanQueryInterface(current_connection)`` for one interface; ``denied`` on 24H2."""

    guid: str
    ssid: str | None = None
    bssid: str | None = None
    denied: bool = False


_AF_UNSPEC, _AF_INET, _AF_INET6 = 0, 2, 23
_ERROR_BUFFER_OVERFLOW = 111
_ERROR_ACCESS_DENIED = 5
_GAA_FLAGS = 0x80 | 0x2 | 0x4 | 0x8  # include gateways; skip anycast, multicast, DNS servers
_WLAN_CURRENT_CONNECTION = 7
_WLAN_CONNECTED = 1
_WLAN_SOURCE_ACM, _WLAN_SOURCE_MSM = 0x8, 0x10
#: (source, code): ACM connection complete/disconnected; MSM connected/roaming end/disconnected.
_WLAN_CHANGES = frozenset(
    {(_WLAN_SOURCE_ACM, 10), (_WLAN_SOURCE_ACM, 21)}
    | {(_WLAN_SOURCE_MSM, code) for code in (4, 6, 10)}
)


class _SocketAddress(ctypes.Structure):
    _fields_ = [("sockaddr", ctypes.c_void_p), ("length", ctypes.c_int32)]


class _Unicast(ctypes.Structure):
    pass


_Unicast._fields_ = [
    ("length", ctypes.c_uint32),
    ("flags", ctypes.c_uint32),
    ("next", ctypes.POINTER(_Unicast)),
    ("address", _SocketAddress),
    ("prefix_origin", ctypes.c_int32),
    ("suffix_origin", ctypes.c_int32),
    ("dad_state", ctypes.c_int32),
    ("valid_lifetime", ctypes.c_uint32),
    ("preferred_lifetime", ctypes.c_uint32),
    ("lease_lifetime", ctypes.c_uint32),
    ("prefix_length", ctypes.c_uint8),
]


class _GatewayAddress(ctypes.Structure):
    pass


_GatewayAddress._fields_ = [
    ("length", ctypes.c_uint32),
    ("reserved", ctypes.c_uint32),
    ("next", ctypes.POINTER(_GatewayAddress)),
    ("address", _SocketAddress),
]


class _AdapterAddresses(ctypes.Structure):
    """``IP_ADAPTER_ADDRESSES_LH`` up to ``FirstGatewayAddress`` (the rest is not read)."""


_AdapterAddresses._fields_ = [
    ("length", ctypes.c_uint32),
    ("if_index", ctypes.c_uint32),
    ("next", ctypes.POINTER(_AdapterAddresses)),
    ("adapter_name", ctypes.c_char_p),
    ("first_unicast", ctypes.POINTER(_Unicast)),
    ("first_anycast", ctypes.c_void_p),
    ("first_multicast", ctypes.c_void_p),
    ("first_dns_server", ctypes.c_void_p),
    ("dns_suffix", ctypes.c_wchar_p),
    ("description", ctypes.c_wchar_p),
    ("friendly_name", ctypes.c_wchar_p),
    ("physical_address", ctypes.c_uint8 * 8),
    ("physical_address_length", ctypes.c_uint32),
    ("flags", ctypes.c_uint32),
    ("mtu", ctypes.c_uint32),
    ("if_type", ctypes.c_uint32),
    ("oper_status", ctypes.c_int32),
    ("ipv6_if_index", ctypes.c_uint32),
    ("zone_indices", ctypes.c_uint32 * 16),
    ("first_prefix", ctypes.c_void_p),
    ("transmit_link_speed", ctypes.c_uint64),
    ("receive_link_speed", ctypes.c_uint64),
    ("first_wins_server", ctypes.c_void_p),
    ("first_gateway", ctypes.POINTER(_GatewayAddress)),
]


class _IpNetRow2(ctypes.Structure):
    _fields_ = [
        ("address", ctypes.c_uint8 * 28),  # SOCKADDR_INET
        ("if_index", ctypes.c_uint32),
        ("if_luid", ctypes.c_uint64),
        ("physical_address", ctypes.c_uint8 * 32),
        ("physical_address_length", ctypes.c_uint32),
        ("state", ctypes.c_int32),
        ("flags", ctypes.c_uint8),
        ("reachability", ctypes.c_uint32),
    ]


class _Guid(ctypes.Structure):
    _fields_ = [("bytes", ctypes.c_uint8 * 16)]

    def text(self) -> str:
        import uuid

        return "{" + str(uuid.UUID(bytes_le=bytes(self.bytes))).upper() + "}"


class _WlanInterfaceInfo(ctypes.Structure):
    _fields_ = [
        ("guid", _Guid),
        ("description", ctypes.c_wchar * 256),
        ("state", ctypes.c_int32),
    ]


class _WlanConnectionAttributes(ctypes.Structure):
    _fields_ = [
        ("state", ctypes.c_int32),
        ("mode", ctypes.c_int32),
        ("profile", ctypes.c_wchar * 256),
        ("ssid_length", ctypes.c_uint32),
        ("ssid", ctypes.c_uint8 * 32),
        ("bss_type", ctypes.c_int32),
        ("bssid", ctypes.c_uint8 * 6),
        # phy type, signal, rates and security follow; not read
    ]


def _sockaddr_ip(address: _SocketAddress) -> str | None:
    if not address.sockaddr or address.length < 8:
        return None
    raw = ctypes.string_at(address.sockaddr, address.length)
    return _raw_sockaddr_ip(raw)


def _raw_sockaddr_ip(raw: bytes) -> str | None:
    family = int.from_bytes(raw[0:2], "little")
    if family == _AF_INET:
        return str(ipaddress.IPv4Address(raw[4:8]))
    if family == _AF_INET6 and len(raw) >= 24:
        return str(ipaddress.IPv6Address(raw[8:24]))
    return None


def _dll(name: str) -> Any:
    if sys.platform != "win32":
        raise OSError(f"{name} exists only on Windows")
    return ctypes.WinDLL(name)


class IpHelperApi:
    """``GetAdaptersAddresses``, ``GetIpNetTable2`` and ``WlanQueryInterface`` via ctypes."""

    def __init__(self) -> None:
        self._iphlpapi = _dll("iphlpapi")

    def adapters(self) -> list[Adapter]:
        size = ctypes.c_uint32(16384)
        while True:
            buffer = ctypes.create_string_buffer(size.value)
            status = self._iphlpapi.GetAdaptersAddresses(
                _AF_UNSPEC, _GAA_FLAGS, None, buffer, ctypes.byref(size)
            )
            if status != _ERROR_BUFFER_OVERFLOW:
                break
        if status != 0:
            raise OSError(status, "GetAdaptersAddresses failed")
        adapters = []
        node = ctypes.cast(buffer, ctypes.POINTER(_AdapterAddresses))
        while node:
            entry = node.contents
            addresses = []
            unicast = entry.first_unicast
            while unicast:
                ip = _sockaddr_ip(unicast.contents.address)
                if ip:
                    addresses.append(f"{ip}/{unicast.contents.prefix_length}")
                unicast = unicast.contents.next
            gateways = []
            gateway = entry.first_gateway
            while gateway:
                ip = _sockaddr_ip(gateway.contents.address)
                if ip:
                    gateways.append(ip)
                gateway = gateway.contents.next
            adapters.append(
                Adapter(
                    guid=(entry.adapter_name or b"").decode("ascii", "replace"),
                    name=entry.friendly_name or "",
                    description=entry.description or "",
                    if_type=entry.if_type,
                    up=entry.oper_status == _IF_OPER_STATUS_UP,
                    index=entry.if_index,
                    index6=entry.ipv6_if_index,
                    addresses=tuple(addresses),
                    gateways=tuple(gateways),
                    dns_suffix=entry.dns_suffix or "",
                )
            )
            node = entry.next
        return adapters

    def neighbors(self) -> list[Neighbor]:
        table = ctypes.c_void_p()
        if self._iphlpapi.GetIpNetTable2(_AF_UNSPEC, ctypes.byref(table)) != 0:
            return []
        try:
            count = ctypes.c_uint32.from_address(table.value or 0).value
            # The rows start after NumEntries, aligned to 8 bytes.
            rows = (_IpNetRow2 * count).from_address((table.value or 0) + 8)
            result = []
            for row in rows:
                ip = _raw_sockaddr_ip(bytes(row.address))
                mac = bytes(row.physical_address[: row.physical_address_length])
                if ip and len(mac) == 6 and any(mac):
                    result.append(Neighbor(row.if_index, ip, mac.hex(":")))
            return result
        finally:
            self._iphlpapi.FreeMibTable(table)

    def wlan(self) -> list[WlanConnection]:
        try:
            wlanapi = _dll("wlanapi")
        except OSError:  # no WLAN service (servers, VMs)
            return []
        handle, negotiated = ctypes.c_void_p(), ctypes.c_uint32()
        if wlanapi.WlanOpenHandle(2, None, ctypes.byref(negotiated), ctypes.byref(handle)) != 0:
            return []
        try:
            return self._wlan_connections(wlanapi, handle)
        finally:
            wlanapi.WlanCloseHandle(handle, None)

    def _wlan_connections(self, wlanapi: Any, handle: ctypes.c_void_p) -> list[WlanConnection]:
        listing = ctypes.c_void_p()
        if wlanapi.WlanEnumInterfaces(handle, None, ctypes.byref(listing)) != 0:
            return []
        try:
            count = ctypes.c_uint32.from_address(listing.value or 0).value
            infos = (_WlanInterfaceInfo * count).from_address((listing.value or 0) + 8)
            result = []
            for info in infos:
                if info.state != _WLAN_CONNECTED:
                    continue
                result.append(self._query(wlanapi, handle, info.guid))
            return result
        finally:
            wlanapi.WlanFreeMemory(listing)

    @staticmethod
    def _query(wlanapi: Any, handle: ctypes.c_void_p, guid: _Guid) -> WlanConnection:
        size, data = ctypes.c_uint32(), ctypes.c_void_p()
        status = wlanapi.WlanQueryInterface(
            handle,
            ctypes.byref(guid),
            _WLAN_CURRENT_CONNECTION,
            None,
            ctypes.byref(size),
            ctypes.byref(data),
            None,
        )
        if status == _ERROR_ACCESS_DENIED:
            return WlanConnection(guid.text(), denied=True)
        if status != 0:
            return WlanConnection(guid.text())
        try:
            attributes = _WlanConnectionAttributes.from_address(data.value or 0)
            ssid = bytes(attributes.ssid[: attributes.ssid_length]).decode("utf-8", "replace")
            bssid = bytes(attributes.bssid).hex(":")
            # 24H2 may also answer with the fields blanked instead of an error.
            if not ssid and not any(attributes.bssid):
                return WlanConnection(guid.text(), denied=True)
            return WlanConnection(guid.text(), ssid or None, bssid)
        finally:
            wlanapi.WlanFreeMemory(data)


def register_address_changes(callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback`` (on a system thread) when the network view may have changed.

    ``NotifyUnicastIpAddressChange`` and ``NotifyIpInterfaceChange`` push address and
    link changes; WLAN notifications add roaming to another access point, which keeps
    the address. The returned function cancels all of them.
    """
    if sys.platform != "win32":
        raise OSError("network change notifications exist only on Windows")
    iphlpapi = ctypes.WinDLL("iphlpapi")
    ip_prototype = ctypes.WINFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int32)
    ip_callback = ip_prototype(lambda _context, _row, _kind: callback())
    handles = []
    for function in (iphlpapi.NotifyUnicastIpAddressChange, iphlpapi.NotifyIpInterfaceChange):
        handle = ctypes.c_void_p()
        status = function(_AF_UNSPEC, ip_callback, None, False, ctypes.byref(handle))
        if status != 0:
            for done in handles:
                iphlpapi.CancelMibChangeNotify2(done)
            raise OSError(status, "could not register for network change notifications")
        handles.append(handle)

    def on_wlan(data: Any, _context: Any) -> None:
        notification = ctypes.cast(data, ctypes.POINTER(ctypes.c_uint32 * 2)).contents
        if (notification[0], notification[1]) in _WLAN_CHANGES:
            callback()

    wlan_prototype = ctypes.WINFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
    wlan_callback = wlan_prototype(on_wlan)
    wlan_handle = _register_wlan(wlan_callback)

    def cancel() -> None:
        # This closure also keeps the ctypes callbacks alive as long as they are registered.
        for handle in handles:
            iphlpapi.CancelMibChangeNotify2(handle)
        if wlan_handle is not None:
            wlanapi = ctypes.WinDLL("wlanapi")
            wlanapi.WlanRegisterNotification(wlan_handle, 0, True, None, None, None, None)
            wlanapi.WlanCloseHandle(wlan_handle, None)
        alive.clear()

    alive = [ip_callback, wlan_callback]
    return cancel


def _register_wlan(wlan_callback: Any) -> Any:
    """A WLAN handle with ``wlan_callback`` registered; ``None`` without the WLAN service."""
    try:
        wlanapi = _dll("wlanapi")
    except OSError:
        return None
    handle, negotiated = ctypes.c_void_p(), ctypes.c_uint32()
    if wlanapi.WlanOpenHandle(2, None, ctypes.byref(negotiated), ctypes.byref(handle)) != 0:
        return None
    sources = _WLAN_SOURCE_ACM | _WLAN_SOURCE_MSM
    if wlanapi.WlanRegisterNotification(handle, sources, True, wlan_callback, None, None, None):
        wlanapi.WlanCloseHandle(handle, None)
        return None
    return handle

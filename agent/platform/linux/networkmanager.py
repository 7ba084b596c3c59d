"""Wi-Fi SSID/BSSID from NetworkManager over the system bus (jeepney, asyncio).

The active Wi-Fi connections are NetworkManager's ``ActiveConnections`` whose
``Type`` is ``802-11-wireless``; their ``SpecificObject`` is the access point.
NetworkManager signals ``PropertiesChanged`` when connections or access points
change, and the caller re-reads then: no polling.

Threading: everything here runs on the asyncio loop that called :meth:`start`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from agent.platform.network_view import WifiLink

log = logging.getLogger(__name__)

NM_NAME = "org.freedesktop.NetworkManager"
NM_PATH = "/org/freedesktop/NetworkManager"
_ACTIVE_IFACE = "org.freedesktop.NetworkManager.Connection.Active"
_AP_IFACE = "org.freedesktop.NetworkManager.AccessPoint"
_DEVICE_IFACE = "org.freedesktop.NetworkManager.Device"
_WIFI_TYPE = "802-11-wireless"

#: Properties whose change can change the Wi-Fi view; the rest (signal strength,
#: statistics) change often and are ignored.
_RELEVANT = frozenset(
    {
        "ActiveConnections",
        "PrimaryConnection",
        "ActiveAccessPoint",
        "SpecificObject",
        "Devices",
        "State",
        "Ssid",
        "HwAddress",
    }
)


class NetworkManagerUnavailable(Exception):
    """No system bus, or NetworkManager is not on it."""


class NetworkManagerWifi:
    """Reads the Wi-Fi links NetworkManager has active and reports when they change."""

    source = "networkmanager"

    def __init__(self) -> None:
        self._stack: contextlib.AsyncExitStack | None = None
        self._router: Any = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, on_change: Callable[[], None]) -> None:
        """Connect and subscribe; raises :class:`NetworkManagerUnavailable`."""
        from jeepney import MatchRule
        from jeepney.bus_messages import message_bus
        from jeepney.io.asyncio import Proxy, open_dbus_router

        stack = contextlib.AsyncExitStack()
        try:
            router = await stack.enter_async_context(open_dbus_router(bus="SYSTEM"))
            bus = Proxy(message_bus, router)
            (running,) = await bus.NameHasOwner(NM_NAME)
            if not running:
                raise NetworkManagerUnavailable("NetworkManager is not running")
            # The bus filters by the well-known name; locally the sender is the unique name.
            local = MatchRule(type="signal", member="PropertiesChanged", path_namespace=NM_PATH)
            queue = stack.enter_context(router.filter(local, bufsize=64))
            remote = MatchRule(
                type="signal", sender=NM_NAME, member="PropertiesChanged", path_namespace=NM_PATH
            )
            await bus.AddMatch(remote)
        except NetworkManagerUnavailable:
            await stack.aclose()
            raise
        except Exception as error:
            await stack.aclose()
            raise NetworkManagerUnavailable(f"no system bus ({error})") from error
        self._stack, self._router = stack, router
        self._task = asyncio.ensure_future(self._listen(queue, on_change))

    async def _listen(self, queue: asyncio.Queue[Any], on_change: Callable[[], None]) -> None:
        while True:
            message = await queue.get()
            if _changed_names(message.body) & _RELEVANT:
                on_change()

    async def read(self) -> tuple[WifiLink, ...]:
        """The active Wi-Fi links (an empty tuple when none or when NM stops answering)."""
        if self._router is None:
            return ()
        try:
            return await self._read()
        except Exception as error:  # NM restarting, an object gone between two calls
            log.debug("networkmanager: %s", error)
            return ()

    async def _read(self) -> tuple[WifiLink, ...]:
        manager = await self._properties(NM_PATH, NM_NAME)
        links = []
        for path in manager.get("ActiveConnections", []):
            active = await self._properties(path, _ACTIVE_IFACE)
            if active.get("Type") != _WIFI_TYPE:
                continue
            interface = ""
            devices = active.get("Devices", [])
            if devices:
                device = await self._properties(devices[0], _DEVICE_IFACE)
                interface = str(device.get("IpInterface") or device.get("Interface") or "")
            ap_path = active.get("SpecificObject", "/")
            ssid = bssid = None
            if ap_path and ap_path != "/":
                ap = await self._properties(ap_path, _AP_IFACE)
                raw = ap.get("Ssid", b"")
                ssid = bytes(raw).decode("utf-8", errors="replace") or None
                bssid = str(ap.get("HwAddress", "")) or None
            links.append(WifiLink(interface, ssid, bssid))
        return tuple(links)

    async def _properties(self, path: str, interface: str) -> dict[str, Any]:
        from jeepney import DBusAddress, Properties
        from jeepney.io.asyncio import Proxy

        address = DBusAddress(path, bus_name=NM_NAME, interface=interface)
        (values,) = await Proxy(Properties(address), self._router).get_all()
        return {name: value for name, (_signature, value) in values.items()}

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._stack is not None:
            await self._stack.aclose()
        self._stack = self._router = self._task = None


def _changed_names(body: tuple[Any, ...]) -> set[str]:
    """Property names in a ``PropertiesChanged`` body of either form NetworkManager sends.

    ``org.freedesktop.DBus.Properties`` sends (interface, changed, invalidated);
    NetworkManager's own older per-interface signal sends just (changed).
    """
    names: set[str] = set()
    for part in body:
        if isinstance(part, dict):
            names.update(part)
        elif isinstance(part, list):
            names.update(str(name) for name in part)
    return names

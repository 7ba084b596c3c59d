"""The network sources of the running OS, chosen in one place for the agent and the settings."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from agent.platform.network_watch import ChangeWatcher, NetworkReader, WifiSource


@dataclass(frozen=True)
class NetworkSources:
    """The reader, the change watcher and (where a service offers one) the Wi-Fi source."""

    reader: NetworkReader
    watcher: ChangeWatcher | None = None
    wifi: WifiSource | None = None


def network_sources() -> NetworkSources:
    """The sources for this OS; raises ``RuntimeError`` on one the agent has none for."""
    if sys.platform.startswith("linux"):
        from agent.platform.linux.net import LinuxNetReader, RouteWatcher
        from agent.platform.linux.networkmanager import NetworkManagerWifi

        return NetworkSources(LinuxNetReader(), RouteWatcher(), NetworkManagerWifi())
    if sys.platform == "win32":
        from agent.platform.windows.net import AddressChangeWatcher, WindowsNetReader

        return NetworkSources(WindowsNetReader(), AddressChangeWatcher())
    if sys.platform == "darwin":
        from agent.platform.macos.net import MacNetReader, NetworkChangeWatcher

        return NetworkSources(MacNetReader(), NetworkChangeWatcher())
    raise RuntimeError(f"no network reader for {sys.platform}")

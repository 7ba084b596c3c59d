"""Counts rtnetlink messages (links, addresses, routes) during a measurement window.

The agent's location detector re-reads the network on these messages, so network
churn on a shared machine (another process adding a veth pair, a route flapping)
shows up as agent wake-ups. Counting the messages says whether a window was quiet.
"""

from __future__ import annotations

import socket
import struct

_GROUPS = 0x1 | 0x10 | 0x40 | 0x100 | 0x400  # link, IPv4/IPv6 addresses and routes


class NetlinkCounter:
    """Subscribe now; :meth:`take` returns the messages since the last call."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self._sock.setblocking(False)
        self._sock.bind((0, _GROUPS))
        self.overflowed = False

    def take(self) -> int:
        count = 0
        while True:
            try:
                data = self._sock.recv(1 << 16)
            except BlockingIOError:
                return count
            except OSError:  # ENOBUFS: more than the buffer held
                self.overflowed = True
                continue
            offset = 0
            while offset + 16 <= len(data):
                (length,) = struct.unpack_from("=I", data, offset)
                if length < 16:
                    break
                count += 1
                offset += (length + 3) & ~3

    def close(self) -> None:
        self._sock.close()

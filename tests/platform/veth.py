"""A real veth pair for tests that change the machine's network view (root only)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

_counter = 0


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


class Veth:
    """One veth pair with unique names; ``up`` gives an address and brings both ends up."""

    def __init__(self) -> None:
        global _counter
        _counter += 1
        # IFNAMSIZ is 16: keep names short but unique per process and per test.
        self.name = f"pa{os.getpid() % 100000}v{_counter}"
        self.peer = f"{self.name}p"
        _ip("link", "add", self.name, "type", "veth", "peer", "name", self.peer)

    def up(self, *addresses: str) -> None:
        for address in addresses:
            _ip("addr", "add", address, "dev", self.name)
        _ip("link", "set", self.peer, "up")
        _ip("link", "set", self.name, "up")

    def delete(self) -> None:
        subprocess.run(["ip", "link", "del", self.name], capture_output=True, timeout=10)


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="veth interfaces need root")


@pytest.fixture
def veth() -> Iterator[Veth]:
    """A fresh veth pair, always deleted afterwards."""
    pair = Veth()
    try:
        yield pair
    finally:
        pair.delete()

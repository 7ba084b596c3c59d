"""Fixtures for the delivery tests: a misbehaving loopback server per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.delivery.loopback import FaultServer


@pytest.fixture
def server() -> Iterator[FaultServer]:
    srv = FaultServer()
    yield srv
    srv.close()


@pytest.fixture
def server2() -> Iterator[FaultServer]:
    srv = FaultServer()
    yield srv
    srv.close()

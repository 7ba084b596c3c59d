"""The committed org_kde_kwin_idle bindings are exactly what pywayland's scanner makes today.

The XML comes from Debian's plasma-wayland-protocols (installed by tests/system-deps.sh).
"""

from __future__ import annotations

import sys

import pytest
from wayland_protocols import IDLE_XML, OUTPUT, generate

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Wayland")


def test_committed_kde_idle_bindings_match_the_scanner() -> None:
    assert IDLE_XML.exists(), "tests/system-deps.sh installs plasma-wayland-protocols"
    assert OUTPUT.read_text(encoding="utf-8") == generate(IDLE_XML)

"""Packaging tests import the generators from packaging/ (not an importable package).

The bundle and the .deb are built once per session, for every test that needs them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
if str(PACKAGING) not in sys.path:
    sys.path.insert(0, str(PACKAGING))


@pytest.fixture(scope="session")
def bundle() -> Path:
    """The PyInstaller bundle, built once per test session (it takes minutes)."""
    import build_packages

    return build_packages.build_bundle()


@pytest.fixture(scope="session")
def deb(bundle: Path) -> Path:
    """The .deb around the session's bundle."""
    import build_packages

    return build_packages.build_deb(bundle)

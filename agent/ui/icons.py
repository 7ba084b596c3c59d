"""Tray icons: one SVG per status, with a badge variant and a macOS template variant.

SVGs are loaded through Qt's SVG icon engine, so they stay crisp at every DPI. The
icon set lives in ``resources/icons`` in a checkout and ``agent/resources/icons``
in a wheel or bundle.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

from agent.core.model import Status


def icons_dir() -> Path:
    """Where the SVGs are: inside the package when installed, else the checkout."""
    package = Path(__file__).resolve().parent.parent
    bundle = Path(getattr(sys, "_MEIPASS", package))
    for candidate in (
        package / "resources" / "icons",
        bundle / "agent" / "resources" / "icons",
        package.parent / "resources" / "icons",
    ):
        if candidate.is_dir():
            return candidate
    return package.parent / "resources" / "icons"


def icon_file(status: Status, badge: bool = False, template: bool = False) -> Path:
    suffix = ("-template" if template else "") + ("-badge" if badge else "")
    return icons_dir() / f"status-{status.value}{suffix}.svg"


def status_icon(status: Status, badge: bool = False) -> QIcon:
    """The tray icon for ``status``; on macOS the monochrome template the menu bar tints."""
    return _load(status, badge)


@cache
def _load(status: Status, badge: bool) -> QIcon:
    template = sys.platform == "darwin"
    icon = QIcon(str(icon_file(status, badge, template)))
    icon.setIsMask(template)
    return icon

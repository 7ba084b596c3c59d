"""An app using the microphone or camera, and how configured app names match it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Capture:
    """One app capturing; ``app`` is what people call it, ``binary`` the executable."""

    app: str
    binary: str = ""

    @property
    def label(self) -> str:
        return self.app or self.binary


def _strip_exe(name: str) -> str:
    name = name.strip().lower()
    return name[:-4] if name.endswith(".exe") else name


def is_ignored(capture: Capture, ignore_apps: Iterable[str]) -> bool:
    """Whether ``call.ignore_apps`` names this app (its name or binary, any case)."""
    names = {_strip_exe(capture.app), _strip_exe(capture.binary)} - {""}
    return any(_strip_exe(entry) in names for entry in ignore_apps)


_DISPLAY_NAMES = {
    "zoom": "Zoom",
    "teams": "Teams",
    "ms-teams": "Teams",
    "webex": "Webex",
    "msedge": "Edge",
}


def meeting_app(capture: Capture, meeting_apps: Iterable[str]) -> str | None:
    """The allow-listed meeting app this capture belongs to, as people name it.

    Real names carry extra words ("ZOOM VoiceEngine", "Google Chrome", "us.zoom.xos",
    "ms-teams.exe"), so each word of the name and binary is compared too; the
    answer is the list entry ("Zoom"), so the tray says "On a call (Zoom)".
    """
    words: set[str] = set()
    for name in (capture.app, capture.binary):
        name = _strip_exe(name)
        if name:
            words.add(name)
            words.update(part for part in re.split(r"[^a-z0-9]+", name) if part)
    for entry in meeting_apps:
        key = _strip_exe(entry)
        if key in words:
            if entry.strip() != entry.strip().lower():  # the admin chose the spelling
                return entry.strip()
            return _DISPLAY_NAMES.get(key, key.capitalize())
    return None

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


def is_meeting_app(capture: Capture, meeting_apps: Iterable[str]) -> bool:
    """Whether an allow-listed meeting app is this one.

    Real names carry extra words ("ZOOM VoiceEngine", "Google Chrome", "us.zoom.xos",
    "ms-teams.exe"), so each word of the name and binary is compared too.
    """
    words: set[str] = set()
    for name in (capture.app, capture.binary):
        name = _strip_exe(name)
        if name:
            words.add(name)
            words.update(part for part in re.split(r"[^a-z0-9]+", name) if part)
    return any(_strip_exe(entry) in words for entry in meeting_apps)

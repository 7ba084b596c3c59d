"""Observations the detectors push into the engine, one signal at a time.

``None`` always means *unknown* (no working source), never "active" or "inactive".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agent.core.model import Location


@dataclass(frozen=True)
class Meeting:
    """A calendar meeting the user attends."""

    uid: str
    title: str
    start: datetime
    end: datetime
    join_url: str | None = None
    location: str = ""
    recurrence_id: str | None = None


@dataclass(frozen=True)
class IdleObserved:
    """Seconds since the last user input, read now; ``None`` when no source works."""

    idle_seconds: float | None
    source: str = ""


@dataclass(frozen=True)
class LockObserved:
    """Whether the session's screen is locked; ``None`` when no source works."""

    locked: bool | None
    source: str = ""


@dataclass(frozen=True)
class CallObserved:
    """Raw microphone/camera capture state (the engine debounces it)."""

    active: bool
    app: str | None = None
    source: str = ""


@dataclass(frozen=True)
class MeetingsObserved:
    """The meetings known for the coming hours; the engine finds the current one."""

    meetings: tuple[Meeting, ...]
    source: str = ""


@dataclass(frozen=True)
class LocationObserved:
    """Where the network says the machine is; ``None`` means remote (no match)."""

    location: Location | None
    source: str = ""


@dataclass(frozen=True)
class SleepObserved:
    """The machine is about to sleep (``True``) or has resumed (``False``)."""

    sleeping: bool


Observation = (
    IdleObserved | LockObserved | CallObserved | MeetingsObserved | LocationObserved | SleepObserved
)

"""Observations the detectors push into the engine, one signal at a time.

``None`` always means *unknown* (no working source), never "active" or "inactive".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from agent.core.model import Location


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str = ""


@dataclass(frozen=True)
class Meeting:
    """A calendar meeting the user attends (declined, free and all-day ones are never here).

    ``cancelled`` meetings are kept so that event backends (essentry) can delete them;
    the engine ignores them.
    """

    uid: str
    title: str
    start: datetime
    end: datetime
    join_url: str | None = None
    location: str = ""
    recurrence_id: str | None = None
    description: str = ""
    organizer: Attendee | None = None
    attendees: tuple[Attendee, ...] = ()
    cancelled: bool = False
    updated_at: datetime | None = None


@dataclass(frozen=True)
class IdleObserved:
    """Seconds since the last user input, read now; ``None`` when no source works.

    ``pushed``: the source pushes every threshold crossing and the return (SYNC alarms,
    Wayland idle notifications), so until the next observation the user is known to
    stay below the next threshold; the engine works no crossing out of elapsed time.
    """

    idle_seconds: float | None
    source: str = ""
    pushed: bool = False


@dataclass(frozen=True)
class LockObserved:
    """Whether the session's screen is locked; ``None`` when no source works."""

    locked: bool | None
    source: str = ""


@dataclass(frozen=True)
class CallObserved:
    """Raw microphone/camera capture state (the engine debounces it).

    ``meeting_app`` is true when the capturing app is one of ``[call] meeting_apps``:
    such a call also counts as being in a meeting (``activeMeeting``).
    """

    active: bool
    app: str | None = None
    source: str = ""
    meeting_app: bool = False


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
    """The machine is about to sleep (``True``) or has resumed (``False``).

    ``ready`` (when given) is called once the agent has sent what it must before
    sleeping, so the detector can release its delay inhibitor early.
    """

    sleeping: bool
    ready: Callable[[], None] | None = field(default=None, compare=False)


Observation = (
    IdleObserved | LockObserved | CallObserved | MeetingsObserved | LocationObserved | SleepObserved
)

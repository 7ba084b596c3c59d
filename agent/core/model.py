"""The presence state that backends see, and the changes the engine emits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    """The statuses of the Audian API; every backend maps from these."""

    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    DND = "dnd"
    INVISIBLE = "invisible"
    OFFLINE = "offline"

    @property
    def hides_location(self) -> bool:
        """Invisible and offline users never have their location reported (privacy)."""
        return self in (Status.INVISIBLE, Status.OFFLINE)

    @property
    def label(self) -> str:
        """The name a person reads in the tray and the CLI."""
        return _LABELS[self]


_LABELS = {
    Status.AVAILABLE: "Available",
    Status.BUSY: "Busy",
    Status.AWAY: "Away",
    Status.DND: "Do not disturb",
    Status.INVISIBLE: "Appear offline",
    Status.OFFLINE: "Offline",
}


@dataclass(frozen=True)
class Location:
    """A configured place (building or floor) the machine can be at."""

    id: str
    type: str = "building"
    name: str = ""


@dataclass(frozen=True)
class PresenceState:
    """What the user's presence is, why, and until when.

    ``reason`` is ``"manual"``, ``"paused"``, ``"default"`` or ``"rule:<condition>"``.
    ``since`` is when this state began; it is not part of equality with respect to
    what a backend sees (see :meth:`visible`).
    """

    status: Status
    message: str = ""
    until: datetime | None = None
    location: Location | None = None
    reason: str = "default"
    since: datetime | None = field(default=None, compare=False)

    def visible(self) -> tuple[Status, str, datetime | None, Location | None]:
        """The part of the state a backend sees; the engine emits only when it changes."""
        location = None if self.status.hides_location else self.location
        return (self.status, self.message, self.until, location)


@dataclass(frozen=True)
class PresenceChange:
    """One emitted change: the new state, the one before it, and when it happened."""

    state: PresenceState
    previous: PresenceState | None
    at: datetime

"""What the user chose by hand and must survive a restart: override, pause, pinned place.

Expiry times are absolute, so after a restart the remaining time is what counts.
Reading is tolerant: a part that does not parse is dropped (a half-written or
hand-edited state file must never stop the agent), the rest is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from agent.core.model import Location, Status

SAVED_STATE_VERSION = 1


@dataclass(frozen=True)
class Override:
    """A status the user set by hand; ``until`` ``None`` means until cleared.

    ``origin`` names the backend a status set on another device was adopted from
    (``""``: chosen on this computer).
    """

    status: Status
    message: str = ""
    until: datetime | None = None
    origin: str = ""


@dataclass(frozen=True)
class Pause:
    """Automatic updates paused: the automatic status frozen at the moment of pausing."""

    status: Status
    message: str = ""
    until: datetime | None = None


@dataclass(frozen=True)
class Pin:
    """A location the user chose, kept until the network view changes.

    ``network`` is what the network said when the pin was made: a location id, ``""``
    for remote (no match), ``None`` when nothing had been observed yet.
    """

    location: Location
    network: str | None = None


@dataclass(frozen=True)
class SavedState:
    override: Override | None = None
    pause: Pause | None = None
    pin: Pin | None = None

    @property
    def has_override(self) -> bool:
        return self.override is not None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": SAVED_STATE_VERSION}
        if self.override is not None:
            data["override"] = _choice_json(
                self.override.status, self.override.message, self.override.until
            )
            if self.override.origin:
                data["override"]["origin"] = self.override.origin
        if self.pause is not None:
            data["pause"] = _choice_json(self.pause.status, self.pause.message, self.pause.until)
        if self.pin is not None:
            location = self.pin.location
            data["pin"] = {
                "location": {"id": location.id, "type": location.type, "name": location.name},
                "network": self.pin.network,
            }
        return data

    @classmethod
    def from_json(cls, data: object) -> SavedState:
        """Parse what :meth:`to_json` wrote; anything unreadable is left out."""
        if not isinstance(data, dict):
            return cls()
        override = _parse_choice(data.get("override"))
        pause = _parse_choice(data.get("pause"))
        origin = data["override"].get("origin", "") if override is not None else ""
        return cls(
            override=(
                Override(*override, origin=origin if isinstance(origin, str) else "")
                if override is not None
                else None
            ),
            pause=Pause(*pause) if pause is not None else None,
            pin=_parse_pin(data.get("pin")),
        )


def _choice_json(status: Status, message: str, until: datetime | None) -> dict[str, Any]:
    return {
        "status": status.value,
        "message": message,
        "until": until.isoformat() if until is not None else None,
    }


def _parse_choice(data: object) -> tuple[Status, str, datetime | None] | None:
    if not isinstance(data, dict):
        return None
    try:
        status = Status(str(data.get("status")))
    except ValueError:
        return None
    message = data.get("message", "")
    until = data.get("until")
    if not isinstance(message, str):
        return None
    if until is None:
        return status, message, None
    moment = parse_instant(until)
    return (status, message, moment) if moment is not None else None


def _parse_pin(data: object) -> Pin | None:
    if not isinstance(data, dict):
        return None
    location = data.get("location")
    network = data.get("network")
    if not isinstance(location, dict) or not (network is None or isinstance(network, str)):
        return None
    place_id, kind, name = (location.get(k, "") for k in ("id", "type", "name"))
    if not (isinstance(place_id, str) and isinstance(kind, str) and isinstance(name, str)):
        return None
    return Pin(Location(place_id, kind or "building", name), network) if place_id else None


def parse_instant(value: object) -> datetime | None:
    """An ISO 8601 instant; a time without an offset is taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

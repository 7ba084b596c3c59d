"""What a backend was last given, as text the outbox keeps across restarts.

Only the part of a state a backend sees (:meth:`PresenceState.visible`) is kept: two
states that read the same to a backend are the same report, whatever their reason.
Reading is tolerant: text that does not parse reads as "nothing known", and the
backend simply gets the current state again.
"""

from __future__ import annotations

import json
from typing import Any

from agent.core.model import Location, PresenceState, Status
from agent.core.saved_state import parse_instant


def state_text(state: PresenceState) -> str:
    """The stable text of what a backend sees of ``state``."""
    status, message, until, location = state.visible()
    data: dict[str, Any] = {
        "status": status.value,
        "message": message,
        "until": until.isoformat() if until is not None else None,
        "location": (
            {"id": location.id, "type": location.type, "name": location.name}
            if location is not None
            else None
        ),
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def state_from_text(text: str | None) -> PresenceState | None:
    """The state :func:`state_text` wrote, or ``None`` when absent or unreadable."""
    if not text:
        return None
    try:
        data = json.loads(text)
        status = Status(str(data["status"]))
    except (ValueError, KeyError, TypeError):
        return None
    message = data.get("message")
    until_text = data.get("until")
    until = parse_instant(until_text) if until_text is not None else None
    if not isinstance(message, str) or (until_text is not None and until is None):
        return None
    return PresenceState(status, message, until, _location(data.get("location")), "reported")


def _location(data: object) -> Location | None:
    if not isinstance(data, dict):
        return None
    parts = [data.get(key) for key in ("id", "type", "name")]
    if not all(isinstance(part, str) for part in parts) or not parts[0]:
        return None
    return Location(str(parts[0]), str(parts[1]), str(parts[2]))

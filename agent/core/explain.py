"""Words for people: why the status is what it is ("idle for 6 min"), and JSON pieces.

Used by the engine's snapshot, which the CLI's ``status`` and the tray tooltip show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from agent.core.model import Location, PresenceState
from agent.core.signals import Meeting
from agent.core.views import LocationView, MeetingView


@dataclass(frozen=True)
class Context:
    """What the explanation may mention, at the instant it is given."""

    now: datetime
    zone: tzinfo
    idle_seconds: float | None = None
    call_app: str | None = None
    meeting: Meeting | None = None
    place: Location | None = None
    pause_until: datetime | None = None
    adopted: bool = False  # the manual status was set on another device


def reason_text(state: PresenceState, context: Context) -> str:
    """A short explanation of ``state.reason``, e.g. "on a call (zoom)"."""
    reason = state.reason
    if reason == "manual":
        until = state.until
        who = "set on another device" if context.adopted else "set by you"
        return who + (f" until {moment_text(until, context)}" if until else "")
    if reason == "paused":
        until = context.pause_until
        return "updates paused" + (f" until {moment_text(until, context)}" if until else "")
    if reason == "sleep":
        return "computer asleep"
    condition = reason.removeprefix("rule:")
    if condition == "idle":
        return f"idle for {idle_text(context.idle_seconds or 0.0)}"
    if condition == "activeCall":
        return "on a call" + (f" ({context.call_app})" if context.call_app else "")
    if condition == "activeMeeting":
        title = context.meeting.title if context.meeting is not None else ""
        return f"in a meeting: {title}" if title else "in a meeting"
    if condition == "locked":
        return "screen locked"
    if condition == "afterHours":
        return "outside working hours"
    if condition == "location":
        place = context.place
        return f"at {place.name or place.id}" if place is not None else "at a configured location"
    if condition == "remote":
        return "not at a known location"
    return "no rule applies"


def idle_text(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return f"{int(seconds)} s"
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def moment_text(moment: datetime, context: Context) -> str:
    """Format as "14:30" today, "Mon 09:00" within a week, else the date, in the schedule's zone."""
    local = moment.astimezone(context.zone)
    days_ahead = (local.date() - context.now.astimezone(context.zone).date()).days
    if days_ahead == 0:
        return local.strftime("%H:%M")
    if 0 < days_ahead < 7:
        return local.strftime("%a %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def meeting_json(meeting: Meeting | None) -> MeetingView | None:
    if meeting is None:
        return None
    return {
        "title": meeting.title,
        "start": meeting.start.isoformat(),
        "end": meeting.end.isoformat(),
        "join_url": meeting.join_url,
    }


def location_json(location: Location | None) -> LocationView | None:
    if location is None:
        return None
    return {"id": location.id, "type": location.type, "name": location.name}

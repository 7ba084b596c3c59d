"""Words for a service snapshot: what the tray's tooltip, header and notices say.

Pure functions over the snapshot dict (no Qt), so the wording is tested on its own.
Times are shown in the machine's local zone: this is display, not logic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agent.core.model import Status

Snapshot = dict[str, Any]

HEALTHY_BACKEND_STATES = ("ok", "disabled")


def status_of(snapshot: Snapshot) -> Status:
    """The snapshot's status, ``offline`` when it is missing or unknown."""
    try:
        return Status(snapshot.get("status", "offline"))
    except ValueError:
        return Status.OFFLINE


def when(iso: str | None, now: datetime | None = None) -> str:
    """``14:30`` today, ``Tue 14:30`` within a week, else ``12 Mar 14:30``."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    today = (now or datetime.now().astimezone()).date()
    days = (moment.date() - today).days
    if days == 0:
        return moment.strftime("%H:%M")
    if 0 < days < 7 or -7 < days < 0:
        return moment.strftime("%a %H:%M")
    return moment.strftime("%d %b %H:%M")


def headline(snapshot: Snapshot) -> str:
    """``Away — idle for 6 min``: the status and why it holds."""
    label = snapshot.get("label") or status_of(snapshot).label
    reason = snapshot.get("reason_text") or ""
    return f"{label} — {reason}" if reason else str(label)


RULE_WORDS = {
    "activeCall": "on a call",
    "activeMeeting": "in a meeting",
    "afterHours": "outside working hours",
    "idle": "idle",
    "locked": "screen locked",
    "location": "at a location",
    "remote": "working remotely",
}


def reason_words(reason: str) -> str:
    """A journal reason (``manual``, ``rule:idle``) in words: "set by you", "idle"."""
    if reason == "manual":
        return "set by you"
    if reason == "paused":
        return "automatic updates paused"
    if reason == "default":
        return "automatic"
    if reason == "exit":
        return "the agent stopped (quit, log-out or shutdown)"
    if reason.startswith("rule:"):
        condition = reason.removeprefix("rule:")
        return RULE_WORDS.get(condition, condition)
    return reason


def location_name(snapshot: Snapshot) -> str:
    location = snapshot.get("location")
    if not location:
        return ""
    return str(location.get("name") or location.get("id") or "")


def detail_lines(snapshot: Snapshot) -> list[str]:
    """The message, the expiry and the location, each on a line when present."""
    lines = []
    if snapshot.get("message"):
        lines.append(f"“{snapshot['message']}”")
    if snapshot.get("until"):
        lines.append(f"Until {when(snapshot['until'])}")
    if snapshot.get("paused_until"):
        lines.append(f"Automatic updates paused until {when(snapshot['paused_until'])}")
    place = location_name(snapshot)
    if place:
        lines.append(f"At {place}")
    return lines


def tooltip(snapshot: Snapshot) -> str:
    """Tooltip text: the headline, then the details, then anything wrong."""
    return "\n".join([headline(snapshot), *detail_lines(snapshot), *problem_lines(snapshot)])


def problem_lines(snapshot: Snapshot) -> list[str]:
    """One line per backend that is not healthy, plus degraded detection and config problems."""
    lines = []
    for name, info in sorted((snapshot.get("backends") or {}).items()):
        state = info.get("state", "ok")
        if state in HEALTHY_BACKEND_STATES:
            continue
        error = info.get("last_error")
        lines.append(f"{name}: {state}" + (f" ({error})" if error else ""))
    detection = snapshot.get("detection") or {}
    if detection.get("degraded"):
        notes = "; ".join(detection.get("notes") or [])
        lines.append("Detection degraded" + (f": {notes}" if notes else ""))
    for problem in (snapshot.get("config") or {}).get("problems") or []:
        lines.append(f"Configuration: {problem}")
    return lines


def needs_badge(snapshot: Snapshot) -> bool:
    """Delivery failing, sign-in needed or detection degraded: the icon gets a badge."""
    backends = snapshot.get("backends") or {}
    if any(b.get("state") in ("failing", "sign-in needed") for b in backends.values()):
        return True
    return bool((snapshot.get("detection") or {}).get("degraded"))


def meeting_line(snapshot: Snapshot) -> tuple[str, str] | None:
    """(text, join URL) for the current meeting, else the next one; None without either."""
    current = snapshot.get("meeting")
    if current:
        end = when(current.get("end"))
        text = f"In a meeting: {current.get('title') or 'untitled'}" + (
            f" until {end}" if end else ""
        )
        return text, str(current.get("join_url") or "")
    upcoming = snapshot.get("next_meeting")
    if upcoming:
        text = f"Next: {upcoming.get('title') or 'untitled'} {when(upcoming.get('start'))}"
        return text.rstrip(), str(upcoming.get("join_url") or "")
    return None

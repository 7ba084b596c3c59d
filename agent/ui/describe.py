"""Words for a service snapshot: what the tray's tooltip, header and notices say.

Pure functions over the snapshot dict (no Qt), so the wording is tested on its own.
Times are shown in the machine's local zone: this is display, not logic.
"""

from __future__ import annotations

from datetime import datetime

from agent.core.model import Status
from agent.protocol import BackendView, Snapshot

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
    """``Away — idle for 6 min``: the status and why it holds, in plain words."""
    label = snapshot.get("label") or status_of(snapshot).label
    reason = snapshot.get("reason_text") or ""
    if snapshot.get("reason") == "default":
        reason = "automatic"
    reason = plain_reason(reason)
    return f"{label} — {reason}" if reason else str(label)


def plain_reason(reason: str) -> str:
    """The agent's reason text with its two technical phrases put plainly."""
    if reason == "no rule applies":
        return "automatic"
    return reason.replace("updates paused", "status held")


def _reason_says_until(snapshot: Snapshot) -> bool:
    """The reason text already ends in "until …" (manual choices and pauses)."""
    return " until " in f" {snapshot.get('reason_text') or ''}"


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
        return "status held"
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
    """The message, the expiry and the location, each on a line when present.

    An expiry the headline already gives ("set by you until Wed 09:00") is not repeated.
    """
    lines = []
    if snapshot.get("message"):
        lines.append(f"“{snapshot['message']}”")
    repeated = _reason_says_until(snapshot)
    if snapshot.get("until") and not repeated:
        lines.append(f"Until {when(snapshot['until'])}")
    if snapshot.get("paused_until") and not (repeated and snapshot.get("reason") == "paused"):
        lines.append(f"Status held until {when(snapshot['paused_until'])}")
    place = location_name(snapshot)
    if place:
        lines.append(f"At {place}")
    return lines


def tooltip(snapshot: Snapshot) -> str:
    """Tooltip text: the headline, then the details, then the health line if any."""
    health = health_line(snapshot).removesuffix(DETAILS_SUFFIX)
    return "\n".join([headline(snapshot), *detail_lines(snapshot), *([health] if health else [])])


DETAILS_SUFFIX = " — details…"
SIGNAL_WORDS = {
    "idle": "Being away from the computer",
    "lock": "Locking the screen",
    "sleep": "The computer going to sleep",
    "call": "Calls",
    "meeting": "Meetings",
    "location": "Where you are",
}


def _unhealthy(snapshot: Snapshot, *states: str) -> list[str]:
    backends = snapshot.get("backends") or {}
    return sorted(n for n, b in backends.items() if b.get("state") in states)


def health_line(snapshot: Snapshot) -> str:
    """At most one short line about what is wrong, worst first; "" when all is well."""
    if _unhealthy(snapshot, "sign-in needed"):
        return "Sign-in needed for presence updates" + DETAILS_SUFFIX
    if _unhealthy(snapshot, "failing", "retrying"):
        return "Presence updates are failing" + DETAILS_SUFFIX
    if (snapshot.get("config") or {}).get("problems"):
        return "Some settings could not be used" + DETAILS_SUFFIX
    if undetected_signals(snapshot):
        return "Some things can't be detected here" + DETAILS_SUFFIX
    return ""


def undetected_signals(snapshot: Snapshot) -> list[str]:
    """Signals with no working source on this machine (they read "unknown")."""
    detection = snapshot.get("detection") or {}
    if not detection.get("degraded"):
        return []
    sources = detection.get("sources") or {}
    return [signal for signal in SIGNAL_WORDS if sources.get(signal) == "none"]


def backend_problem(name: str, info: BackendView, vendor: str, address: str) -> str:
    """One backend's trouble as a sentence a person can act on."""
    state = info.get("state", "ok")
    who = f"{vendor} ({name})" if vendor and vendor.lower() != name.lower() else (vendor or name)
    queued = int(info.get("queue_depth") or 0)
    kept = (
        f" {queued} change{'s are' if queued != 1 else ' is'} kept and will be sent when it works."
        if queued
        else " Changes are kept and sent when it works again."
    )
    if state == "sign-in needed":
        return (
            f"{who} no longer accepts the saved password or token. Open Settings › Backends, "
            f"enter it again and click Save.{kept}"
        )
    where = f" at {address}" if address else ""
    error = str(info.get("last_error") or "")
    if error.startswith("rejected"):
        return (
            f"{who}{where} refuses the updates it is sent. "
            "Check its settings in Settings › Backends."
        )
    return (
        f"Presence Agent can't reach {who}{where}. Check your network or VPN; if it keeps "
        f"failing, check the server address in Settings › Backends.{kept}"
    )


def health_details(
    snapshot: Snapshot, vendors: dict[str, str], addresses: dict[str, str]
) -> list[str]:
    """Everything wrong, one plain sentence each, for the details window."""
    lines = []
    for name, info in sorted((snapshot.get("backends") or {}).items()):
        if info.get("state", "ok") in HEALTHY_BACKEND_STATES:
            continue
        lines.append(backend_problem(name, info, vendors.get(name, ""), addresses.get(name, "")))
    problems = (snapshot.get("config") or {}).get("problems") or []
    if any("policy" in str(p) for p in problems):
        lines.append(
            "Your organization's settings for this app contain a mistake, so some of them are "
            "not applied. Please tell your IT department."
        )
    if any("policy" not in str(p) for p in problems):
        lines.append(
            "Some of your settings could not be used, so their defaults apply. "
            "Open Settings to see which."
        )
    for signal in undetected_signals(snapshot):
        lines.append(
            f"{SIGNAL_WORDS[signal]} can't be detected on this computer, so your status "
            "won't change for it by itself."
        )
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

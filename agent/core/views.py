"""The engine's part of the status snapshot, typed once for the agent, the CLI and the tray.

These are JSON shapes (strings for instants, ISO 8601 with the offset), because the
snapshot crosses the local socket; :mod:`agent.protocol` builds the whole wire on them.
"""

from __future__ import annotations

from typing import TypedDict


class LocationView(TypedDict):
    id: str
    type: str
    name: str


class MeetingView(TypedDict):
    title: str
    start: str
    end: str
    join_url: str | None


class OverrideView(TypedDict):
    """A manual choice that wins until ``until`` (``None``: until cleared).

    ``origin`` names the backend it was adopted from when it was set on another device.
    """

    status: str
    message: str
    until: str | None
    origin: str | None


class SignalsView(TypedDict):
    """What the detectors last said; ``None`` where a signal has no working source."""

    idle_seconds: float | None
    locked: bool | None
    in_call: bool | None
    call_app: str | None
    in_meeting: bool | None
    after_hours: bool | None
    location: LocationView | None
    remote: bool | None
    sleeping: bool


class EngineView(TypedDict):
    """Why the status is what it is, what overrides it, and what comes next."""

    reason_text: str
    override: OverrideView | None
    paused: bool
    paused_until: str | None
    pinned_location: str | None
    meeting: MeetingView | None
    next_meeting: MeetingView | None
    next_wakeup: str | None
    signals: SignalsView

"""The presence engine: signals, rules and the user's choices make one presence state.

Precedence, highest first: a manual override, a pause (the automatic status frozen),
sleep (away), the first matching rule, ``available``. The engine is pure: time comes
from the injected clock, nothing here does I/O or sleeps, and the output depends
only on the observations and the instants they arrived at, so replaying them gives
the same changes. Not thread-safe: call it from one thread (the agent's loop).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from agent.core.clock import Clock
from agent.core.debounce import Hysteresis, Settled
from agent.core.engine_settings import EngineSettings
from agent.core.explain import Context, iso, location_json, meeting_json, reason_text
from agent.core.model import Location, PresenceChange, PresenceState, Status
from agent.core.places import Places
from agent.core.rules import IDLE_READING_GRACE, Condition, Signals, first_match
from agent.core.saved_state import Override, Pause, Pin, SavedState
from agent.core.schedule import WorkingHours
from agent.core.signals import (
    CallObserved,
    IdleObserved,
    LocationObserved,
    LockObserved,
    Meeting,
    MeetingsObserved,
    Observation,
    SleepObserved,
)
from agent.core.until import resolve_until
from agent.core.views import EngineView

__all__ = ["Engine", "EngineSettings", "SavedState"]

_AutoDecision = tuple[Status, str, datetime | None, str]


class Engine:
    """Turns observations into presence changes; see the module docstring."""

    def __init__(self, settings: EngineSettings, clock: Clock, saved: SavedState | None = None):
        self._clock = clock
        self._idle: float | None = None
        self._idle_at: datetime | None = None
        self._idle_pushed = False  # the source pushes crossings: none is worked out
        self._locked: bool | None = None
        self._call = Hysteresis(settings.call_min_duration, settings.call_hold_after)
        self._call_app: str | None = None
        self._call_in_meeting_app = False
        self._meetings: tuple[Meeting, ...] | None = None
        self._location: Settled[Location] = Settled(settings.location_stable_for)
        self._network: str | None = None  # raw location id, "" remote, None never observed
        self._sleeping = False
        saved = saved or SavedState()
        self._override, self._pause, self._pin = saved.override, saved.pause, saved.pin
        self._emitted: PresenceState | None = None
        self._apply(settings)
        now = clock.now()
        self._expire(now)
        self._current = self._state(now, now)

    # -- inputs ---------------------------------------------------------------------

    def observe(self, observation: Observation) -> None:
        """Take one detector reading, at the clock's now (evaluate afterwards)."""
        now = self._clock.now()
        if isinstance(observation, IdleObserved):
            seconds = observation.idle_seconds
            self._idle = max(0.0, seconds) if seconds is not None else None
            self._idle_at = now if seconds is not None else None
            self._idle_pushed = observation.pushed
        elif isinstance(observation, LockObserved):
            self._locked = observation.locked
        elif isinstance(observation, CallObserved):
            self._call.update(observation.active, now)
            if observation.active:
                self._call_app = observation.app
                self._call_in_meeting_app = observation.meeting_app
        elif isinstance(observation, MeetingsObserved):
            usable = (m for m in observation.meetings if not m.cancelled and m.end > m.start)
            self._meetings = tuple(sorted(usable, key=lambda m: (m.start, m.end)))
        elif isinstance(observation, LocationObserved):
            raw = observation.location
            network = raw.id if raw is not None else ""
            if self._pin is not None and self._pin.network != network:
                self._pin = None  # the network view changed: detect automatically again
            self._network = network
            self._location.update(raw, now)
        elif isinstance(observation, SleepObserved):
            self._sleeping = observation.sleeping
            if not observation.sleeping:
                # The idle reading from before sleep is stale: unknown until re-observed.
                self._idle = self._idle_at = None

    def set_manual(
        self,
        status: Status,
        message: str = "",
        until: datetime | None = None,
        origin: str = "",
    ) -> None:
        """Override every rule until ``until`` (``None``: until cleared).

        ``Status.AVAILABLE`` clears the override instead (back to automatic; a message
        given with it is ignored), and so does an ``until`` already past. ``origin``
        names the backend a status set on another device was adopted from.
        """
        until = self._aware(until) if until is not None else None
        if status is Status.AVAILABLE or (until is not None and until <= self._clock.now()):
            self._override = None
        else:
            self._override = Override(status, message, until, origin)

    def clear_manual(self) -> None:
        self._override = None

    def pause(self, until: datetime | None) -> None:
        """Freeze the automatic status until ``until`` (``None``: until resumed).

        What is frozen is the automatic status (rules, sleep) of this moment; a manual
        choice still works meanwhile and shows over it. Pausing again only moves the end.
        """
        now = self._clock.now()
        until = self._aware(until) if until is not None else None
        if until is not None and until <= now:
            self._pause = None
            return
        if self._pause is not None:
            self._pause = Pause(self._pause.status, self._pause.message, until)
            return
        status, message, _, _ = self._automatic(now)
        self._pause = Pause(status, message, until)

    def resume(self) -> None:
        self._pause = None

    def pin_location(self, location: Location | None) -> None:
        """Report ``location`` until the network's view changes; ``None`` unpins."""
        self._pin = Pin(location, self._network) if location is not None else None

    def reconfigure(self, settings: EngineSettings) -> None:
        """Adopt new settings (a config reload); signals and the user's choices stay."""
        self._apply(settings)

    # -- outputs ----------------------------------------------------------------------

    def evaluate(self) -> PresenceChange | None:
        """The change at the clock's now, or ``None`` when what backends see is unchanged.

        The first call after construction always reports (the start-up state).
        """
        now = self._clock.now()
        self._expire(now)
        status, message, until, reason = self._decide(now)
        location = None if status.hides_location else self._reported_location(now)
        emitted = self._emitted
        current = self._current
        if (
            emitted is not None
            and emitted.status is status
            and emitted.message == message
            and emitted.until == until
            and emitted.location == location
        ):
            if current.reason != reason:
                self._current = PresenceState(
                    status, message, until, location, reason, emitted.since
                )
            return None
        state = PresenceState(status, message, until, location, reason, now)
        self._emitted = self._current = state
        return PresenceChange(state, current if emitted is not None else None, now)

    def next_wakeup(self) -> datetime | None:
        """The earliest instant after now at which the output could change, if any."""
        now = self._clock.now()
        self._expire(now)
        candidates: list[datetime] = []
        if self._override is not None and self._override.until is not None:
            candidates.append(self._override.until)
        if self._pause is not None and self._pause.until is not None:
            candidates.append(self._pause.until)
        if self._override is None and self._pause is None and not self._sleeping:
            candidates.extend(self._rule_wakeups(now))
        if self._pin is None and self._location_mode != "off":
            self._location.settle(now)
            pending = self._location.pending()
            if pending is not None:
                candidates.append(pending)
        future = [c for c in candidates if c > now]
        return min(future) if future else None

    def resolve_until(self, spec: str) -> datetime | None:
        """An expiry from what a person typed; ``None`` for "" / "never".

        See :func:`agent.core.until.resolve_until` for what is accepted.
        """
        return resolve_until(spec, self._clock.now(), self._hours)

    @property
    def current(self) -> PresenceState:
        """The state as of the last :meth:`evaluate` (or construction)."""
        return self._current

    @property
    def settings(self) -> EngineSettings:
        return self._settings

    def saved_state(self) -> SavedState:
        """The user's choices to persist (the app writes them to state.json)."""
        return SavedState(self._override, self._pause, self._pin)

    def snapshot(self) -> EngineView:
        """The engine's part of ``status --json``: signals, choices, meetings, why."""
        now = self._clock.now()
        idle = self._idle_now(now)
        meeting = self._meeting_at(now)
        place = self._place(now)
        override = self._override
        context = Context(
            now,
            self._settings.zone,
            idle,
            self._call_app,
            meeting,
            place,
            self._pause.until if self._pause is not None else None,
            bool(override is not None and override.origin),
        )
        in_call = self._call.settle(now)
        return {
            "reason_text": reason_text(self._current, context),
            "override": (
                {
                    "status": override.status.value,
                    "message": override.message,
                    "until": iso(override.until),
                    "origin": override.origin or None,
                }
                if override is not None
                else None
            ),
            "paused": self._pause is not None,
            "paused_until": iso(context.pause_until),
            "pinned_location": self._pin.location.id if self._pin is not None else None,
            "meeting": meeting_json(meeting),
            "next_meeting": meeting_json(self._next_meeting(now)),
            "next_wakeup": iso(self.next_wakeup()),
            "signals": {
                "idle_seconds": round(idle, 1) if idle is not None else None,
                "locked": self._locked,
                "in_call": in_call,
                "call_app": self._call_app if in_call else None,
                "in_meeting": meeting is not None if self._meetings is not None else None,
                "after_hours": self._hours.is_after_hours(now),
                "location": location_json(place),
                "remote": place is None if self._place_known() else None,
                "sleeping": self._sleeping,
            },
        }

    # -- the decision -------------------------------------------------------------------

    def _decide(self, now: datetime) -> _AutoDecision:
        if self._override is not None:
            override = self._override
            return override.status, override.message, override.until, "manual"
        if self._pause is not None:
            return self._pause.status, self._pause.message, None, "paused"
        return self._automatic(now)

    def _automatic(self, now: datetime) -> _AutoDecision:
        if self._sleeping:
            return Status.AWAY, "", None, "sleep"
        rule = first_match(self._rules, self._signals(now))
        if rule is None:
            return Status.AVAILABLE, "", None, "default"
        return rule.status, rule.message, None, rule.reason

    def _state(self, now: datetime, since: datetime) -> PresenceState:
        status, message, until, reason = self._decide(now)
        location = None if status.hides_location else self._reported_location(now)
        return PresenceState(status, message, until, location, reason, since)

    def _signals(self, now: datetime) -> Signals:
        uses = self._uses
        meetings = self._meetings
        in_meeting: bool | None = None
        if meetings is not None and Condition.ACTIVE_MEETING in uses:
            in_meeting = self._meeting_at(now) is not None
        if self._call_in_meeting_app and Condition.ACTIVE_MEETING in uses:
            # A meeting app capturing the microphone is a meeting, calendar or not.
            in_meeting = bool(in_meeting) or bool(self._call.settle(now))
        after_hours = self._hours.is_after_hours(now) if Condition.AFTER_HOURS in uses else None
        places: frozenset[str] | None = None
        if Condition.LOCATION in uses or Condition.REMOTE in uses:
            places = self._places.ids(self._place(now)) if self._place_known() else None
        return Signals(
            self._idle if self._idle_pushed else self._idle_now(now),
            self._idle,
            self._locked,
            self._call.settle(now),
            in_meeting,
            after_hours,
            places,
        )

    def _rule_wakeups(self, now: datetime) -> list[datetime]:
        uses = self._uses
        found: list[datetime] = []
        if self._idle is not None and self._idle_at is not None and not self._idle_pushed:
            # Thresholds not yet read as crossed flip once worked out plus the grace.
            for threshold in self._idle_thresholds:
                if threshold > self._idle:
                    wait = threshold + IDLE_READING_GRACE - self._idle
                    crossing = self._idle_at + timedelta(seconds=wait)
                    if crossing > now:
                        found.append(crossing)
                        break
        self._call.settle(now)
        pending = self._call.pending()
        if pending is not None and Condition.ACTIVE_CALL in uses:
            found.append(pending)
        if Condition.AFTER_HOURS in uses:
            boundary = self._hours.next_boundary(now)
            if boundary is not None:
                found.append(boundary)
        if self._meetings and Condition.ACTIVE_MEETING in uses:
            edges = [m.start if m.start > now else m.end for m in self._meetings if m.end > now]
            if edges:
                found.append(min(edges))
        return found

    # -- signal helpers -----------------------------------------------------------------

    def _idle_now(self, now: datetime) -> float | None:
        if self._idle is None or self._idle_at is None:
            return None
        return self._idle + max(0.0, (now - self._idle_at).total_seconds())

    def _meeting_at(self, now: datetime) -> Meeting | None:
        """The current meeting: of those in progress, the one that started last."""
        found = None
        for meeting in self._meetings or ():
            if meeting.start > now:
                break
            if now < meeting.end:
                found = meeting
        return found

    def _next_meeting(self, now: datetime) -> Meeting | None:
        return next((m for m in self._meetings or () if m.start > now), None)

    def _place_known(self) -> bool:
        return self._location_mode != "off" and (self._pin is not None or self._location.known)

    def _place(self, now: datetime) -> Location | None:
        """Where the user is (pinned or settled), before the privacy mode; None: remote."""
        if not self._place_known():
            return None
        if self._pin is not None:
            return self._pin.location
        return self._location.settle(now)

    def _reported_location(self, now: datetime) -> Location | None:
        place = self._place(now)
        if place is None or self._location_mode != "site":
            return place
        return self._places.site(place)

    def _expire(self, now: datetime) -> None:
        if self._override is not None and self._override.until is not None:
            if self._override.until <= now:
                self._override = None
        if self._pause is not None and self._pause.until is not None:
            if self._pause.until <= now:
                self._pause = None

    def _apply(self, settings: EngineSettings) -> None:
        self._settings = settings
        self._rules = settings.rules
        self._uses = frozenset(rule.condition for rule in settings.rules)
        self._idle_thresholds = sorted(
            {r.after for r in settings.rules if r.condition is Condition.IDLE}
        )
        self._hours = WorkingHours(settings.schedule, settings.zone)
        self._call.configure(settings.call_min_duration, settings.call_hold_after)
        self._location.configure(settings.location_stable_for)
        self._location_mode = settings.location_mode
        self._places = Places(settings.locations)
        if self._pin is not None:
            self._pin = self._places.refresh_pin(self._pin)

    def _aware(self, moment: datetime) -> datetime:
        """A time without an offset is in the schedule's zone."""
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=self._settings.zone)

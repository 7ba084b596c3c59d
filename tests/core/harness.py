"""Building engines on a hand-moved clock and driving them step by step."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from agent.config.schema import (
    Config,
    LocationEntry,
    LocationSettings,
    ScheduleSettings,
)
from agent.core.clock import ManualClock
from agent.core.engine import Engine, EngineSettings
from agent.core.model import Location, PresenceChange
from agent.core.saved_state import SavedState
from agent.core.signals import Meeting, Observation

BERLIN = ZoneInfo("Europe/Berlin")
# Wednesday 25 March 2026, 10:00 in Berlin: inside working hours, days before the DST change.
START = datetime(2026, 3, 25, 10, 0, tzinfo=BERLIN).astimezone(UTC)

LOCATIONS = (
    LocationEntry("hq", "building", "HQ"),
    LocationEntry("hq-3", "level", "HQ level 3", parent="hq"),
    LocationEntry("lab", "building", "Lab"),
)
HQ = Location("hq", "building", "HQ")
HQ3 = Location("hq-3", "level", "HQ level 3")
LAB = Location("lab", "building", "Lab")

Step = float | int | Observation | Callable[[Engine], Any]


def make_config(mode: str = "full", **changes: Any) -> Config:
    base: dict[str, Any] = {
        "schedule": ScheduleSettings(timezone="Europe/Berlin"),
        "locations": LOCATIONS,
        "location": LocationSettings(mode=mode),
    }
    base.update(changes)
    return Config(**base)


def make_engine(
    config: Config | None = None, start: datetime = START, saved: SavedState | None = None
) -> tuple[Engine, ManualClock]:
    clock = ManualClock(start)
    engine = Engine(EngineSettings.from_config(config or make_config()), clock, saved)
    return engine, clock


def drive(engine: Engine, clock: ManualClock, steps: Iterable[Step]) -> list[PresenceChange]:
    """Apply each step (seconds to advance, an observation, or an action) then evaluate."""
    changes = []
    for step in steps:
        if isinstance(step, int | float):
            clock.advance(float(step))
        elif callable(step):
            step(engine)
        else:
            engine.observe(step)
        change = engine.evaluate()
        if change is not None:
            changes.append(change)
    return changes


def meeting(title: str, start_in: float, minutes: float, **extra: Any) -> Meeting:
    """A meeting starting ``start_in`` seconds after START."""
    start = START + timedelta(seconds=start_in)
    return Meeting(
        uid=title, title=title, start=start, end=start + timedelta(minutes=minutes), **extra
    )

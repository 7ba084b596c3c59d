"""The engine's settings, checked and built from the effective configuration."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, tzinfo

from agent.config.schema import Config, IdleSettings, LocationEntry, ScheduleSettings
from agent.core.rules import Rule, build_rules, default_rules
from agent.core.schedule import DAY_NAMES, WorkingHours, machine_zone, resolve_zone

LOCATION_MODES = ("off", "site", "full")


@dataclass(frozen=True)
class EngineSettings:
    """What the engine needs from the configuration, checked; ``problems`` lists fixes made."""

    rules: tuple[Rule, ...] = default_rules(IdleSettings())
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    zone: tzinfo = UTC
    call_min_duration: float = 2.0
    call_hold_after: float = 15.0
    location_mode: str = "full"
    location_stable_for: float = 30.0
    locations: tuple[LocationEntry, ...] = ()
    problems: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: Config, zone: tzinfo | None = None) -> EngineSettings:
        """Settings from the effective config; ``zone`` overrides ``[schedule].timezone``."""
        rules, problems = build_rules(config.rules, config.idle)
        schedule = config.schedule
        if zone is None:
            try:
                zone = resolve_zone(schedule.timezone)
            except ValueError as error:
                problems.append(f"schedule.timezone: {error}")
                zone = machine_zone()
        unknown_days = [d for d in schedule.days if d.strip().lower()[:3] not in DAY_NAMES]
        if unknown_days:
            problems.append(f"schedule.days: unknown day(s) {', '.join(unknown_days)}")
        try:
            WorkingHours(schedule, zone)
        except ValueError as error:
            problems.append(f"schedule: {error}; using 09:00-17:00")
            schedule = ScheduleSettings(schedule.timezone, schedule.days, enabled=schedule.enabled)
        mode = config.location.mode
        if mode not in LOCATION_MODES:
            problems.append(f"location.mode: {mode!r} is not one of {', '.join(LOCATION_MODES)}")
            mode = "full"
        return cls(
            rules=rules,
            schedule=schedule,
            zone=zone,
            call_min_duration=config.call.min_duration,
            call_hold_after=config.call.hold_after,
            location_mode=mode,
            location_stable_for=config.location.stable_for,
            locations=config.locations,
            problems=tuple(problems),
        )

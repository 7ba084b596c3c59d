"""Checks on the built configuration that types alone cannot express.

Each check returns ``(dotted.path, message)`` pairs. Checks that need a package above
``config`` (backend types and their options, location matchers, what counts as a safe
URL) are handed in by the caller as :data:`Check` functions (see
``agent.config_checks``), so this package imports nothing above it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from agent.config.locations import validate_locations
from agent.config.menu_items import MENU_ITEMS
from agent.config.schema import CHOICES, SCHEMA_VERSION, Config
from agent.core.rules import rule_problems

Problems = list[tuple[str, str]]
Check = Callable[[Config], Iterable[tuple[str, str]]]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def check(config: Config, more: Sequence[Check]) -> Problems:
    """Every problem: this package's own checks, then ``more`` (from the layers above)."""
    problems: Problems = []
    for check_part in (*_CHECKS, *more):
        problems.extend(check_part(config))
    return problems


def _choices(config: Config) -> Iterable[tuple[str, str]]:
    for path, choices in CHOICES.items():
        section, name = path.split(".")
        value = getattr(getattr(config, section), name)
        if value not in choices:
            yield path, f"must be one of {', '.join(choices)}, got {value!r}"


def _schedule(config: Config) -> Iterable[tuple[str, str]]:
    schedule = config.schedule
    for index, day in enumerate(schedule.days):
        if day not in DAYS:
            yield f"schedule.days[{index}]", f"must be one of {', '.join(DAYS)}, got {day!r}"
    for name in ("start", "end"):
        if not _TIME.match(getattr(schedule, name)):
            yield f"schedule.{name}", 'must be a time like "09:00" (24-hour HH:MM)'
    if schedule.timezone:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(schedule.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            yield "schedule.timezone", f"unknown time zone {schedule.timezone!r} (e.g. Europe/Oslo)"


def _rules(config: Config) -> Iterable[tuple[str, str]]:
    """The engine's own rule checks, so a bad rule is reported with its line at load."""
    known = {entry.id for entry in config.locations}
    for index, rule in enumerate(config.rules):
        yield from rule_problems(index, rule)
        if rule.location and rule.location not in known:
            yield f"rules[{index}].location", f"no [[locations]] entry has id {rule.location!r}"


def _menu_items(config: Config) -> Iterable[tuple[str, str]]:
    """Hidden menu items by their names."""
    names = MENU_ITEMS
    allowed = set(names) | {name.removeprefix("status.") for name in names}
    for index, item in enumerate(config.ui.hidden_menu_items):
        if item not in allowed:
            yield (
                f"ui.hidden_menu_items[{index}]",
                f"unknown menu item {item!r}; use one of {', '.join(names)}",
            )


def _general(config: Config) -> Iterable[tuple[str, str]]:
    proxy = config.general.proxy_url
    if proxy and urlsplit(proxy).scheme not in ("http", "https", "socks5", "socks5h"):
        yield "general.proxy_url", "must be a proxy URL like http://proxy.example.com:3128"
    if config.version > SCHEMA_VERSION:
        yield (
            "version",
            f"written for a newer agent (schema {config.version}; this one reads {SCHEMA_VERSION})",
        )


def _unique(names: Iterable[str], table: str) -> Iterable[tuple[str, str]]:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if not name:
            yield f"{table}[{index}].name", "must not be empty"
        elif name in seen:
            yield (
                f"{table}[{index}].name",
                f"{name!r} is used by another entry; names must be unique",
            )
        seen.add(name)


def _locations(config: Config) -> Iterable[tuple[str, str]]:
    """Ids, parents and every matcher (CIDR, MAC, DNS name, SSID), checked by the matcher."""
    yield from validate_locations(config.locations)


def _calendars(config: Config) -> Iterable[tuple[str, str]]:
    yield from _unique((cal.name for cal in config.calendars), "calendars")
    for index, calendar in enumerate(config.calendars):
        if bool(calendar.path) == bool(calendar.url or calendar.url_secret):
            yield f"calendars[{index}]", "needs exactly one of path, url or url_secret = true"
        elif calendar.path and not Path(calendar.path).expanduser().is_file():
            yield f"calendars[{index}].path", f"no such file: {calendar.path}"


def _backend_names(config: Config) -> Iterable[tuple[str, str]]:
    yield from _unique((entry.name for entry in config.backends), "backends")


_CHECKS: tuple[Callable[[Config], Iterable[tuple[str, str]]], ...] = (
    _choices,
    _schedule,
    _rules,
    _menu_items,
    _general,
    _locations,
    _calendars,
    _backend_names,
)

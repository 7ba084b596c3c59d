"""Checks on the built configuration that types alone cannot express.

Each check returns ``(dotted.path, message)`` pairs. Backend type-specific options
are checked by the backends registry (imported lazily: the CLI must start fast, and
the registry belongs to the backends package). URLs go through the backends' own
``url_problem``, so the file and the sender agree on what "this machine" is; that
module loads httpx only for type checking.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agent.backends.http import url_problem
from agent.config.build import looks_secret, secret_message
from agent.config.schema import CHOICES, SCHEMA_VERSION, BackendEntry, Config
from agent.core.rules import rule_problems

Problems = list[tuple[str, str]]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def registry() -> Any | None:
    """``agent.backends.registry`` if this build has it (it is written by the backends team)."""
    try:
        return importlib.import_module("agent.backends.registry")
    except ModuleNotFoundError as error:
        if error.name in ("agent.backends.registry", "agent.backends"):
            return None
        raise


def check(config: Config) -> Problems:
    problems: Problems = []
    for check_part in _CHECKS:
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
    """Hidden menu items by their names (lazily: the list lives with the tray, Qt-free)."""
    names: dict[str, str] = importlib.import_module("agent.ui.menu_items").MENU_ITEMS
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
    from agent.detectors.location_match import validate_locations

    yield from validate_locations(config.locations)


def _calendars(config: Config) -> Iterable[tuple[str, str]]:
    yield from _unique((cal.name for cal in config.calendars), "calendars")
    for index, calendar in enumerate(config.calendars):
        if bool(calendar.path) == bool(calendar.url or calendar.url_secret):
            yield f"calendars[{index}]", "needs exactly one of path, url or url_secret = true"
        elif calendar.path and not Path(calendar.path).expanduser().is_file():
            yield f"calendars[{index}].path", f"no such file: {calendar.path}"
        if calendar.url:
            problem = url_problem(calendar.url)
            if problem:
                yield f"calendars[{index}].url", problem


def _backends(config: Config) -> Iterable[tuple[str, str]]:
    yield from _unique((entry.name for entry in config.backends), "backends")
    module = registry()
    for index, entry in enumerate(config.backends):
        prefix = f"backends[{index}]"
        if entry.base_url:
            problem = url_problem(entry.base_url)
            if problem:
                yield f"{prefix}.base_url", problem
        yield from _backend_secrets(entry, prefix, module)
        if module is None:
            continue
        for key, message in module.validate_entry(entry):
            yield f"{prefix}.{key}" if key else prefix, message


def _backend_secrets(entry: BackendEntry, prefix: str, module: Any | None) -> Problems:
    """The registry's declared secret fields for this type, should one not look like a secret."""
    declared = getattr(module, "SECRET_FIELDS", {}).get(entry.type, ()) if module else ()
    return [
        (f"{prefix}.{name}", secret_message(entry.name, name))
        for name in declared
        if name in entry.options and not looks_secret(name)
    ]


_CHECKS: tuple[Callable[[Config], Iterable[tuple[str, str]]], ...] = (
    _choices,
    _schedule,
    _rules,
    _menu_items,
    _general,
    _locations,
    _calendars,
    _backends,
)

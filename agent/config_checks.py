"""The configuration as every part of the agent reads it: loaded with all its checks.

``agent.config`` checks what it can know itself; the checks that need the packages above
it (backend types and their options, what counts as a safe URL)
live here and are handed to the loader, so ``config`` imports nothing above it.
Everything that loads the configuration (the agent, the CLI, the tray) calls
:func:`load_config` here, so they all accept and reject the same file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from agent.backends.http import url_problem
from agent.backends.registry import SECRET_FIELDS, validate_entry
from agent.config import loader
from agent.config.build import looks_secret, secret_message
from agent.config.loader import ConfigError, LoadedConfig
from agent.config.schema import Config
from agent.config.validate import Check

if TYPE_CHECKING:
    from agent.config.paths import Paths
    from agent.config.policy import PolicyReader

__all__ = ["CHECKS", "ConfigError", "LoadedConfig", "load_config"]


def load_config(
    paths: Paths,
    policy: PolicyReader | None = None,
    username: str | None = None,
    *,
    partial: bool = False,
) -> LoadedConfig:
    """The effective configuration for ``paths``; raises :class:`ConfigError`.

    ``partial`` (the agent starting up): a problem drops only the entry or key it is in.
    """
    return loader.load_config(paths, policy, username, checks=CHECKS, partial=partial)


def _calendar_urls(config: Config) -> Iterable[tuple[str, str]]:
    """The same idea of "this machine" as the fetcher: plain http only to loopback."""
    for index, calendar in enumerate(config.calendars):
        if calendar.url:
            problem = url_problem(calendar.url)
            if problem:
                yield f"calendars[{index}].url", problem


def _backends(config: Config) -> Iterable[tuple[str, str]]:
    """Each entry as its backend type reads it, and no secret written in the file."""
    for index, entry in enumerate(config.backends):
        prefix = f"backends[{index}]"
        if entry.base_url:
            problem = url_problem(entry.base_url)
            if problem:
                yield f"{prefix}.base_url", problem
        for name in SECRET_FIELDS.get(entry.type, ()):
            if name in entry.options and not looks_secret(name):
                yield f"{prefix}.{name}", secret_message(entry.name, name)
        for key, message in validate_entry(entry):
            yield f"{prefix}.{key}" if key else prefix, message


CHECKS: tuple[Check, ...] = (_calendar_urls, _backends)

"""Load the effective configuration: the user's TOML file, managed policy, defaults.

Every problem names the file, the line (where known) and the key path, e.g.
``/home/me/.config/presence-agent/config.toml:14 backends[1].base_url: must be an
https URL``. Problems in the user's file (or in a policy value once applied) make
the whole load fail with :class:`ConfigError` so that a running agent keeps its
last good configuration; an agent starting up loads ``partial``, without just the
entries that have problems (it has no good configuration to keep). Problems in the
policy itself (an unknown key, a wrong type) do not stop the agent: they are in
:attr:`LoadedConfig.problems`, and the valid policy keys still apply.
"""

from __future__ import annotations

import dataclasses
import getpass
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.config import bounds, overlay, validate
from agent.config.build import Builder, find_secrets
from agent.config.locate import key_lines, line_of
from agent.config.paths import Paths
from agent.config.policy import PolicyData, PolicyReader, default_reader
from agent.config.prune import prune
from agent.config.schema import Config
from agent.core.durations import format_duration

ORIGINS = ("enforced", "user", "recommended", "default")


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` has one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class LoadedConfig:
    """The effective configuration and where each setting came from.

    ``origins`` maps every dotted setting (``idle.away_after``,
    ``backends[0].options.account_id``) to enforced/user/recommended/default;
    ``locked`` holds the settings IT enforces (the UI greys them out and config
    writes refuse them); ``problems`` holds non-fatal policy problems.
    """

    config: Config
    origins: dict[str, str]
    locked: frozenset[str] = frozenset()
    problems: tuple[str, ...] = ()
    path: Path | None = None
    file_found: bool = False
    policy_sources: tuple[str, ...] = ()

    def is_locked(self, setting: str) -> bool:
        """True when the user may not change ``setting`` (enforced, or all settings locked)."""
        return setting in self.locked or self.config.general.lock_settings


def load_config(
    paths: Paths,
    policy: PolicyReader | None = None,
    username: str | None = None,
    *,
    checks: Sequence[validate.Check],
    partial: bool = False,
) -> LoadedConfig:
    """The effective configuration for ``paths``; raises :class:`ConfigError`.

    ``checks`` come from the layers above (``agent.config_checks.load_config`` passes
    them all): this package cannot know the backend types or the location matchers.
    With ``partial`` (the agent starting up) a problem drops only the entry or key it
    is in, and the problems come back in ``LoadedConfig.problems`` instead: see
    :func:`load_file`.
    """
    reader = policy if policy is not None else default_reader(paths.policy_file)
    return load_file(
        paths.config_file,
        reader.read(),
        username or getpass.getuser(),
        checks,
        partial=partial,
    )


def load_file(
    path: Path,
    policy: PolicyData,
    username: str,
    checks: Sequence[validate.Check],
    *,
    partial: bool = False,
) -> LoadedConfig:
    """The configuration in ``path`` under ``policy``; raises :class:`ConfigError`.

    ``partial``: each problem drops the ``[[...]]`` entry it is in (or the single key,
    which falls back to its default) and the rest is used; only a file that cannot be
    read at all still raises.
    """
    try:
        text = bounds.read_text(path)
        found = True
    except FileNotFoundError:
        text, found = "", False
    except bounds.TooLarge as error:
        raise ConfigError([f"{path}: {error}"]) from None
    except OSError as error:
        raise ConfigError([f"{path}: cannot be read: {error.strerror or error}"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: is not UTF-8 text"]) from None
    try:
        user = bounds.parse_toml(text)
    except bounds.TooDeep as error:
        line = f":{error.line}" if error.line else ""
        raise ConfigError([f"{path}{line} {error.reason}"]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([_decode_problem(path, error)]) from None
    lines = key_lines(text)
    merged = overlay.apply(user, policy, username)

    def where(key: str) -> str:
        raw = overlay.raw_path(key)
        line = line_of(lines, raw)
        policy_key = merged.keys.get(raw) or (None if line else merged.key_for(raw))
        if policy_key:
            return f"{policy.source} (policy key {policy_key})"
        return f"{path}:{line}" if line else str(path)

    data = merged.data
    config, problems = _build(data, checks)
    reported = [f"{where(key)} {key}: {message}" for key, message in problems]
    if problems and not partial:
        raise ConfigError(reported)
    for _ in range(_PRUNE_ROUNDS):
        if not problems:
            break
        prune(data, [key for key, _message in problems])
        config, problems = _build(data, checks)
        # Indexes below are of the entries that are left (see prune).
        reported += [
            f"{path} {key}: {message} (after the drops above)" for key, message in problems
        ]
    if config is None or problems:
        raise ConfigError(reported)
    if reported:
        reported.append(f"{path}: the entries and keys named above are ignored until fixed")
    written = overlay.leaf_paths(user)
    origins = {key: _origin(key, merged, written) for key in settings(config)}
    return LoadedConfig(
        config=config,
        origins=origins,
        locked=frozenset(key for key, origin in origins.items() if origin == "enforced"),
        problems=tuple([*reported, *policy.problems, *merged.problems]),
        path=path,
        file_found=found,
        policy_sources=policy.sources,
    )


_PRUNE_ROUNDS = 3
"""Dropping an entry can break another (a rule naming a dropped location): a few rounds."""


def _build(
    data: dict[str, Any], checks: Sequence[validate.Check]
) -> tuple[Config | None, list[tuple[str, str]]]:
    """The config built from ``data`` and every problem with it, one per key."""
    problems = bounds.count_problems(data)
    builder = Builder()
    config = builder.build(Config, data)
    problems += find_secrets(data)
    problems += builder.problems
    if config is not None:
        problems += validate.check(config, checks)
        problems += bounds.range_problems(config)
    elif not builder.problems:
        problems.append(("(top level)", "cannot be used"))
    return config, _dedupe(problems)


def _decode_problem(path: Path, error: tomllib.TOMLDecodeError) -> str:
    message = str(error)
    # tomllib says "... (at line 3, column 7)"; put the line where every other problem has it.
    if "(at line " in message:
        reason, _, position = message.rpartition(" (at line ")
        line = position.split(",")[0].rstrip(")")
        return f"{path}:{line} {reason} (not valid TOML)"
    return f"{path}: {message} (not valid TOML)"


def _dedupe(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One problem per key (the registry may repeat what the loader already said)."""
    first: dict[str, str] = {}
    for key, message in problems:
        first.setdefault(key, message)
    return list(first.items())


def _origin(key: str, merged: overlay.Overlay, written: set[str]) -> str:
    if key in merged.enforced:
        return "enforced"
    raw = overlay.raw_path(key)
    if raw in written:
        return "user"
    if key in merged.recommended:
        return "recommended"
    return "default"


def settings(config: Any, prefix: str = "", render: bool = False) -> dict[str, Any]:
    """Every effective setting by dotted key (arrays of tables as ``name[i].key``).

    ``render`` writes durations the way the file does ("5m") instead of seconds.
    """
    found: dict[str, Any] = {}
    for item in dataclasses.fields(config):
        value = getattr(config, item.name)
        key = f"{prefix}.{item.name}" if prefix else item.name
        if dataclasses.is_dataclass(value):
            found.update(settings(value, key, render))
        elif isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
            for index, entry in enumerate(value):
                found.update(settings(entry, f"{key}[{index}]", render))
        elif isinstance(value, dict):
            for name, option in value.items():
                found[f"{key}.{name}"] = option
        elif render and item.metadata.get("duration") and isinstance(value, float):
            found[key] = format_duration(value)
        else:
            found[key] = value
    return found

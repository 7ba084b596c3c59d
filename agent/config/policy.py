r"""Managed (IT) policy: read per OS, check against the key list, overlay on the user's file.

Two tiers everywhere: *enforced* (locked; wins over the user's file) and
*recommended* (a default the user's file may change). Priority:
enforced > user > recommended > built-in default.

- Linux: ``/etc/presence-agent/policy.toml`` with ``[enforced]`` and ``[recommended]``,
  then the same in ``/etc/presence-agent/users/<user>.toml`` (per user: it wins).
- Windows: ``HKLM\SOFTWARE\Policies\PresenceAgent`` and the same under HKCU (HKLM
  wins per key); recommended values under its ``Recommended`` subkey.
- macOS: the managed preferences of ``com.presenceagent.agent`` (the plist in
  ``/Library/Managed Preferences``); top-level keys are enforced, the ``Defaults``
  dictionary holds recommended values.

Each reader sits behind :class:`PolicyReader` so the Windows and macOS ones are
tested with injected registry/plist data. Unknown keys and wrong types are never
ignored silently: they become problems, reported by ``config check``, ``doctor`` and
the agent's log, while the valid keys still apply. Structured keys (tables, arrays
of tables) come as native values from TOML and plists and as JSON text from the
registry. A problem with a secret key never quotes its value.
"""

from __future__ import annotations

import difflib
import os
import stat
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from agent.config import bounds
from agent.config.locate import key_lines, line_of
from agent.config.policy_keys import POLICY_KEYS, PolicyKey, PolicyType, by_name
from agent.config.policy_structured import json_value, structured_value
from agent.core.durations import parse_duration
from agent.core.nesting import MAX_DEPTH, value_too_deep
from agent.platform.windows.registry import Registry, WindowsRegistry

WINDOWS_POLICY_KEY = r"SOFTWARE\Policies\PresenceAgent"
MACOS_DOMAIN = "com.presenceagent.agent"
MACOS_MANAGED_DIR = Path("/Library/Managed Preferences")


@dataclass(frozen=True)
class PolicyData:
    """Checked policy values by key name, per tier, with where they came from."""

    enforced: dict[str, Any] = field(default_factory=dict)
    recommended: dict[str, Any] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        return ", ".join(self.sources) or "policy"


class PolicyReader(Protocol):
    def read(self) -> PolicyData: ...


def coerce(key: PolicyKey, value: Any) -> Any:
    """``value`` as the TOML-native value for ``key``'s type; ValueError says what is wrong."""
    kind = key.type
    if key.structured:
        return structured_value(key, value)
    if kind is PolicyType.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
            return _BOOL_WORDS[value.strip().lower()]
        raise ValueError(f"must be a boolean (true/false or 1/0), got {value!r}")
    if kind is PolicyType.INTEGER:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise ValueError(f"must be an integer, got {value!r}")
    if kind is PolicyType.DURATION:
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
        if isinstance(value, str):
            return parse_duration(value)
        raise ValueError(f'must be a duration like "5m" or a number of seconds, got {value!r}')
    if kind is PolicyType.STRING_LIST:
        if isinstance(value, str) and value.lstrip().startswith("["):
            value = json_value(value)  # the registry's way to write a list with commas in it
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return [str(v) for v in value]
        raise ValueError(f"must be a list of strings, got {value!r}")
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {value!r}")
    if kind is PolicyType.ENUM:
        choice = value.strip().lower()
        if choice not in key.choices:
            raise ValueError(f"must be one of {', '.join(key.choices)}, got {value!r}")
        return choice
    return value


_BOOL_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def check_values(
    values: Mapping[str, Any], where: Callable[[str], str], problems: list[str]
) -> dict[str, Any]:
    """The valid keys of one tier, coerced; every unknown key or bad value becomes a problem."""
    known = by_name()
    checked: dict[str, Any] = {}
    for name, value in values.items():
        key = known.get(name)
        if key is None:
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(f"{where(name)}: unknown policy key{hint}; it is ignored")
            continue
        try:
            checked[name] = coerce(key, value)
        except ValueError as error:
            message = str(error) if not key.secret else _without_value(str(error), value)
            problems.append(f"{where(name)}: {message}; it is ignored")
    return checked


def _without_value(message: str, value: Any) -> str:
    """A problem with a secret key, its value masked should a message ever quote it."""
    texts = [value] if isinstance(value, str) else []
    if isinstance(value, dict):
        texts = [v for v in value.values() if isinstance(v, str)]
        texts += [w for v in value.values() if isinstance(v, dict) for w in v.values()]
    for text in texts:
        if isinstance(text, str) and len(text) >= 4:
            message = message.replace(text, "***")
    return message


class TomlPolicyReader:
    """Linux (and any Unix): ``policy.toml`` with ``[enforced]`` and ``[recommended]``.

    With ``user_path`` (``/etc/presence-agent/users/<user>.toml``) that file is read too
    and wins key by key: the place for one user's values, credentials above all, in a
    file only that user (and root) can read.
    """

    def __init__(self, path: Path, user_path: Path | None = None) -> None:
        self.path = path
        self.user_path = user_path

    def read(self) -> PolicyData:
        machine = _TomlFile(self.path).read()
        if self.user_path is None:
            return machine
        user = _TomlFile(self.user_path).read()
        return PolicyData(
            enforced={**machine.enforced, **user.enforced},
            recommended={**machine.recommended, **user.recommended},
            sources=machine.sources + user.sources,
            problems=machine.problems + user.problems,
        )


class _TomlFile:
    """One policy file; an absent file is no policy, a broken one a problem."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> PolicyData:
        try:
            text = bounds.read_text(self.path)
        except FileNotFoundError:
            return PolicyData()
        except (OSError, ValueError) as error:  # ValueError: not UTF-8, or too large
            problem = f"{self.path}: cannot be read ({error}); the whole policy file is ignored"
            return PolicyData(sources=(str(self.path),), problems=(problem,))
        try:
            data = bounds.parse_toml(text)
        except ValueError as error:  # not TOML, or nested too deep
            problem = f"{self.path}: {error}; the whole policy file is ignored"
            return PolicyData(sources=(str(self.path),), problems=(problem,))
        lines = key_lines(text)
        problems: list[str] = []

        def where(path: str) -> str:
            line = line_of(lines, path)
            return f"{self.path}:{line} {path}" if line else f"{self.path} {path}"

        tiers: dict[str, dict[str, Any]] = {"enforced": {}, "recommended": {}}
        problems += _exposed_credentials(self.path, data)
        for table, values in data.items():
            if table not in tiers or not isinstance(values, dict):
                problems.append(
                    f"{where(table)}: unknown table; policy keys go under [enforced] or "
                    "[recommended]; it is ignored"
                )
                continue
            tiers[table] = check_values(values, _prefixed(where, f"{table}."), problems)
        return PolicyData(
            enforced=tiers["enforced"],
            recommended=tiers["recommended"],
            sources=(str(self.path),),
            problems=tuple(problems),
        )


def _exposed_credentials(path: Path, data: dict[str, Any]) -> list[str]:
    """A warning when a file carrying credentials can be read by every local user."""
    secret_keys = {key.name for key in POLICY_KEYS if key.secret}
    found = sorted(
        name
        for tier in data.values()
        if isinstance(tier, dict)
        for name in tier
        if name in secret_keys
    )
    try:
        mode = path.stat().st_mode
    except OSError:
        return []
    if not found or not mode & stat.S_IROTH:
        return []
    return [
        f"{path} {', '.join(found)}: credentials in a file every local user can read "
        f"(mode {stat.S_IMODE(mode):04o}): move them to users/<user>.toml, readable by that "
        "user only (see the deployment guide); they are still used"
    ]


class WindowsPolicyReader:
    r"""``HKLM``/``HKCU\SOFTWARE\Policies\PresenceAgent`` (+ ``Recommended``); HKLM wins."""

    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry or WindowsRegistry()

    def read(self) -> PolicyData:
        problems: list[str] = []
        sources: list[str] = []
        tiers: dict[str, dict[str, Any]] = {"enforced": {}, "recommended": {}}
        for hive in ("HKCU", "HKLM"):  # HKLM last: it wins
            for tier, sub in (("enforced", ""), ("recommended", "\\Recommended")):
                key = WINDOWS_POLICY_KEY + sub
                values = self.registry.values(hive, key)
                if values is None:
                    continue
                sources.append(f"{hive}\\{key}")
                checked = check_values(values, _prefixed(str, f"{hive}\\{key}\\"), problems)
                tiers[tier].update(checked)
        return PolicyData(
            enforced=tiers["enforced"],
            recommended=tiers["recommended"],
            sources=tuple(sources),
            problems=tuple(problems),
        )


class MacPolicyReader:
    """Managed preferences for ``com.presenceagent.agent``: machine plist, then per-user."""

    def __init__(
        self,
        files: list[Path] | None = None,
        read_bytes: Callable[[Path], bytes | None] | None = None,
    ) -> None:
        if files is None:
            plist = f"{MACOS_DOMAIN}.plist"
            files = [MACOS_MANAGED_DIR / plist, MACOS_MANAGED_DIR / _username() / plist]
        self.files = files
        self.read_bytes = read_bytes or _read_if_exists

    def read(self) -> PolicyData:
        import plistlib

        problems: list[str] = []
        sources: list[str] = []
        tiers: dict[str, dict[str, Any]] = {"enforced": {}, "recommended": {}}
        for path in self.files:  # the per-user file is later: it wins
            data = self.read_bytes(path)
            if data is None:
                continue
            sources.append(str(path))
            if len(data) > bounds.MAX_FILE_BYTES:
                problems.append(f"{path}: larger than 1 MB; it is ignored")
                continue
            try:
                values = plistlib.loads(data)
            except Exception as error:  # plistlib raises several types for bad input
                problems.append(f"{path}: not a valid plist ({error}); it is ignored")
                continue
            if not isinstance(values, dict):
                problems.append(f"{path}: the top level must be a dictionary; it is ignored")
                continue
            if value_too_deep(values):
                problems.append(f"{path}: nested deeper than {MAX_DEPTH} levels; it is ignored")
                continue
            defaults = values.pop("Defaults", {})
            values = {k: v for k, v in values.items() if not _mcx_bookkeeping(k)}
            tiers["enforced"].update(check_values(values, _prefixed(str, f"{path} "), problems))
            if not isinstance(defaults, dict):
                problems.append(f"{path} Defaults: must be a dictionary; it is ignored")
                continue
            tiers["recommended"].update(
                check_values(defaults, _prefixed(str, f"{path} Defaults."), problems)
            )
        return PolicyData(
            enforced=tiers["enforced"],
            recommended=tiers["recommended"],
            sources=tuple(sources),
            problems=tuple(problems),
        )


def _prefixed(where: Callable[[str], str], prefix: str) -> Callable[[str], str]:
    """How a problem names a key: ``where`` applied to the key with ``prefix``."""
    return lambda name: where(prefix + name)


def _mcx_bookkeeping(key: str) -> bool:
    """Keys macOS's profile machinery adds to managed plists (not ours)."""
    return key.startswith(("Payload", "mcx_", "PolicyBanner"))


def _read_if_exists(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, PermissionError):
        return None


def _username() -> str:
    import getpass

    return getpass.getuser()


def default_reader(policy_file: Path) -> PolicyReader:
    """The reader for this OS. ``PRESENCE_AGENT_POLICY_FILE`` forces the TOML reader anywhere."""
    if sys.platform == "win32" and "PRESENCE_AGENT_POLICY_FILE" not in os.environ:
        return WindowsPolicyReader()
    if sys.platform == "darwin" and "PRESENCE_AGENT_POLICY_FILE" not in os.environ:
        return MacPolicyReader()
    return TomlPolicyReader(policy_file, user_policy_file(policy_file, _username()))


def user_policy_file(policy_file: Path, username: str) -> Path:
    """The per-user policy file beside the machine one: ``users/<user>.toml``."""
    return policy_file.parent / "users" / f"{username}.toml"

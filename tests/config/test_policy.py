from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from agent.config import overlay
from agent.config.loader import ConfigError, LoadedConfig, load_config, settings
from agent.config.paths import Paths
from agent.config.policy import (
    WINDOWS_POLICY_KEY,
    MacPolicyReader,
    PolicyData,
    TomlPolicyReader,
    WindowsPolicyReader,
)
from agent.config.policy_keys import POLICY_KEYS, PolicyType
from agent.config.schema import Config
from tests.platform.windows.fake_registry import FakeRegistry


def load(paths: Paths, user: str, policy: str) -> LoadedConfig:
    paths.config_file.write_text(user)
    paths.policy_file.write_text(policy)
    return load_config(paths, policy=TomlPolicyReader(paths.policy_file), username="alice")


def test_priority_enforced_user_recommended_default(agent_paths: Paths) -> None:
    loaded = load(
        agent_paths,
        '[idle]\naway_after = "2m"\n[location]\nmode = "off"\n',
        """
[enforced]
IdleAwayAfter = "10m"
ManagedByOrganizationName = "Example Corp"

[recommended]
LocationMode = "site"
LogLevel = "debug"
UserEmailTemplate = "{username}@example.com"
""",
    )
    config = loaded.config
    assert config.idle.away_after == 600.0  # enforced beats the user's 2m
    assert config.location.mode == "off"  # the user's value beats a recommendation
    assert config.general.log_level == "debug"  # recommended beats the default
    assert config.user.email == "alice@example.com"  # {username} expanded
    assert config.general.managed_by == "Example Corp"
    assert loaded.origins["idle.away_after"] == "enforced"
    assert loaded.origins["location.mode"] == "user"
    assert loaded.origins["general.log_level"] == "recommended"
    assert loaded.origins["user.email"] == "recommended"
    assert loaded.origins["schedule.start"] == "default"
    assert loaded.locked == frozenset({"idle.away_after", "general.managed_by"})
    assert loaded.is_locked("idle.away_after") and not loaded.is_locked("location.mode")
    assert loaded.policy_sources == (str(agent_paths.policy_file),)


def test_lock_settings_locks_everything(agent_paths: Paths) -> None:
    loaded = load(agent_paths, "", "[enforced]\nLockSettings = true\n")
    assert loaded.is_locked("ui.notifications")


def test_managed_backend_overrides_the_users_url(agent_paths: Paths) -> None:
    loaded = load(
        agent_paths,
        """[[backends]]
name = "hook"
type = "webhook"
base_url = "https://user-choice.example/hook"
""",
        """[enforced]
BackendType = "webhook"
BackendName = "hook"
BackendUrl = "http://127.0.0.1:8123/hook"
""",
    )
    (entry,) = loaded.config.backends
    assert entry.base_url == "http://127.0.0.1:8123/hook"
    assert loaded.origins["backends[0].base_url"] == "enforced"
    assert "backends[0].base_url" in loaded.locked


def test_policy_backend_replaces_the_default_local_one(agent_paths: Paths) -> None:
    loaded = load(
        agent_paths,
        "",
        '[enforced]\nBackendType = "webhook"\nBackendUrl = "https://hooks.example/p"\n',
    )
    (entry,) = loaded.config.backends
    assert (entry.name, entry.type, entry.base_url) == (
        "webhook",
        "webhook",
        "https://hooks.example/p",
    )


def test_unknown_keys_and_wrong_types_are_reported_not_fatal(agent_paths: Paths) -> None:
    loaded = load(
        agent_paths,
        "",
        """[enforced]
IdleAwayAftr = "5m"
LockSettings = "perhaps"
AutoStart = "sometimes"
LogLevel = "warning"

[extra]
Foo = 1
""",
    )
    text = "\n".join(loaded.problems)
    policy = str(agent_paths.policy_file)
    assert (
        f"{policy}:2 enforced.IdleAwayAftr: unknown policy key (did you mean IdleAwayAfter?)"
        in text
    )
    assert f"{policy}:3 enforced.LockSettings: must be a boolean" in text
    assert f"{policy}:4 enforced.AutoStart: must be one of always, never, user-decides" in text
    assert f"{policy}:7 extra: unknown table" in text
    assert loaded.config.general.log_level == "warning"  # the valid keys still apply


def test_a_policy_value_the_schema_rejects_names_the_policy(agent_paths: Paths) -> None:
    with pytest.raises(ConfigError) as caught:
        load(agent_paths, "", '[enforced]\nWorkingHoursStart = "25:00"\n')
    (problem,) = caught.value.problems
    assert problem.startswith(f"{agent_paths.policy_file} (schedule.start set by policy)")


def test_broken_policy_file_is_reported(agent_paths: Paths) -> None:
    loaded = load(agent_paths, "", "[enforced\n")
    assert loaded.problems and str(agent_paths.policy_file) in loaded.problems[0]


def test_windows_registry_hklm_wins_and_recommended_subkey() -> None:
    registry = FakeRegistry(
        {
            ("HKCU", WINDOWS_POLICY_KEY): {"IdleAwayAfter": "3m", "LogLevel": "debug"},
            ("HKLM", WINDOWS_POLICY_KEY): {
                "IdleAwayAfter": "15m",
                "LockSettings": 1,  # REG_DWORD
                "HiddenMenuItems": ["quit", "pause"],  # REG_MULTI_SZ
                "Bogus": "x",
            },
            ("HKLM", WINDOWS_POLICY_KEY + "\\Recommended"): {"AutoStart": "always"},
            ("HKCU", WINDOWS_POLICY_KEY + "\\Recommended"): {"LocationMode": 7},
        }
    )
    data = WindowsPolicyReader(registry).read()
    assert data.enforced == {
        "IdleAwayAfter": 900.0,
        "LogLevel": "debug",
        "LockSettings": True,
        "HiddenMenuItems": ["quit", "pause"],
    }
    assert data.recommended == {"AutoStart": "always"}
    assert any("HKLM\\" in p and "Bogus: unknown policy key" in p for p in data.problems)
    assert any("LocationMode: must be a string, got 7" in p for p in data.problems)


def test_windows_registry_without_policy_is_empty() -> None:
    assert WindowsPolicyReader(FakeRegistry({})).read() == PolicyData()


def test_macos_managed_plist_with_defaults(tmp_path: Path) -> None:
    machine = tmp_path / "com.presenceagent.agent.plist"
    user = tmp_path / "alice" / "com.presenceagent.agent.plist"
    files = {
        machine: plistlib.dumps(
            {
                "BackendUrl": "https://api.example.com",
                "LockSettings": True,
                "PayloadUUID": "ignored",
                "Defaults": {"IdleAwayAfter": 600, "Notifications": False},
                "NoSuchKey": 1,
            }
        ),
        user: plistlib.dumps({"LockSettings": False}),
    }
    data = MacPolicyReader([machine, user], files.get).read()
    assert data.enforced == {"BackendUrl": "https://api.example.com", "LockSettings": False}
    assert data.recommended == {"IdleAwayAfter": 600.0, "Notifications": False}
    assert data.sources == (str(machine), str(user))
    assert len(data.problems) == 1 and "NoSuchKey: unknown policy key" in data.problems[0]


def test_macos_bad_plist_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "x.plist"
    data = MacPolicyReader([path], lambda p: b"not a plist").read()
    assert data.enforced == {} and "not a valid plist" in data.problems[0]


def test_every_policy_key_drives_a_real_setting(agent_paths: Paths) -> None:
    names = [key.name for key in POLICY_KEYS]
    assert len(names) == len(set(names))
    known = set(settings(Config()))
    for key in POLICY_KEYS:
        assert key.name[0].isupper() and key.name.isalnum(), key.name
        assert key.meaning and key.example
        assert (key.type is PolicyType.ENUM) == bool(key.choices), key.name
        setting = key.setting.replace("backends[managed]", "backends[0]")
        setting = setting.replace("calendars[managed]", "calendars[0]")
        if ".options." in setting:
            continue  # type-specific: checked by the backends registry
        assert setting in known or setting.startswith("calendars[0]."), key.name
        policy = PolicyData(enforced={key.name: key.example, "BackendType": "local"})
        written = overlay.apply({}, policy, "alice")
        assert setting in written.enforced, key.name


def test_backend_type_choices_match_the_registry() -> None:
    registry = pytest.importorskip("agent.backends.registry")
    from agent.config.policy_keys import by_name

    assert by_name()["BackendType"].choices == registry.BACKEND_TYPES


def test_locked_keys_through_every_os_reader(agent_paths: Paths, tmp_path: Path) -> None:
    agent_paths.config_file.write_text('[idle]\naway_after = "1m"\n[ui]\nnotifications = true\n')
    plist = tmp_path / "managed.plist"
    readers = {
        "linux": TomlPolicyReader(agent_paths.policy_file),
        "windows": WindowsPolicyReader(
            FakeRegistry(
                {
                    ("HKLM", WINDOWS_POLICY_KEY): {"IdleAwayAfter": "20m"},
                    ("HKLM", WINDOWS_POLICY_KEY + "\\Recommended"): {"Notifications": 0},
                }
            )
        ),
        "macos": MacPolicyReader(
            [plist],
            {
                plist: plistlib.dumps(
                    {"IdleAwayAfter": "20m", "Defaults": {"Notifications": False}}
                )
            }.get,
        ),
    }
    agent_paths.policy_file.write_text(
        '[enforced]\nIdleAwayAfter = "20m"\n[recommended]\nNotifications = false\n'
    )
    for name, reader in readers.items():
        loaded = load_config(agent_paths, policy=reader, username="alice")
        assert loaded.config.idle.away_after == 1200.0, name
        assert loaded.locked == frozenset({"idle.away_after"}), name
        assert loaded.config.ui.notifications is True, name  # the user's beats recommended
        assert loaded.origins["ui.notifications"] == "user", name

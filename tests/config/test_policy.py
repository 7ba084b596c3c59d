from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from agent.config import overlay
from agent.config.loader import settings
from agent.config.paths import Paths
from agent.config.policy import (
    WINDOWS_POLICY_KEY,
    MacPolicyReader,
    PolicyData,
    TomlPolicyReader,
    WindowsPolicyReader,
    coerce,
)
from agent.config.policy_keys import KEYRING, POLICY_KEYS, PolicyType
from agent.config.schema import Config
from agent.config_checks import ConfigError, LoadedConfig, load_config
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


def test_it_can_enforce_adoption_and_offline_on_exit(agent_paths: Paths) -> None:
    user = "[general]\nadopt_remote_status = true\noffline_on_exit = true\n"
    policy = "[enforced]\nAdoptRemoteStatus = false\nOfflineOnExit = false\n"
    loaded = load(agent_paths, user, policy)
    general = loaded.config.general
    assert (general.adopt_remote_status, general.offline_on_exit) == (False, False)
    assert loaded.is_locked("general.offline_on_exit")
    defaults = load(agent_paths, "", "").config.general
    assert (defaults.adopt_remote_status, defaults.offline_on_exit) == (True, True)


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
    assert problem.startswith(f"{agent_paths.policy_file} (policy key WorkingHoursStart)")


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
        assert (key.setting == KEYRING) == key.secret, key.name
        if key.secret:
            continue  # drives the keyring, not a setting (tests/test_secret_provisioning.py)
        setting = key.setting.replace("backends[managed]", "backends[0]")
        setting = setting.replace("calendars[managed]", "calendars[0]")
        if ".options." in setting:
            continue  # type-specific: checked by the backends registry
        tables = {name.split("[")[0] for name in known}
        assert setting in known | tables or setting.startswith("calendars[0]."), key.name
        if key.type is PolicyType.TABLE_LIST:
            setting += "[0]." + (key.identity or "condition")
        value = coerce(key, key.example)
        policy = PolicyData(enforced={key.name: value, "BackendType": "local"})
        written = overlay.apply({}, policy, "alice")
        assert setting in written.enforced, key.name


def test_every_setting_a_user_can_write_has_a_policy_key() -> None:
    """Everything a user can set, IT can set: scalar settings and the arrays of tables."""
    covered = {key.setting for key in POLICY_KEYS}
    for setting in settings(Config()):
        if setting == "version":
            continue  # the schema version, not a setting
        table = setting.split("[")[0]
        assert setting in covered or table in covered, f"{setting} has no policy key"


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


def test_structured_entries_merge_with_the_users_by_name(agent_paths: Paths) -> None:
    loaded = load(
        agent_paths,
        """[[backends]]
name = "hook"
type = "webhook"
base_url = "https://mine.example/hook"
user_id = "me"

[[rules]]
condition = "locked"
set_status = "away"
""",
        """[enforced]
Backends = [{name = "hook", type = "webhook", base_url = "https://it.example/hook"}]

[recommended]
Rules = [{condition = "idle", set_status = "away", after = "1m"}]

[[recommended.Backends]]
name = "hook"
user_id = "it-default"

[[recommended.Backends]]
name = "audian"
type = "audian"
base_url = "https://api.audian.example"
account_id = "acme"
user_id = "{username}"
""",
    )
    hook, audian = loaded.config.backends
    assert hook.base_url == "https://it.example/hook"  # enforced over the user's
    assert hook.options["user_id"] == "me"  # the user's over a recommendation
    assert audian.options == {"account_id": "acme", "user_id": "alice"}
    assert loaded.origins["backends[0].base_url"] == "enforced"
    assert loaded.origins["backends[0].options.user_id"] == "user"
    assert loaded.origins["backends[1].options.account_id"] == "recommended"
    assert [rule.condition for rule in loaded.config.rules] == ["locked"]  # the user's rules


def test_enforced_rules_replace_the_users(agent_paths: Paths) -> None:
    loaded = load(
        agent_paths,
        '[[rules]]\ncondition = "locked"\nset_status = "away"\n',
        '[[enforced.Rules]]\ncondition = "activeCall"\nset_status = "dnd"\n',
    )
    assert [(r.condition, r.set_status) for r in loaded.config.rules] == [("activeCall", "dnd")]
    assert loaded.is_locked("rules[0].condition") and loaded.is_locked("rules[0].after")


def test_credentials_never_become_settings(agent_paths: Paths) -> None:
    loaded = load(
        agent_paths,
        "",
        '[enforced.BackendSecrets.audian]\napi_token = "tok-123456"\n'
        '[enforced.CalendarUrlSecrets]\nwork = "https://cal.example/{username}?t=abcdef"\n',
    )
    shown = repr(settings(loaded.config))
    assert "tok-123456" not in shown and "abcdef" not in shown

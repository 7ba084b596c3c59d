"""Every policy format generated from the key list, read back through the agent's own readers.

Group Policy (the ADMX says how each value is written; the registry is the injected
fake), the macOS profiles (their payload as the managed-preferences plist macOS makes of
it) and the Linux files (the examples with every line switched on) must all give the
agent the same values, structured ones included, and the same configuration.
"""

from __future__ import annotations

import plistlib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import policy_templates as templates
import pytest

from agent.config.loader import LoadedConfig
from agent.config.paths import Paths
from agent.config.policy import (
    WINDOWS_POLICY_KEY,
    MacPolicyReader,
    PolicyData,
    PolicyReader,
    TomlPolicyReader,
    WindowsPolicyReader,
    coerce,
)
from agent.config.policy_keys import POLICY_KEYS, PolicyType
from agent.config_checks import load_config
from tests.config.test_policy import FakeRegistry
from tests.packaging.test_policy_templates import uncomment

NS = {"p": "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"}
SETTINGS = [key for key in POLICY_KEYS if not key.secret]
SECRETS = [key for key in POLICY_KEYS if key.secret]
#: The flat single-backend keys name one entry that the structured Backends also define;
#: they are checked on their own (tests/config/test_policy.py), not mixed in here.
FLAT_BACKEND = {key.name for key in POLICY_KEYS if key.setting.startswith("backends[managed]")}


def expected(keys: list[Any]) -> dict[str, Any]:
    return {key.name: coerce(key, key.example) for key in keys}


def registry_values(tier: str) -> dict[str, Any]:
    """What the Group Policy editor writes for each policy of one tier, at its example value.

    The value's type comes from the ADMX policy itself: a boolean or decimal element is a
    REG_DWORD (an int), a text or enum element a REG_SZ (JSON text for structured keys).
    """
    root = ET.fromstring(templates.admx())
    by_name = {key.name: key for key in POLICY_KEYS}
    values: dict[str, Any] = {}
    for policy in root.findall("p:policies/p:policy", NS):
        if policy.get("name") != f"{policy.get('valueName')}{tier}":
            continue
        key = by_name[str(policy.get("valueName"))]
        if policy.find("p:enabledValue", NS) is not None:
            values[key.name] = 1 if key.example == "true" else 0
        elif policy.find("p:elements/p:decimal", NS) is not None:
            values[key.name] = int(key.example)
        else:
            text = policy.find("p:elements/p:text", NS)
            if key.structured:
                assert text is not None and int(text.get("maxLength", "1023")) >= 1024
            values[key.name] = key.example
    return values


def test_group_policy_values_read_back_through_the_registry_reader() -> None:
    registry = FakeRegistry(
        {
            ("HKLM", WINDOWS_POLICY_KEY): registry_values(""),
            ("HKCU", WINDOWS_POLICY_KEY + "\\Recommended"): registry_values("Recommended"),
        }
    )
    data = WindowsPolicyReader(registry).read()
    assert data.problems == ()
    assert data.enforced == expected(list(POLICY_KEYS))
    assert data.recommended == expected(list(POLICY_KEYS))
    assert isinstance(data.enforced["Backends"], list) and len(data.enforced["Backends"]) == 2


def test_structured_registry_values_also_come_as_multi_string_lines() -> None:
    """A REG_MULTI_SZ (e.g. a multi-line text from a script) is one JSON text, line by line."""
    lines = ['[{"id": "hq",', '  "subnet": ["10.0.0.0/8"]}]']
    registry = FakeRegistry({("HKLM", WINDOWS_POLICY_KEY): {"Locations": lines}})
    data = WindowsPolicyReader(registry).read()
    assert data.enforced == {"Locations": [{"id": "hq", "subnet": ["10.0.0.0/8"]}]}


def managed_preferences(profile: bytes) -> bytes:
    """The plist macOS writes to /Library/Managed Preferences from a profile's payload."""
    (payload,) = plistlib.loads(profile)["PayloadContent"]
    return plistlib.dumps({k: v for k, v in payload.items() if not k.startswith("Payload")})


def test_profiles_read_back_through_the_managed_preferences_reader(tmp_path: Path) -> None:
    machine = tmp_path / "com.presenceagent.agent.plist"
    user = tmp_path / "alice" / "com.presenceagent.agent.plist"
    files = {
        machine: managed_preferences(templates.mobileconfig()),
        user: managed_preferences(templates.credentials_mobileconfig()),
    }
    data = MacPolicyReader([machine, user], files.get).read()
    assert data.problems == ()
    assert data.recommended == expected(SETTINGS)
    assert data.enforced == expected(SECRETS)


def test_linux_examples_read_back_through_the_toml_reader(tmp_path: Path) -> None:
    machine, user = tmp_path / "policy.toml", tmp_path / "users" / "alice.toml"
    user.parent.mkdir()
    machine.write_text(uncomment(templates.example_policy_toml()), encoding="utf-8")
    user.write_text(uncomment(templates.example_user_policy_toml()), encoding="utf-8")
    user.chmod(0o600)
    data = TomlPolicyReader(machine, user).read()
    assert data.problems == ()
    assert data.enforced == expected(list(POLICY_KEYS))
    assert data.recommended == {"IdleAwayAfter": 300.0}


def test_credentials_in_a_file_everyone_can_read_are_flagged(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(uncomment(templates.example_user_policy_toml()), encoding="utf-8")
    policy.chmod(0o644)
    data = TomlPolicyReader(policy).read()
    (problem,) = data.problems
    assert "BackendSecrets, CalendarUrlSecrets: credentials in a file every local" in problem
    assert "REPLACE-ME" not in problem
    assert data.enforced == expected(SECRETS)  # still used


class Fixed:
    """A reader returning what another reader read, without its flat backend keys."""

    def __init__(self, reader: PolicyReader) -> None:
        self.reader = reader

    def read(self) -> PolicyData:
        data = self.reader.read()
        return PolicyData(
            enforced={k: v for k, v in data.enforced.items() if k not in FLAT_BACKEND},
            recommended={k: v for k, v in data.recommended.items() if k not in FLAT_BACKEND},
            sources=data.sources,
            problems=data.problems,
        )


@pytest.fixture
def every_reader(tmp_path: Path) -> dict[str, PolicyReader]:
    """The three OS readers, each on what its generated template makes the OS hold."""
    linux = tmp_path / "linux-policy.toml"
    linux.write_text(uncomment(templates.example_policy_toml()), encoding="utf-8")
    plist = tmp_path / "com.presenceagent.agent.plist"
    (payload,) = plistlib.loads(templates.mobileconfig())["PayloadContent"]
    enforced = {**payload.pop("Defaults")}  # IT moved every key to enforce it
    mac = plistlib.dumps(enforced)
    return {
        "windows": WindowsPolicyReader(
            FakeRegistry({("HKLM", WINDOWS_POLICY_KEY): registry_values("")})
        ),
        "macos": MacPolicyReader([plist], {plist: mac}.get),
        "linux": TomlPolicyReader(linux),
    }


def test_every_format_gives_the_same_valid_configuration(
    agent_paths: Paths, every_reader: dict[str, PolicyReader]
) -> None:
    loaded: dict[str, LoadedConfig] = {}
    for name, reader in every_reader.items():
        loaded[name] = load_config(agent_paths, policy=Fixed(reader), username="alice")
    config = loaded["linux"].config
    assert loaded["windows"].config == config and loaded["macos"].config == config
    audian, cord = config.backends
    assert (audian.name, audian.type) == ("audian", "audian")
    assert audian.options["dnd_endpoint"] is True
    assert audian.options["forward_when_away"] == "+1-555-9999"
    assert (cord.type, cord.options["project_id"], cord.options["user_id"]) == (
        "cord",
        "p-42",
        "alice",  # {username} expanded inside a structured value
    )
    assert [loc.id for loc in config.locations] == ["oslo-hq", "oslo-hq-4"]
    assert [rule.condition for rule in config.rules] == ["activeCall", "locked", "idle"]
    assert config.rules[2].after == 600.0
    assert config.calendars[0].name == "work" and config.calendars[0].url_secret
    assert config.ui.preset_messages == ("In a meeting", "Commuting", "Working remotely")
    locked = loaded["windows"].locked
    for setting in (
        "backends[0].options.dnd_endpoint",
        "backends[1].options.project_id",
        "locations[1].parent",
        "rules[0].set_status",
        "calendars[0].refresh",
        "ui.preset_messages",
        "delivery.max_queue",
    ):
        assert setting in locked, setting


def test_a_bad_structured_value_names_the_key_and_the_entry(agent_paths: Paths) -> None:
    agent_paths.policy_file.write_text(
        "[enforced]\n"
        'Backends = [{name = "a", type = "audian", base_url = "http://example.com", '
        'account_id = "x"}]\n'
        "[[enforced.Locations]]\n"
        'name = "no id"\n'
        "[recommended]\n"
        'Rules = "not json"\n',
        encoding="utf-8",
    )
    reader = TomlPolicyReader(agent_paths.policy_file)
    data = reader.read()
    policy = str(agent_paths.policy_file)
    assert any(
        p.startswith(policy) and "enforced.Locations: [0].id: required" in p for p in data.problems
    ), data.problems
    assert any(f"{policy}:6 recommended.Rules: is not valid JSON" in p for p in data.problems)
    from agent.config.loader import ConfigError

    with pytest.raises(ConfigError) as caught:
        load_config(agent_paths, policy=reader, username="alice")
    (problem,) = [p for p in caught.value.problems if "base_url" in p]
    assert problem.startswith(f"{policy} (policy key Backends[0].base_url) backends[0].base_url")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[{", "is not valid JSON"),
        ('{"a": 1}', "must be an array of dictionaries"),
        ('[{"name": "a"}, {"name": "a"}]', "[1].name: 'a' is used by another entry"),
        ('[{"name": "a", "api_token": "s3cret-value"}]', "[0].api_token: credentials do not"),
        ('[{"name": "a", "x": {"y": {"z": {"w": 1}}}}]', "nested more than"),
    ],
)
def test_structured_registry_values_are_checked(value: str, message: str) -> None:
    registry = FakeRegistry({("HKLM", WINDOWS_POLICY_KEY): {"Backends": value}})
    data = WindowsPolicyReader(registry).read()
    assert data.enforced == {}
    (problem,) = data.problems
    assert problem.startswith(f"HKLM\\{WINDOWS_POLICY_KEY}\\Backends: ") and message in problem
    assert "s3cret-value" not in problem


def test_a_bad_credential_value_is_reported_without_the_value() -> None:
    registry = FakeRegistry(
        {("HKCU", WINDOWS_POLICY_KEY): {"BackendSecrets": '{"audian": {"api_token": 12345678}}'}}
    )
    data = WindowsPolicyReader(registry).read()
    (problem,) = data.problems
    assert "BackendSecrets: audian.api_token: must be non-empty text" in problem
    assert "12345678" not in problem
    assert PolicyType.TABLE.value == "table"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BackendSecrets", '{"audian": "flat-token-value"}', "audian: must be a dictionary"),
        ("CalendarUrlSecrets", '{"work": {"url": "https://x"}}', "work: must be non-empty text"),
        ("BackendSecrets", '{"a/b": {"token": "xyz-value"}}', "a/b: a name cannot contain"),
    ],
)
def test_credential_tables_have_their_shape(name: str, value: str, message: str) -> None:
    registry = FakeRegistry({("HKCU", WINDOWS_POLICY_KEY): {name: value}})
    data = WindowsPolicyReader(registry).read()
    (problem,) = data.problems
    assert data.enforced == {} and message in problem
    assert "flat-token" not in problem and "xyz-value" not in problem

from __future__ import annotations

import pytest

from agent.config.loader import settings
from agent.config.paths import Paths
from agent.config.policy import PolicyData
from agent.config.schema import BackendEntry, Config
from agent.config_checks import ConfigError, load_config


class NoPolicy:
    def read(self) -> PolicyData:
        return PolicyData()


def load(paths: Paths, text: str | None = None):  # type: ignore[no-untyped-def]
    if text is not None:
        paths.config_file.write_text(text)
    return load_config(paths, policy=NoPolicy(), username="alice")


def problems(paths: Paths, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(paths, text)
    return caught.value.problems


def test_missing_file_gives_defaults_with_local_backend(agent_paths: Paths) -> None:
    loaded = load(agent_paths)
    assert loaded.config == Config()
    assert loaded.config.backends == (BackendEntry(name="local", type="local"),)
    assert not loaded.file_found
    assert set(loaded.origins.values()) == {"default"}


def test_full_file_builds_every_kind_of_field(agent_paths: Paths) -> None:
    ics = agent_paths.config_file.parent / "work.ics"
    ics.parent.mkdir(parents=True, exist_ok=True)
    ics.write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")
    loaded = load(
        agent_paths,
        f"""
version = 1
[user]
id = "u-1"
email = "alice@example.com"

[idle]
away_after = "90s"
lock_is_away = false

[schedule]
days = ["mon", "wed"]
start = "08:30"
timezone = "Europe/Oslo"

[[rules]]
condition = "idle"
set_status = "away"
after = "1h"

[[rules]]
condition = "activeCall"
set_status = "busy"
message = "On a call"

[[locations]]
id = "hq"
name = "HQ"
subnet = ["10.1.0.0/16"]

[[calendars]]
name = "work"
path = "{ics}"

[[backends]]
name = "hook"
type = "webhook"
base_url = "http://127.0.0.1:9999/hook"

[ui]
preset_messages = ["Lunch"]
""",
    )
    config = loaded.config
    assert config.idle.away_after == 90.0
    assert config.idle.lock_is_away is False
    assert config.schedule.days == ("mon", "wed")
    assert config.rules[0].after == 3600.0 and config.rules[1].after is None
    assert config.rules[1].message == "On a call"
    assert config.locations[0].subnet == ("10.1.0.0/16",)
    assert config.calendars[0].path == str(ics)
    assert config.backends == (
        BackendEntry(name="hook", type="webhook", base_url="http://127.0.0.1:9999/hook"),
    )
    assert config.ui.preset_messages == ("Lunch",)
    assert loaded.origins["idle.away_after"] == "user"
    assert loaded.origins["idle.lock_is_away"] == "user"
    assert loaded.origins["schedule.end"] == "default"
    assert settings(config, render=True)["idle.away_after"] == "1m30s"


def test_every_problem_names_file_line_and_key(agent_paths: Paths) -> None:
    found = problems(
        agent_paths,
        """[idle]
away_after = "soon"
lock_is_awy = true

[[backends]]
name = "a"
type = "local"

[[backends]]
name = "b"
type = "webhook"
base_url = "http://example.com/hook"
enabled = "yes"

[schedule]
days = ["mon", "funday"]
""",
    )
    name = str(agent_paths.config_file)
    assert f"{name}:2 idle.away_after: 'soon' is not a duration like '90s', '5m' or '1h'" in found
    assert f"{name}:3 idle.lock_is_awy: unknown key (did you mean 'lock_is_away'?)" in found
    assert any(p.startswith(f"{name}:12 backends[1].base_url: must be an https URL") for p in found)
    assert f"{name}:13 backends[1].enabled: must be true or false, got string 'yes'" in found
    assert any(p.startswith(f"{name}:16 schedule.days[1]: must be one of") for p in found)


def test_wrong_types_and_missing_required_keys(agent_paths: Paths) -> None:
    found = problems(
        agent_paths,
        """[delivery]
max_queue = "many"
[[rules]]
condition = "idle"
""",
    )
    text = "\n".join(found)
    assert "delivery.max_queue: must be an integer, got string 'many'" in text
    assert ":3 rules[0]: missing required key 'set_status'" in text


def test_invalid_toml_names_the_line(agent_paths: Paths) -> None:
    found = problems(agent_paths, '[user]\nid = "x"\nemail = \n')
    assert len(found) == 1
    assert found[0].startswith(f"{agent_paths.config_file}:3 ")
    assert "not valid TOML" in found[0]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/x",
        "http://localhost/x",
        "http://[::1]:80/x",
        "https://api.example.com",
    ],
)
def test_loopback_http_and_https_are_accepted(agent_paths: Paths, url: str) -> None:
    loaded = load(agent_paths, f'[[backends]]\nname = "w"\ntype = "webhook"\nbase_url = "{url}"\n')
    assert loaded.config.backends[0].base_url == url


def test_plain_http_to_another_host_is_refused(agent_paths: Paths) -> None:
    found = problems(
        agent_paths,
        '[[calendars]]\nname = "c"\nurl = "http://cal.example.com/a.ics"\n',
    )
    assert any("calendars[0].url: must be an https URL" in p for p in found)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('api_token = "abc123"', "api_token"),
        ('password = "hunter2"', "password"),
        ('client_secret = "x"', "client_secret"),
        ('hmac_secret = "x"', "hmac_secret"),
        ('signing_secret = "x"', "signing_secret"),
    ],
)
def test_secret_in_backend_is_refused_with_the_command_to_use(
    agent_paths: Paths, line: str, field: str
) -> None:
    found = problems(
        agent_paths,
        f'[[backends]]\nname = "corp"\ntype = "webhook"\nbase_url = "https://x.example"\n{line}\n',
    )
    assert any(
        p.startswith(f"{agent_paths.config_file}:5 backends[0].{field}: ")
        and f"presence-agent secret set corp {field}" in p
        for p in found
    ), found


def test_secret_looking_key_anywhere_is_refused(agent_paths: Paths) -> None:
    found = problems(agent_paths, '[ui]\napi_key = "k"\n')
    assert len(found) == 1
    assert "ui.api_key" in found[0] and "presence-agent secret set" in found[0]


def test_flags_and_urls_named_like_secrets_are_fine(agent_paths: Paths) -> None:
    loaded = load(
        agent_paths,
        '[[calendars]]\nname = "c"\nurl_secret = true\n',
    )
    assert loaded.config.calendars[0].url_secret is True


def test_backend_type_specific_keys_go_to_options(agent_paths: Paths) -> None:
    pytest.importorskip("agent.backends.registry")
    loaded = load(
        agent_paths,
        """[[backends]]
name = "aud"
type = "audian"
base_url = "https://api.audian.example:8443/v2"
account_id = "acme"
user_id = "42"
""",
    )
    entry = loaded.config.backends[0]
    assert entry.options == {"account_id": "acme", "user_id": "42"}
    assert loaded.origins["backends[0].options.account_id"] == "user"


def test_duplicate_backend_names(agent_paths: Paths) -> None:
    found = problems(
        agent_paths,
        '[[backends]]\nname = "a"\ntype = "local"\n[[backends]]\nname = "a"\ntype = "local"\n',
    )
    assert any(":5 backends[1].name:" in p and "unique" in p for p in found)


def test_unreadable_config_is_a_problem_not_a_crash(agent_paths: Paths) -> None:
    agent_paths.config_file.mkdir()
    with pytest.raises(ConfigError) as caught:
        load(agent_paths)
    assert str(agent_paths.config_file) in caught.value.problems[0]


def test_rule_and_version_problems_have_lines(agent_paths: Paths) -> None:
    found = problems(
        agent_paths,
        'version = 9\n[[rules]]\ncondition = "sunny"\nset_status = "away"\n',
    )
    name = str(agent_paths.config_file)
    assert any(
        p.startswith(f"{name}:3 rules[0].condition: unknown condition 'sunny'") for p in found
    )
    assert any(p.startswith(f"{name}:1 version: written for a newer agent") for p in found)


def test_binary_file_is_a_problem_not_a_crash(agent_paths: Paths) -> None:
    agent_paths.config_file.write_bytes(b"\xff\xfe[user]\n")
    with pytest.raises(ConfigError) as caught:
        load(agent_paths)
    assert caught.value.problems == [f"{agent_paths.config_file}: is not UTF-8 text"]


def test_malformed_location_matchers_name_the_entry_and_line(agent_paths: Paths) -> None:
    found = problems(
        agent_paths,
        '[[locations]]\nid = "hq"\nsubnet = ["10.0.0/33"]\ngateway_mac = ["zz:11"]\n\n'
        '[[locations]]\nid = "hq"\nparent = "nowhere"\n',
    )
    name = str(agent_paths.config_file)
    assert any(p.startswith(f"{name}:3 locations[0].subnet: '10.0.0/33'") for p in found)
    assert any(p.startswith(f"{name}:4 locations[0].gateway_mac: 'zz:11'") for p in found)
    assert any(p.startswith(f"{name}:7 locations[1].id: 'hq' is already used") for p in found)
    assert any(p.startswith(f"{name}:8 locations[1].parent: 'nowhere'") for p in found)

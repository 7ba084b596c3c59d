"""``secret set`` refuses names the configuration does not use (issue 19)."""

from __future__ import annotations

from agent.config.paths import Paths
from agent.secrets import SecretStore
from tests.support import run_cli as cli

CONFIG = """\
[[backends]]
name = "audian"
type = "audian"
base_url = "https://api.audian.example/v2"
account_id = "acme"

[[calendars]]
name = "work"
url = "https://calendar.example/ics"
url_secret = true
"""


def test_unknown_backend_or_field_is_refused_naming_the_valid_ones(agent_paths: Paths) -> None:
    agent_paths.config_file.write_text(CONFIG)
    typo = cli("secret", "set", "audian", "api_tokn", stdin="tok\n")
    assert typo.returncode == 2
    assert "api_tokn" in typo.stderr and "valid fields: api_token" in typo.stderr
    unknown = cli("secret", "set", "audain", "api_token", stdin="tok\n")
    assert unknown.returncode == 2
    assert "valid names: audian, calendar:work" in unknown.stderr
    assert SecretStore().get("audian", "api_tokn") is None
    assert SecretStore().get("audain", "api_token") is None
    stored = cli("secret", "set", "calendar:work", "url", stdin="https://secret.example/x.ics\n")
    assert stored.returncode == 0, stored.stderr
    assert SecretStore().delete("calendar:work", "url")

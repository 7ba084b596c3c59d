"""The real agent moves policy credentials into the real keyring, and nowhere else.

The policy (a Linux per-user policy file) carries an Audian token and a calendar URL
with a token in it; the agent logs at debug level and fails to fetch that calendar (a
closed loopback port), which it logs. Afterwards each value is in the keyring and
in no file of the data dir, the log dir (agent output included), the runtime dir or
the config, and in no output of `config show` or `secret list`.
"""

from __future__ import annotations

import getpass
import os
import socket
import uuid
from pathlib import Path

import pytest

from agent.config.paths import Paths
from agent.secrets import SecretStore
from tests.agent_process import running_agent, write_config
from tests.servers.audian import AudianServer
from tests.support import run_cli

pytestmark = pytest.mark.skipif(
    not os.environ.get("PA_IN_SESSION"), reason="needs the keyring session of tests/session.sh"
)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def files_holding(folders: list[Path], needles: list[str]) -> list[str]:
    found = []
    for folder in folders:
        paths = [folder] if folder.is_file() else list(folder.rglob("*")) if folder.exists() else []
        for path in paths:
            if path.is_file():
                data = path.read_bytes()
                found += [f"{path}: {n[:4]}…" for n in needles if n.encode() in data]
    return found


def test_policy_credentials_end_up_in_the_keyring_only(agent_paths: Paths) -> None:
    token = f"tok-{uuid.uuid4().hex}"
    calendar_token = uuid.uuid4().hex
    url = f"http://127.0.0.1:{closed_port()}/{{username}}.ics?token={calendar_token}"
    with AudianServer(token=token) as server:
        user_policy = agent_paths.policy_file.parent / "users" / f"{getpass.getuser()}.toml"
        user_policy.parent.mkdir()
        agent_paths.policy_file.write_text(
            f"""[enforced]
LogLevel = "debug"

[[enforced.Backends]]
name = "audian"
type = "audian"
base_url = "{server.base_url}"
account_id = "{server.account_id}"
user_id = "{server.user_id}"

[[enforced.Calendars]]
name = "work"
url_secret = true
""",
            encoding="utf-8",
        )
        user_policy.write_text(
            f"""[enforced.BackendSecrets.audian]
api_token = "{token}"

[enforced.CalendarUrlSecrets]
work = "{url}"
""",
            encoding="utf-8",
        )
        user_policy.chmod(0o600)
        write_config(agent_paths, "[schedule]\nenabled = false\n")
        with running_agent(agent_paths) as agent:
            posted = agent.wait_alive(
                lambda: [r for r in server.accepted if r.method == "POST"],
                timeout=30,
                what="a report sent with the provisioned token",
            )
            assert posted[0].header("x-auth-token") == token
            agent.wait_alive(
                lambda: "calendar" in (agent_paths.log_file.read_text() or "").lower(),
                timeout=30,
                what="the calendar fetch to fail and be logged",
            )
        log = agent_paths.log_file.read_text()
        assert "credentials moved into the keyring: audian/api_token, calendar:work/url" in log

    store = SecretStore()
    assert store.get("audian", "api_token") == token
    assert store.get("calendar:work", "url") == url.replace("{username}", getpass.getuser())
    shown = run_cli("config", "show", "--origin").stdout + run_cli("secret", "list").stdout
    assert "audian/api_token" in shown or "audian" in shown
    folders = [
        agent_paths.data_dir,
        agent_paths.log_dir,
        agent_paths.runtime_dir,
        agent_paths.config_file,
    ]
    assert files_holding(folders, [token, calendar_token]) == []
    assert token not in shown and calendar_token not in shown

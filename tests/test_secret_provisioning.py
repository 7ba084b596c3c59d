"""Credentials from policy moved into the real keyring (gnome-keyring of tests/session.sh)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from agent.config.paths import Paths
from agent.config.policy import PolicyData
from agent.logs import redact
from agent.secret_provisioning import import_secrets, provisioned
from agent.secrets import SecretStore

pytestmark = pytest.mark.skipif(
    not os.environ.get("PA_IN_SESSION"), reason="needs the keyring session of tests/session.sh"
)


def policy(tier: str, backend: str, value: str) -> PolicyData:
    values = {"BackendSecrets": {backend: {"api_token": value}}}
    return PolicyData(**{tier: values})


def test_provisioned_expands_username_and_enforced_wins() -> None:
    data = PolicyData(
        enforced={"CalendarUrlSecrets": {"work": "https://cal.example/{username}.ics?t=1234"}},
        recommended={
            "CalendarUrlSecrets": {"work": "https://other.example/x"},
            "BackendSecrets": {"audian": {"api_token": "tok-{username}"}},
        },
    )
    found = {s.name: s for s in provisioned(data, "alice")}
    assert found["calendar:work/url"].value == "https://cal.example/alice.ics?t=1234"
    assert found["calendar:work/url"].enforced
    assert found["audian/api_token"].value == "tok-alice" and not found["audian/api_token"].enforced
    assert "tok-alice" not in repr(found)  # never in a repr, so never in a traceback
    assert redact("sent tok-alice") == "sent ***"  # masked in every log line from now on


def test_enforced_credential_is_imported_once_and_again_when_it_is_rotated() -> None:
    store = SecretStore()
    backend = f"b-{uuid.uuid4().hex[:8]}"
    first = import_secrets(store, provisioned(policy("enforced", backend, "first-value"), "u"))
    assert first.imported == [f"{backend}/api_token"]
    assert store.get(backend, "api_token") == "first-value"
    assert (backend, "api_token") in store.list()
    again = import_secrets(store, provisioned(policy("enforced", backend, "first-value"), "u"))
    assert again.imported == [] and again.kept == [f"{backend}/api_token"]
    store.set(backend, "api_token", "typed-by-the-user")  # the user's own value is kept ...
    import_secrets(store, provisioned(policy("enforced", backend, "first-value"), "u"))
    assert store.get(backend, "api_token") == "typed-by-the-user"
    rotated = import_secrets(store, provisioned(policy("enforced", backend, "second-val"), "u"))
    assert rotated.imported == [f"{backend}/api_token"]  # ... until IT rotates the value
    assert store.get(backend, "api_token") == "second-val"
    assert "second-val" not in (store.record(".provisioned") or "")  # digests only
    store.delete(backend, "api_token")  # gone from the keyring: the next start puts it back
    restored = import_secrets(store, provisioned(policy("enforced", backend, "second-val"), "u"))
    assert restored.imported == [f"{backend}/api_token"]
    assert store.get(backend, "api_token") == "second-val"


def test_recommended_credential_only_fills_an_empty_keyring_entry() -> None:
    store = SecretStore()
    backend = f"b-{uuid.uuid4().hex[:8]}"
    store.set(backend, "api_token", "the-users-own")
    outcome = import_secrets(store, provisioned(policy("recommended", backend, "from-it"), "u"))
    assert outcome.imported == [] and store.get(backend, "api_token") == "the-users-own"
    other = f"b-{uuid.uuid4().hex[:8]}"
    outcome = import_secrets(store, provisioned(policy("recommended", other, "from-it"), "u"))
    assert outcome.imported == [f"{other}/api_token"] and store.get(other, "api_token") == "from-it"


def test_the_agent_imports_through_a_helper_and_never_loads_the_keyring(
    agent_paths: Paths,
) -> None:
    backend = f"b-{uuid.uuid4().hex[:8]}"
    agent_paths.policy_file.write_text(
        f'[enforced.BackendSecrets.{backend}]\napi_token = "helper-value-1"\n', encoding="utf-8"
    )
    agent_paths.policy_file.chmod(0o600)
    probe = (
        "import sys\n"
        "from agent.config.paths import Paths\n"
        "from agent.secret_provisioning import provision_at_start\n"
        "provision_at_start(Paths.from_environment())\n"
        "print('keyring' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"  # the resident agent stays without the keyring stack
    assert SecretStore().get(backend, "api_token") == "helper-value-1"

"""The running agent reads its secrets through a helper process, from the real keyring."""

from __future__ import annotations

import sys

import pytest

from agent.config.paths import Paths
from agent.secret_cache import SecretCache
from agent.secrets import NoKeyringError, SecretStore


def test_secrets_come_from_the_keyring_without_loading_keyring_here(agent_paths: Paths) -> None:
    store = SecretStore()
    store.set("cache-test", "api_token", "tok-3141")
    try:
        loaded_before = "keyring" in sys.modules
        cache = SecretCache()
        cache.load([("cache-test", "api_token"), ("cache-test", "password")])
        assert cache.get("cache-test", "api_token") == "tok-3141"
        assert cache.get("cache-test", "password") is None
        if not loaded_before:
            assert "keyring" not in sys.modules

        store.set("cache-test", "api_token", "tok-2718")
        assert cache.get("cache-test", "api_token") == "tok-3141"  # cached until told
        cache.forget()
        assert cache.get("cache-test", "api_token") == "tok-2718"
    finally:
        store.delete("cache-test", "api_token")


def test_an_unusable_keyring_is_an_error_with_its_fix(agent_paths: Paths) -> None:
    env_fail = [
        sys.executable,
        "-c",
        "import json; print(json.dumps({'error': 'No usable keyring: install gnome-keyring'}))",
    ]
    cache = SecretCache(command=env_fail)
    cache.load([("audian", "api_token")])
    with pytest.raises(NoKeyringError, match="install gnome-keyring"):
        cache.get("audian", "api_token")


def test_a_helper_that_dies_is_an_error_not_a_crash(agent_paths: Paths) -> None:
    cache = SecretCache(command=[sys.executable, "-c", "raise SystemExit(9)"])
    with pytest.raises(NoKeyringError, match="could not read the keyring"):
        cache.get("audian", "api_token")


def test_the_helper_answers_in_order_and_never_on_bad_input() -> None:
    import json
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "agent", "_read-secrets"],
        input="not json",
        capture_output=True,
        text=True,
        check=True,
    )
    assert "bad request" in json.loads(done.stdout)["error"]

"""Credentials IT provisions through policy, moved into the user's keyring at agent start.

``BackendSecrets`` (``{backend: {field: value}}``) and ``CalendarUrlSecrets``
(``{calendar: url}``) let IT pre-seed what a user would otherwise type with
``presence-agent secret set``, the way Tailscale's ``AuthKey`` does. Once a value is
in the keyring the agent reads it from there like any other secret.

- An *enforced* value is written when it differs from the value last provisioned for
  this user (IT rotated it), even over one the user typed since.
- A *recommended* value is written only when the keyring holds nothing for it.

What was provisioned is remembered as SHA-256 digests in one more keyring item
(``.provisioned``), so nothing about a credential lands in a file. The keyring stack
stays out of the resident agent (see :mod:`agent.secret_cache`): a short-lived helper
(``presence-agent _provision-secrets``) reads the policy itself and writes the
keyring, so the values never cross a pipe or a command line; it reports names only.
Every value is registered with the log redaction in each process that reads it.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import subprocess
import sys
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING

from agent.config.overlay import expand_username
from agent.config.paths import Paths
from agent.config.policy import PolicyData, default_reader
from agent.config.policy_keys import BACKEND_SECRETS, CALENDAR_URL_SECRETS, POLICY_KEYS
from agent.logs import register_secret
from agent.secret_names import CALENDAR_URL_FIELD, calendar_owner

if TYPE_CHECKING:
    from agent.secrets import SecretStore

log = logging.getLogger(__name__)

HELPER = "_provision-secrets"
RECORD = ".provisioned"
HELPER_TIMEOUT = 30.0
_SECRET_KEYS = tuple(key.name for key in POLICY_KEYS if key.secret)


@dataclass(frozen=True)
class ProvisionedSecret:
    backend: str
    field: str
    value: str = dataclass_field(repr=False)
    enforced: bool

    @property
    def name(self) -> str:
        return f"{self.backend}/{self.field}"


@dataclass
class Outcome:
    """Names (never values) of what was written and what was already in place."""

    imported: list[str] = dataclass_field(default_factory=list)
    kept: list[str] = dataclass_field(default_factory=list)


def provisioned(policy: PolicyData, username: str) -> list[ProvisionedSecret]:
    """The credentials in the policy, ``{username}`` expanded; enforced wins per name."""
    found: dict[tuple[str, str], ProvisionedSecret] = {}
    for tier, enforced in ((policy.recommended, False), (policy.enforced, True)):
        backends = expand_username(tier.get(BACKEND_SECRETS, {}), username)
        for backend, fields in backends.items():
            for name, value in fields.items():
                found[(backend, name)] = ProvisionedSecret(backend, name, value, enforced)
        calendars = expand_username(tier.get(CALENDAR_URL_SECRETS, {}), username)
        for calendar, url in calendars.items():
            backend = calendar_owner(calendar)
            found[(backend, CALENDAR_URL_FIELD)] = ProvisionedSecret(
                backend, CALENDAR_URL_FIELD, url, enforced
            )
    for secret in found.values():
        register_secret(secret.value)
    return list(found.values())


def import_secrets(store: SecretStore, secrets: list[ProvisionedSecret]) -> Outcome:
    """Write what the rules above say into ``store``; raises NoKeyringError."""
    outcome = Outcome()
    if not secrets:
        return outcome
    try:
        record = json.loads(store.record(RECORD) or "{}")
    except ValueError:
        record = {}
    record = record if isinstance(record, dict) else {}
    for secret in secrets:
        digest = hashlib.sha256(secret.value.encode()).hexdigest()
        stored = store.get(secret.backend, secret.field)
        # Enforced: written when IT changes it, and again when it went missing from the
        # keyring; recommended: only when the keyring has nothing (the user's own wins).
        wanted = stored is None or (secret.enforced and record.get(secret.name) != digest)
        if wanted and stored != secret.value:
            store.set(secret.backend, secret.field, secret.value)
            outcome.imported.append(secret.name)
        else:
            outcome.kept.append(secret.name)
        record[secret.name] = digest
    store.set_record(RECORD, json.dumps(record, sort_keys=True))
    return outcome


def serve_helper() -> int:
    """The helper: read the policy, import its credentials, print the names as JSON."""
    from agent.secrets import NoKeyringError, SecretStore

    paths = Paths.from_environment()
    secrets = provisioned(default_reader(paths.policy_file).read(), getpass.getuser())
    try:
        outcome = import_secrets(SecretStore(), secrets)
    except NoKeyringError as error:
        print(json.dumps({"error": str(error)}))
        return 0
    print(json.dumps({"imported": outcome.imported, "kept": outcome.kept}))
    return 0


def helper_command() -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, HELPER]
    return [sys.executable, "-m", "agent", HELPER]


def provision_at_start(paths: Paths) -> None:
    """Run the helper when the policy carries credentials; log what it did (names only).

    Blocking (a process and keyring round trips): call it off the event loop.
    """
    policy = default_reader(paths.policy_file).read()
    if not any(
        name in tier for tier in (policy.enforced, policy.recommended) for name in _SECRET_KEYS
    ):
        return
    provisioned(policy, getpass.getuser())  # registers the values with the log redaction
    try:
        done = subprocess.run(
            helper_command(),
            capture_output=True,
            text=True,
            timeout=HELPER_TIMEOUT,
            check=False,
        )
        reply = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError) as error:
        reply = {"error": f"{type(error).__name__}"}
    if not isinstance(reply, dict):
        reply = {"error": "the helper failed"}
    if "error" in reply:
        log.error(
            "policy: could not move provisioned credentials into the keyring: %s", reply["error"]
        )
        return
    if reply.get("imported"):
        log.info("policy: credentials moved into the keyring: %s", ", ".join(reply["imported"]))

"""How a secret is named in the keyring, in one place for the agent, the CLI and the tray.

A secret is a ``(owner, field)`` pair: the owner is a backend's name or ``calendar:<name>``
for a calendar's secret URL. The keyring item's username is ``<owner>/<field>``; these
names are a public contract (README, ``presence-agent secret set``).
"""

from __future__ import annotations

CALENDAR_PREFIX = "calendar:"
CALENDAR_URL_FIELD = "url"


def calendar_owner(calendar: str) -> str:
    """The owner under which a calendar's secret URL is stored (field ``url``)."""
    return f"{CALENDAR_PREFIX}{calendar}"


def is_calendar_owner(owner: str) -> bool:
    return owner.startswith(CALENDAR_PREFIX)


def keyring_user(owner: str, field: str) -> str:
    """The keyring username of one secret: ``<owner>/<field>``."""
    return f"{owner}/{field}"


def secret_command(owner: str, field: str) -> str:
    """The exact command that stores a missing or rejected secret."""
    return f"presence-agent secret set {owner} {field}"

"""Which desktop notifications a snapshot change deserves, and their words.

Off unless ``[ui] notifications`` is on. Then a change the user made is confirmed
(the click may have been in a menu that closed before it applied), automatic changes
are announced only with ``[ui] notify_automatic`` (people find "you are now away"
noise by default), and a backend that starts failing — or is failing when the tray
starts — is announced once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent.config.schema import UiSettings
from agent.protocol import Snapshot
from agent.ui import describe

MANUAL_REASONS = ("manual", "paused")


@dataclass(frozen=True)
class Notice:
    title: str
    body: str
    warning: bool = False


def notices(
    previous: Snapshot | None,
    current: Snapshot,
    ui: UiSettings,
    vendors: Mapping[str, str] | None = None,
    addresses: Mapping[str, str] | None = None,
) -> list[Notice]:
    """The notifications for going from ``previous`` to ``current``."""
    if not ui.notifications:
        return []
    found = []
    manual = current.get("reason") in MANUAL_REASONS
    if previous is None:  # the tray just started: only a backend already in trouble is news
        previous = {**current, "backends": {}}
    elif _shown(current) != _shown(previous) and (manual or ui.notify_automatic):
        status = describe.status_of(current)
        label = current.get("label") or status.label
        body = [describe.plain_reason(str(current.get("reason_text") or "")).capitalize()]
        body += describe.detail_lines(current)
        found.append(Notice(f"You're now {label}", "\n".join(b for b in body if b)))
    backends = current.get("backends") or {}
    for name in sorted(
        _in_state(current, "sign-in needed") - _in_state(previous, "sign-in needed")
    ):
        found.append(
            Notice(
                "Presence updates need you to sign in",
                describe.backend_problem(name, backends[name], (vendors or {}).get(name, ""), ""),
                warning=True,
            )
        )
    # "retrying" is a first hiccup; "failing" (several in a row, or a refusal) is news.
    for name in sorted(_in_state(current, "failing") - _in_state(previous, "failing")):
        found.append(
            Notice(
                "Presence updates are failing",
                describe.backend_problem(
                    name,
                    backends[name],
                    (vendors or {}).get(name, ""),
                    (addresses or {}).get(name, ""),
                ),
                warning=True,
            )
        )
    return found


def _shown(snapshot: Snapshot) -> tuple[Any, ...]:
    """What a person sees change: the status and its message."""
    return snapshot.get("status"), snapshot.get("message") or ""


def _in_state(snapshot: Snapshot, *states: str) -> set[str]:
    backends = snapshot.get("backends") or {}
    return {n for n, b in backends.items() if b.get("state") in states}

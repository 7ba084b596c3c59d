"""Which desktop notifications a snapshot change deserves.

Off unless ``[ui] notifications`` is on; automatic status changes only with
``[ui] notify_automatic`` (people find "you are now away" noise by default). A change
the user made is never announced back to them.
"""

from __future__ import annotations

from typing import Any

from agent.config.schema import UiSettings
from agent.ui import describe

UNREACHABLE = "Presence server unreachable — changes will be sent when it's back"


def notices(previous: dict[str, Any] | None, current: dict[str, Any], ui: UiSettings) -> list[str]:
    """The notification texts for going from ``previous`` to ``current``."""
    if previous is None or not ui.notifications:
        return []
    texts = []
    status = describe.status_of(current)
    automatic = current.get("reason") not in ("manual", "paused")
    if ui.notify_automatic and automatic and status != describe.status_of(previous):
        if status.value == "available":
            texts.append("Back to Available")
        else:
            reason = current.get("reason_text") or ""
            texts.append(f"You're now {status.label}" + (f" ({reason})" if reason else ""))
    if _in_state(current, "failing", "retrying") - _in_state(previous, "failing", "retrying"):
        texts.append(UNREACHABLE)
    for name in sorted(
        _in_state(current, "sign-in needed") - _in_state(previous, "sign-in needed")
    ):
        texts.append(f"{name}: sign-in needed — enter the secret again in Settings › Backends")
    return texts


def _in_state(snapshot: dict[str, Any], *states: str) -> set[str]:
    backends = snapshot.get("backends") or {}
    return {n for n, b in backends.items() if b.get("state") in states}

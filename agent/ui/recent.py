"""The last few presence changes for "Recent changes", from the agent's own history.

The agent keeps them whatever the backends (see ``agent/history.py``) and answers the
``history`` request; this reads that reply tolerantly: an entry it cannot use is
skipped, never an error in the menu.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.core.model import Status
from agent.protocol import Reply

RECENT_LIMIT = 8


@dataclass(frozen=True)
class RecentChange:
    at: str
    status: str
    message: str
    reason: str
    reason_text: str = ""

    @property
    def label(self) -> str:
        try:
            return Status(self.status).label
        except ValueError:
            return self.status


def recent_from_reply(reply: Reply, limit: int = RECENT_LIMIT) -> list[RecentChange]:
    """The changes of a ``history`` reply, newest first, at most ``limit``."""
    changes = reply.get("changes") if reply.get("ok") else None
    if not isinstance(changes, list):
        return []
    result = []
    for change in changes[:limit]:
        if isinstance(change, dict) and isinstance(change.get("status"), str):
            result.append(
                RecentChange(
                    at=str(change.get("at") or ""),
                    status=change["status"],
                    message=str(change.get("message") or ""),
                    reason=str(change.get("reason") or ""),
                    reason_text=str(change.get("reason_text") or ""),
                )
            )
    return result

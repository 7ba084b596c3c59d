"""The agent's own record of the presence changes it reported, for "Recent changes".

Kept by the agent whatever the backends are (the ``local`` journal exists only when
that backend is configured), bounded, and served over IPC as the ``history`` request.
It lives in memory: a restart starts a fresh list, and nothing about the user's day
is written to disk beyond what the configured backends keep.
"""

from __future__ import annotations

from collections import deque

from agent.core.model import PresenceChange
from agent.protocol import ReportedChange

#: How many changes are kept; the tray shows the newest few.
HISTORY_LIMIT = 50


class ChangeHistory:
    """The newest :data:`HISTORY_LIMIT` reported changes, oldest dropped first."""

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self._changes: deque[ReportedChange] = deque(maxlen=limit)

    def record(self, change: PresenceChange, reason_text: str = "") -> None:
        state = change.state
        self._changes.append(
            {
                "at": change.at.isoformat(),
                "status": state.status.value,
                "message": state.message,
                "reason": state.reason,
                "reason_text": reason_text,
            }
        )

    def newest(self, limit: int) -> list[ReportedChange]:
        """Up to ``limit`` changes, newest first."""
        count = max(0, min(limit, len(self._changes)))
        return [self._changes[-1 - i] for i in range(count)]

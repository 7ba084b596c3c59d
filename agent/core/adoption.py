"""Whether a status found on a server at start-up becomes the user's own choice.

A status set elsewhere (a desk phone, another device) is taken over only when a
person chose it deliberately and after this agent last reported: anything else is
what this agent (or nobody) left behind, and adopting it would trap the user in it
with no expiry. In particular ``offline`` is never adopted: a phone system shows it
for a user who is not signed in, and this agent reports it itself on quit.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from agent.core.model import PresenceState, Status

DELIBERATE = frozenset({Status.BUSY, Status.DND, Status.INVISIBLE})
"""Statuses only a person sets; ``away`` counts too when it carries a message."""


class Verdict(StrEnum):
    """Why a remote status is or is not adopted (said in the log)."""

    ADOPT = "adopt"
    TURNED_OFF = "adoption is turned off"
    OFFLINE = "offline is never adopted"
    AUTOMATIC = "not a deliberate choice"
    UNDATED = "the server does not say when it was set"
    OLDER = "set before this agent's last report"


def judge(remote: PresenceState, last_report: datetime | None, enabled: bool) -> Verdict:
    """The verdict on ``remote`` (its ``since`` is when the server says it was set).

    ``last_report`` is when this agent last had a report confirmed by that server
    (``None``: never, so anything there was set by someone else).
    """
    if not enabled:
        return Verdict.TURNED_OFF
    if remote.status is Status.OFFLINE:
        return Verdict.OFFLINE
    # ``available`` with a message stays automatic: adopting it would hold the user
    # "available" through idle, calls and meetings.
    chosen = remote.status in DELIBERATE or (remote.status is Status.AWAY and bool(remote.message))
    if not chosen:
        return Verdict.AUTOMATIC
    if last_report is None:
        return Verdict.ADOPT
    if remote.since is None:
        return Verdict.UNDATED
    if remote.since <= last_report:
        return Verdict.OLDER
    return Verdict.ADOPT

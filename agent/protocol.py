"""The wire between the agent, the command line and the tray, typed once for both ends.

Every message is one JSON object on a line of the local socket (:mod:`agent.ipc`).
A request names its command in ``cmd``; the reply says ``ok`` and, when not, an
``error`` with the exit ``code`` the command line uses. A subscription pushes a
:class:`Snapshot` after every visible change. The agent builds these shapes, the CLI
and the tray read them; mypy checks both sides against this one module.
"""

# No ``from __future__ import annotations`` here: TypedDict must see ``NotRequired`` at run
# time to tell optional keys from required ones.
from enum import IntEnum
from typing import Literal, NotRequired, Required, TypedDict

from agent.core.views import EngineView, LocationView


class ExitCode(IntEnum):
    """The command line's exit codes, also a failed reply's ``code`` (scripts rely on them)."""

    OK = 0
    FAILURE = 1
    BAD_INPUT = 2
    NOT_RUNNING = 3


Request = TypedDict(
    "Request",
    {
        "cmd": Required[str],
        "status": str,
        "message": str,
        "for": str,
        "location": str | None,
        "backend": str,
        "name": str,
        "limit": int,
    },
    total=False,
)
"""A command. Over the socket it is untrusted JSON: the command table checks each field."""


class BackendView(TypedDict):
    """One backend's delivery: its lane's state, what is queued, and the last error."""

    type: str
    kind: str
    state: str
    queue_depth: int
    last_success: str | None
    last_error: str | None
    last_error_at: str | None
    failed: int
    dropped: int
    dropped_detail: NotRequired[str]


class DetectionView(TypedDict):
    """The source in use per signal, whether detection is degraded, and why."""

    degraded: bool
    sources: dict[str, str]
    notes: list[str]


class ConfigView(TypedDict):
    path: str
    problems: list[str]


class Snapshot(EngineView):
    """``presence-agent status --json`` and what the tray shows."""

    version: str
    pid: int
    status: str
    label: str
    message: str
    until: str | None
    since: str | None
    reason: str
    location: LocationView | None
    backends: dict[str, BackendView]
    detection: DetectionView
    config: ConfigView


class ActivatingSnapshot(Snapshot):
    """Pushed when a second launch asks the running tray to show itself."""

    activate: bool


class ProbeView(TypedDict):
    """A backend's "Test connection": the verdict, what was seen, and what to do."""

    status: str
    detail: str
    fix: str


class ReportedChange(TypedDict):
    """One change in the agent's own history ("Recent changes"), newest first."""

    at: str
    status: str
    message: str
    reason: str
    reason_text: str


class Reply(TypedDict, total=False):
    """The answer to a :data:`Request`; ``code`` is an exit code of the command line."""

    ok: Required[bool]
    error: str
    code: int
    snapshot: Snapshot
    problems: list[str]
    probe: ProbeView
    changes: list[ReportedChange]
    ui: bool
    subscribed: Literal[True]

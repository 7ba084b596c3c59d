"""What every detector offers the agent, and how it reports what it sees.

Threading: every hook below is called on the agent's asyncio loop, and the sink must
be called on that loop too. A detector that reads from a thread (an OS callback, a
blocking library) hands its results over with ``loop.call_soon_threadsafe``.

Order: ``start`` once; then, while running, any number of ``reconfigure`` (after a
reload), ``set_locked`` (the lock detector saw the screen lock or unlock) and
``refresh`` (after a resume); ``stop`` once, last. ``report`` and ``degraded`` may be
read at any time. Concrete detectors subclass :class:`Detector` to inherit the no-op
defaults of the hooks they do not need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from agent.core.signals import Observation

if TYPE_CHECKING:
    from agent.config.schema import Config

Sink = Callable[[Observation], None]


@dataclass(frozen=True)
class SourceReport:
    """One candidate source for a signal, whether it is used, and why (for ``doctor``)."""

    signal: str
    source: str
    in_use: bool
    detail: str = ""


class Detector(Protocol):
    """A running signal source: pushes observations into the sink until stopped."""

    signal: str

    async def start(self, sink: Sink) -> None: ...

    async def stop(self) -> None: ...

    def report(self) -> list[SourceReport]:
        """Every source tried for this signal, for ``doctor`` and the tray."""
        ...

    @property
    def degraded(self) -> bool:
        """True when the preferred source failed and a fallback (or nothing) is in use."""
        ...

    def reconfigure(self, config: Config) -> None:
        """The configuration was reloaded: apply it without stopping. Default: nothing."""
        return None

    def set_locked(self, locked: bool) -> None:
        """The screen locked or unlocked (routed from the lock detector). Default: nothing."""
        return None

    def refresh(self) -> None:
        """Read the source again soon and push what it sees; returns at once.

        Called after a resume, when pre-sleep readings are not to be trusted.
        Default: nothing (a detector that only pushes on change has nothing to re-read).
        """
        return None

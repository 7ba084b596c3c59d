"""Who hears which observation: a small table instead of type switches in the service.

The composition root registers, per observation type, who must hear it (the engine
hears everything; the call detector hears the lock; delivery hears meetings and
network changes). Detectors push into the router as their sink.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from agent.core.signals import Observation

Seen = TypeVar("Seen", bound=Observation)


class ObservationRouter:
    """Hands each observation to every handler registered for its type, in order.

    Threading: called on the agent's loop only (it is the detectors' sink).
    """

    def __init__(self) -> None:
        self._routes: list[tuple[type[Any] | None, Callable[[Any], None]]] = []

    def route_all(self, handler: Callable[[Observation], None]) -> None:
        """Call ``handler`` with every observation (after earlier routes)."""
        self._routes.append((None, handler))

    def route(self, kind: type[Seen], handler: Callable[[Seen], None]) -> None:
        """Call ``handler`` with every observation of type ``kind`` (after earlier routes)."""
        self._routes.append((kind, handler))

    def __call__(self, observation: Observation) -> None:
        for kind, handler in self._routes:
            if kind is None or isinstance(observation, kind):
                handler(observation)

"""The observation router: each observation reaches every handler for its type, in order."""

from __future__ import annotations

from agent.core.routing import ObservationRouter
from agent.core.signals import IdleObserved, LockObserved, Observation, SleepObserved


def test_handlers_hear_their_type_in_the_order_registered() -> None:
    heard: list[tuple[str, Observation]] = []
    router = ObservationRouter()
    router.route_all(lambda o: heard.append(("all", o)))
    router.route(LockObserved, lambda o: heard.append(("lock", o)))
    router.route(SleepObserved, lambda o: heard.append(("sleep", o)))
    lock, idle = LockObserved(True, "test"), IdleObserved(5.0, "test")
    router(lock)
    router(idle)
    assert heard == [("all", lock), ("lock", lock), ("all", idle)]

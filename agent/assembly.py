"""Building the agent's parts from the configuration; :mod:`agent.app` runs them.

Backends come from the registry (one per enabled ``[[backends]]`` entry), detectors
from one builder per signal, the HTTP client only when a network backend exists, and
the observation routes say who hears which signal. A part that cannot be built is
left out with a note (``doctor`` and the tray show it); the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.backends.base import Backend, BackendContext, CalendarSync, SecretReader
from agent.backends.registry import SECRET_FIELDS, create_backend
from agent.core.routing import ObservationRouter
from agent.core.signals import (
    LocationObserved,
    LockObserved,
    MeetingsObserved,
    Observation,
    SleepObserved,
)
from agent.secret_names import CALENDAR_URL_FIELD, calendar_owner

if TYPE_CHECKING:
    import httpx

    from agent.config.paths import Paths
    from agent.config.schema import Config
    from agent.delivery.dispatcher import Dispatcher
    from agent.detectors.base import Detector

log = logging.getLogger(__name__)

#: Timeout of a calendar download (a slow feed must not hold a reader forever).
CALENDAR_TIMEOUT = 20.0


def secret_pairs(config: Config) -> list[tuple[str, str]]:
    """Every secret the configured backends and calendars may read."""
    pairs = [
        (entry.name, field)
        for entry in config.backends
        if entry.enabled
        for field in SECRET_FIELDS.get(entry.type, ())
    ]
    pairs += [
        (calendar_owner(cal.name), CALENDAR_URL_FIELD) for cal in config.calendars if cal.url_secret
    ]
    return pairs


def needs_http(config: Config) -> bool:
    """Only a network backend needs HTTP (and TLS)."""
    return any(entry.enabled and entry.type != "local" for entry in config.backends)


def build_http_client(config: Config) -> httpx.AsyncClient | None:
    """The shared client, or ``None`` for a local-only agent.

    The default local-only agent never loads httpx and ssl, some 10 MB of a resident
    process.
    """
    if not needs_http(config):
        return None
    from agent.backends.http import create_client

    return create_client(config.general.proxy_url)


def build_backends(config: Config, context: BackendContext) -> list[Backend]:
    """One backend per enabled entry; a broken one is logged and left out."""
    backends: list[Backend] = []
    for entry in config.backends:
        if not entry.enabled:
            continue
        try:
            backends.append(create_backend(entry, context))
        except Exception as error:  # a broken backend must not stop the others
            log.error("backend %s: %s", entry.name, error)
    return backends


@dataclass(frozen=True)
class DetectorParts:
    """What detector builders are given."""

    config: Config
    paths: Paths
    secrets: SecretReader


def _idle(parts: DetectorParts) -> Detector:
    from agent.detectors.idle import create_idle_detector

    return create_idle_detector(parts.config)


def _lock(parts: DetectorParts) -> Detector:
    from agent.detectors.lock import create_lock_detector

    return create_lock_detector(parts.config)


def _sleep(parts: DetectorParts) -> Detector:
    from agent.detectors.sleep import create_sleep_detector

    return create_sleep_detector(parts.config)


def _call(parts: DetectorParts) -> Detector:
    from agent.detectors.call import create_call_detector

    return create_call_detector(parts.config)


def _meeting(parts: DetectorParts) -> Detector:
    from agent.backends.http import create_client
    from agent.detectors.meeting import create_meeting_detector

    proxy = parts.config.general.proxy_url
    return create_meeting_detector(
        parts.config,
        parts.paths,
        parts.secrets,
        lambda: create_client(proxy, timeout=CALENDAR_TIMEOUT),
    )


def _location(parts: DetectorParts) -> Detector:
    from agent.detectors.location import create_location_detector

    return create_location_detector(parts.config)


#: One builder per signal; each imports its detector (and its OS sources) only when built.
DETECTOR_BUILDERS: tuple[tuple[str, Callable[[DetectorParts], Detector]], ...] = (
    ("idle", _idle),
    ("lock", _lock),
    ("sleep", _sleep),
    ("call", _call),
    ("meeting", _meeting),
    ("location", _location),
)


def build_detectors(parts: DetectorParts) -> tuple[list[Detector], list[str]]:
    """Every detector that can be built here, and a note for each that cannot."""
    detectors: list[Detector] = []
    notes: list[str] = []
    for signal_name, build in DETECTOR_BUILDERS:
        try:
            detectors.append(build(parts))
        except Exception as error:
            note = f"{signal_name}: unavailable ({error})"
            log.warning("detector %s", note)
            notes.append(note)
    return detectors, notes


def route_observations(
    observe: Callable[[Observation], None],
    detectors: Sequence[Detector],
    dispatcher: Dispatcher | None,
    sleep_changed: Callable[[SleepObserved], None],
) -> ObservationRouter:
    """Who hears which signal, in order: the engine first, then the cross-talk.

    ``detectors`` is read at each observation (the running ones, as they start).
    Camera use while the screen is locked never counts, so every detector hears the
    lock; delivery hears meetings (essentry's calendar sync) and network changes (a
    waiting backend retries at once); the service hears sleep and resume.
    """
    router = ObservationRouter()
    router.route_all(observe)

    def locked(observation: LockObserved) -> None:
        for detector in detectors:
            detector.set_locked(bool(observation.locked))

    router.route(LockObserved, locked)
    if dispatcher is not None:
        router.route(
            MeetingsObserved,
            lambda observation: dispatcher.submit_calendar(CalendarSync(observation.meetings)),
        )
        router.route(LocationObserved, lambda _: dispatcher.network_changed())
    router.route(SleepObserved, sleep_changed)
    return router

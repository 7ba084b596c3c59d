"""What ``presence-agent status --json`` and the tray show: one JSON-able snapshot."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import datetime

from agent import __version__
from agent.core.engine import Engine
from agent.detectors.base import Detector
from agent.protocol import BackendView, DetectionView, Snapshot


def build_snapshot(
    engine: Engine,
    backends: dict[str, BackendView],
    detection: DetectionView,
    config_path: str,
    config_problems: Sequence[str],
) -> Snapshot:
    state = engine.current
    location = state.location
    return {
        "version": __version__,
        "pid": os.getpid(),
        "status": state.status.value,
        "label": state.status.label,
        "message": state.message,
        "until": _iso(state.until),
        "since": _iso(state.since),
        "reason": state.reason,
        "location": (
            {"id": location.id, "type": location.type, "name": location.name}
            if location is not None
            else None
        ),
        **engine.snapshot(),
        "backends": backends,
        "detection": detection,
        "config": {"path": config_path, "problems": list(config_problems)},
    }


def detection_summary(detectors: Iterable[Detector], notes: Sequence[str]) -> DetectionView:
    """The source in use per signal, whether detection is degraded, and why."""
    sources: dict[str, str] = {}
    all_notes = list(notes)
    degraded = bool(notes)
    for detector in detectors:
        reports = detector.report()
        in_use = [r.source for r in reports if r.in_use]
        sources[detector.signal] = in_use[0] if in_use else "none"
        all_notes.extend(f"{detector.signal}: {r.detail}" for r in reports if r.in_use and r.detail)
        degraded = degraded or detector.degraded
    return {"degraded": degraded, "sources": sources, "notes": all_notes}


Health = tuple[dict[str, tuple[str, int, str | None]], bool, list[str]]


def health(snapshot: Snapshot) -> Health:
    """What of a snapshot can change between presence changes: delivery and detection."""
    backends = {
        name: (entry["state"], entry["queue_depth"], entry["last_error"])
        for name, entry in snapshot["backends"].items()
    }
    detection = snapshot["detection"]
    return backends, detection["degraded"], detection["notes"]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None

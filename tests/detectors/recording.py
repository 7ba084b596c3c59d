"""A detector that pushes nothing by itself and records every hook the service calls.

It subclasses the contract like the real detectors, so a hook the service calls but
the contract does not declare fails here as it would in production.
"""

from __future__ import annotations

from agent.config.schema import Config
from agent.detectors.base import Detector, Sink, SourceReport


class RecordingDetector(Detector):
    def __init__(self, signal: str) -> None:
        self.signal = signal
        self.sink: Sink | None = None
        self.configs: list[Config] = []
        self.locks: list[bool] = []
        self.refreshed = 0
        self.stopped = False

    async def start(self, sink: Sink) -> None:
        self.sink = sink

    async def stop(self) -> None:
        self.stopped = True

    def report(self) -> list[SourceReport]:
        return []

    @property
    def degraded(self) -> bool:
        return False

    def reconfigure(self, config: Config) -> None:
        self.configs.append(config)

    def set_locked(self, locked: bool) -> None:
        self.locks.append(locked)

    def refresh(self) -> None:
        self.refreshed += 1

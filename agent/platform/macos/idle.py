"""Idle time on macOS from Quartz: seconds since any HID input event."""

from __future__ import annotations

from collections.abc import Callable


class QuartzIdle:
    """``CGEventSourceSecondsSinceLastEventType(HIDSystemState, AnyInputEventType)``."""

    def __init__(self, seconds_since_input: Callable[[], float]) -> None:
        self._seconds_since_input = seconds_since_input

    @classmethod
    async def open(cls, seconds_since_input: Callable[[], float] | None = None) -> QuartzIdle:
        source = cls(seconds_since_input or _quartz_call())
        await source.idle_seconds()
        return source

    async def idle_seconds(self) -> float:
        seconds = float(self._seconds_since_input())
        if seconds < 0:  # Quartz answers -1 style values when the HID state is unreadable
            raise OSError(f"Quartz reported an impossible idle time ({seconds})")
        return seconds

    async def close(self) -> None:
        return None


def _quartz_call() -> Callable[[], float]:
    import Quartz

    def seconds_since_input() -> float:
        return float(
            Quartz.CGEventSourceSecondsSinceLastEventType(
                Quartz.kCGEventSourceStateHIDSystemState, Quartz.kCGAnyInputEventType
            )
        )

    return seconds_since_input

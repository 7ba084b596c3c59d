"""Debouncing raw readings so that nothing flaps.

Both helpers are lazy: they keep the raw history's last change and work out the
debounced value for any instant on demand, so the answer at time *t* depends only on
the readings and *t*, never on how often somebody asked (replaying gives the same
output). Callers pass instants in non-decreasing order.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Generic, TypeVar

T = TypeVar("T")


class Hysteresis:
    """A boolean that follows its raw input only once the input has held for a while.

    It turns on after the raw input held ``True`` for ``on_after`` and off after it
    held ``False`` for ``off_after`` (a call counts after 2 s, is held 15 s).
    ``None`` until the first reading: unknown.
    """

    def __init__(self, on_after: float, off_after: float) -> None:
        self.raw: bool | None = None
        self.value: bool | None = None
        self._changed_at: datetime | None = None
        self.configure(on_after, off_after)

    def configure(self, on_after: float, off_after: float) -> None:
        self._on_after = timedelta(seconds=max(0.0, on_after))
        self._off_after = timedelta(seconds=max(0.0, off_after))

    def update(self, raw: bool, at: datetime) -> None:
        self.settle(at)
        if self.value is None:
            self.value = False
        if raw != self.raw:
            self.raw = raw
            self._changed_at = at
        self.settle(at)

    def settle(self, at: datetime) -> bool | None:
        """The debounced value at ``at``."""
        pending = self.pending()
        if pending is not None and at >= pending:
            self.value = self.raw
        return self.value

    def pending(self) -> datetime | None:
        """When the debounced value will follow the raw one, if it differs now."""
        if self.value is None or self.value == self.raw or self._changed_at is None:
            return None
        return self._changed_at + (self._on_after if self.raw else self._off_after)


class Settled(Generic[T]):
    """A value that follows a new reading only once it has held for ``stable_for``.

    The first reading counts at once (there is nothing to flap from); a reading equal
    to the current value cancels a pending change.
    """

    def __init__(self, stable_for: float) -> None:
        self.known = False
        self.value: T | None = None
        self._candidate: T | None = None
        self._since: datetime | None = None
        self.configure(stable_for)

    def configure(self, stable_for: float) -> None:
        self._stable_for = timedelta(seconds=max(0.0, stable_for))

    def update(self, raw: T | None, at: datetime) -> None:
        self.settle(at)
        if not self.known:
            self.known = True
            self.value = raw
        elif raw == self.value:
            self._since = None
        elif self._since is None or raw != self._candidate:
            self._candidate = raw
            self._since = at
        self.settle(at)

    def settle(self, at: datetime) -> T | None:
        """The settled value at ``at``."""
        pending = self.pending()
        if pending is not None and at >= pending:
            self.value = self._candidate
            self._since = None
        return self.value

    def pending(self) -> datetime | None:
        """When a pending change takes effect, if one is waiting."""
        return self._since + self._stable_for if self._since is not None else None

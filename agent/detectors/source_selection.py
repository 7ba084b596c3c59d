"""Choosing a signal's source at run time, and falling back when it breaks.

Each signal has candidates in order of preference. The first whose ``open`` works is
used; when it breaks later (bus gone, X server gone) the detector calls ``broke`` and
asks for the next one, without restarting the agent. Every decision is kept so that
``doctor`` can say which source is in use and why the others are not.

Threading: use from the agent's asyncio loop only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from agent.detectors.base import Detector, SourceReport

S = TypeVar("S")

NO_SOURCE = "none"
RETRY_AFTER = 60.0
"""Seconds between re-probes while no source works (the only polling in that state)."""


class SourceBroken(Exception):
    """A source that was working stopped (its bus, display or service went away)."""


@dataclass(frozen=True)
class Candidate(Generic[S]):
    """One way to read a signal: ``open`` probes and returns a ready source or raises.

    ``fallback`` marks a last resort (coarse or privacy-costly): using it counts as degraded.
    """

    name: str
    open: Callable[[], Awaitable[S]]
    fallback: bool = False


class SourceSelector(Generic[S]):
    """Walks a signal's candidates in order and remembers why each one was or wasn't used."""

    def __init__(self, signal: str, candidates: Sequence[Candidate[S]]) -> None:
        self.signal = signal
        self._candidates = list(candidates)
        self._notes: dict[str, str] = {}
        self._index = -1
        self._in_use: str | None = None
        self._broken = False

    async def next_source(self) -> tuple[str, S] | None:
        """Open the first working candidate after the current one; ``None`` when none works."""
        self._in_use = None
        while self._index + 1 < len(self._candidates):
            self._index += 1
            candidate = self._candidates[self._index]
            try:
                source = await candidate.open()
            except Exception as exc:  # any probe failure just means "not here"
                self._notes[candidate.name] = f"not available: {_describe(exc)}"
                continue
            self._in_use = candidate.name
            self._notes[candidate.name] = (
                "in use after a preferred source failed"
                if self._broken
                else "in use as a last resort"
                if candidate.fallback
                else ""
            )
            return candidate.name, source
        return None

    def broke(self, error: BaseException) -> None:
        """The source in use stopped working; ``next_source`` moves on to the next one."""
        if self._in_use is not None:
            self._notes[self._in_use] = f"failed while running: {_describe(error)}"
            self._in_use = None
            self._broken = True

    def rewind(self) -> None:
        """Probe from the most preferred candidate again (after nothing worked for a while)."""
        self._index = -1
        self._broken = False

    @property
    def current(self) -> str | None:
        return self._in_use

    @property
    def degraded(self) -> bool:
        """No source, a last-resort source, or a fallback after the chosen source broke."""
        if self._in_use is None:
            return True
        candidate = self._candidates[self._index]
        return self._broken or candidate.fallback

    def report(self) -> list[SourceReport]:
        untried = f"not needed: {self._in_use} works" if self._in_use else "not tried yet"
        rows = [
            SourceReport(
                self.signal, c.name, c.name == self._in_use, self._notes.get(c.name, untried)
            )
            for c in self._candidates
        ]
        if self._in_use is None:
            rows.append(SourceReport(self.signal, NO_SOURCE, True, "no working source: unknown"))
        return rows


class Supervisor(Generic[S]):
    """Runs the best source until it breaks, then the next, on a task of its own.

    ``run(name, source)`` uses one source and returns or raises only when it stops working
    (it closes the source itself). With nothing left, ``unknown()`` reports the signal as
    unknown and the candidates are probed again every ``retry_after`` seconds.
    """

    def __init__(
        self,
        selector: SourceSelector[S],
        run: Callable[[str, S], Awaitable[None]],
        unknown: Callable[[], None],
        retry_after: float = RETRY_AFTER,
    ) -> None:
        self._selector = selector
        self._run = run
        self._unknown = unknown
        self._retry_after = retry_after
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Returns once the first choice is made, so ``report()`` already tells (``doctor``)."""
        chosen = asyncio.Event()
        self._task = asyncio.create_task(self._supervise(chosen))
        waiter = asyncio.create_task(chosen.wait())
        try:
            await asyncio.wait({self._task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task})

    async def _supervise(self, chosen: asyncio.Event) -> None:
        self._selector.rewind()
        while True:
            picked = await self._selector.next_source()
            chosen.set()
            if picked is None:
                self._unknown()
                await asyncio.sleep(self._retry_after)
                self._selector.rewind()
                continue
            name, source = picked
            try:
                await self._run(name, source)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._selector.broke(exc)
            else:
                self._selector.broke(SourceBroken("stopped"))


class SupervisedDetector(Detector, Generic[S]):
    """The plumbing of a detector that runs one source at a time under a ``Supervisor``.

    Subclasses set ``signal`` and start with :meth:`_supervise`; stopping and what
    ``doctor`` reads (``report``, ``degraded``) are the same for all of them.
    """

    signal: str

    def __init__(self, candidates: Sequence[Candidate[S]]) -> None:
        self._selector: SourceSelector[S] = SourceSelector(self.signal, candidates)
        self._supervisor: Supervisor[S] | None = None

    async def _supervise(
        self, run: Callable[[str, S], Awaitable[None]], unknown: Callable[[], None]
    ) -> None:
        self._supervisor = Supervisor(self._selector, run, unknown)
        await self._supervisor.start()

    async def stop(self) -> None:
        supervisor, self._supervisor = self._supervisor, None
        if supervisor is not None:
            await supervisor.stop()

    def report(self) -> list[SourceReport]:
        return self._selector.report()

    @property
    def degraded(self) -> bool:
        return self._selector.degraded


def _describe(error: BaseException) -> str:
    return str(error).strip() or type(error).__name__

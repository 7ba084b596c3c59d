from __future__ import annotations

import asyncio

import pytest

from agent.detectors.selection import Candidate, SourceBroken, SourceSelector, supervise


def _opener(value: str | Exception):
    async def open_() -> str:
        if isinstance(value, Exception):
            raise value
        return value

    return open_


def test_first_working_candidate_is_used_and_others_explained() -> None:
    selector = SourceSelector(
        "idle",
        [
            Candidate("a", _opener(OSError("no bus"))),
            Candidate("b", _opener("B")),
            Candidate("c", _opener("C")),
        ],
    )
    assert asyncio.run(selector.next_source()) == ("b", "B")
    rows = {r.source: r for r in selector.report()}
    assert "no bus" in rows["a"].detail and not rows["a"].in_use
    assert rows["b"].in_use
    assert rows["c"].detail.startswith("not tried")
    assert not selector.degraded  # the preferred one simply does not exist here


def test_runtime_failure_moves_on_and_is_degraded() -> None:
    selector = SourceSelector("idle", [Candidate("a", _opener("A")), Candidate("b", _opener("B"))])
    asyncio.run(selector.next_source())
    selector.broke(SourceBroken("X server gone"))
    assert asyncio.run(selector.next_source()) == ("b", "B")
    assert selector.degraded
    assert "X server gone" in {r.source: r for r in selector.report()}["a"].detail


def test_nothing_works_reports_none_in_use() -> None:
    selector = SourceSelector("lock", [Candidate("a", _opener(OSError()))])
    assert asyncio.run(selector.next_source()) is None
    rows = selector.report()
    assert rows[-1].source == "none" and rows[-1].in_use
    assert selector.degraded


def test_fallback_candidate_counts_as_degraded() -> None:
    selector = SourceSelector("idle", [Candidate("pynput", _opener("P"), fallback=True)])
    asyncio.run(selector.next_source())
    assert selector.degraded


def test_supervise_replaces_a_broken_source_and_reports_unknown() -> None:
    used: list[str] = []
    unknown: list[bool] = []

    enough = asyncio.Event()

    async def run(name: str, source: str) -> None:
        used.append(name)
        if len(used) >= 4:
            enough.set()
        raise SourceBroken("gone")

    async def main() -> None:
        candidates = [Candidate("a", _opener("A")), Candidate("b", _opener("B"))]
        selector = SourceSelector("idle", candidates)
        task = asyncio.create_task(supervise(selector, run, lambda: unknown.append(True), 0.01))
        await asyncio.wait_for(enough.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert used[:4] == ["a", "b", "a", "b"]
    assert unknown

from __future__ import annotations

import asyncio

from agent.detectors.source_selection import Candidate, SourceBroken, SourceSelector, Supervisor


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
    assert rows["c"].detail == "not needed: b works"
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
        supervisor = Supervisor(selector, run, lambda: unknown.append(True), 0.01)
        await supervisor.start()
        await asyncio.wait_for(enough.wait(), 5)
        await supervisor.stop()

    asyncio.run(main())
    assert used[:4] == ["a", "b", "a", "b"]
    assert unknown


def test_start_returns_with_the_choice_made() -> None:
    """``doctor`` starts a detector and reads its report at once."""

    async def main() -> list[bool]:
        selector = SourceSelector("lock", [Candidate("a", _opener(OSError("no bus")))])
        selector_b = SourceSelector("idle", [Candidate("b", _opener("B"))])
        never = asyncio.Event()

        async def run(name: str, source: str) -> None:
            await never.wait()

        supervisors = [Supervisor(s, run, lambda: None) for s in (selector, selector_b)]
        for supervisor in supervisors:
            await supervisor.start()
        reports = [
            selector.report()[0].detail.startswith("not available"),
            selector_b.current == "b",
        ]
        for supervisor in supervisors:
            await supervisor.stop()
        return reports

    assert asyncio.run(main()) == [True, True]

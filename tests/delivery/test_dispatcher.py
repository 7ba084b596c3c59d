"""The dispatcher against a real loopback server that fails on purpose."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agent.backends.base import CalendarSync, DeliveryKind, Message, Result
from agent.config.schema import DeliverySettings
from agent.core.clock import Clock, ManualClock, SystemClock
from agent.core.model import PresenceChange, PresenceState, Status
from agent.core.signals import Meeting
from agent.delivery.dispatcher import Dispatcher
from agent.delivery.outbox import Outbox
from tests.delivery.loopback import FaultServer, LoopbackBackend
from tests.support import until

FAST = DeliverySettings(retry_cap=0.05, reassert_every=3600.0)


def run(coro: Coroutine[Any, Any, None], timeout: float = 30.0) -> None:
    asyncio.run(asyncio.wait_for(coro, timeout))


@dataclass
class Rig:
    outbox: Outbox
    dispatcher: Dispatcher
    clock: Clock
    backends: list[LoopbackBackend]
    current: list[PresenceState] = field(default_factory=lambda: [PresenceState(Status.AVAILABLE)])

    def submit(
        self, message: str, status: Status = Status.BUSY, until: datetime | None = None
    ) -> None:
        state = PresenceState(status, message, until)
        self.current[0] = state
        self.dispatcher.submit(PresenceChange(state, None, self.clock.now()))

    def status(self, name: str) -> dict[str, Any]:
        return self.dispatcher.status()[name]

    async def close(self) -> None:
        await self.dispatcher.stop()
        for backend in self.backends:
            await backend.aclose()
        self.outbox.close()


def rig(
    tmp_path: Path,
    backends: list[LoopbackBackend],
    settings: DeliverySettings = FAST,
    clock: Clock | None = None,
    max_per_backend: int = 1000,
    retry_base: float = 0.01,
) -> Rig:
    outbox = Outbox(tmp_path / "outbox.sqlite", max_per_backend=max_per_backend)
    clock = clock or SystemClock()
    current = [PresenceState(Status.AVAILABLE)]
    dispatcher = Dispatcher(
        outbox,
        backends,
        clock,
        settings,
        lambda: current[0],
        rng=random.Random(42),
        retry_base=retry_base,
    )
    return Rig(outbox, dispatcher, clock, backends, current)


def events(server: FaultServer, name: str = "ev", timeout: float = 0.3) -> LoopbackBackend:
    return LoopbackBackend(name, DeliveryKind.EVENT, server.url, timeout=timeout)


def states(server: FaultServer, name: str = "st", timeout: float = 0.3) -> LoopbackBackend:
    return LoopbackBackend(name, DeliveryKind.STATE, server.url, timeout=timeout)


def scenario(
    tmp_path: Path, make: Callable[[Path], Rig], body: Callable[[Rig], Awaitable[None]]
) -> None:
    async def main() -> None:
        r = make(tmp_path)
        try:
            await r.dispatcher.start()
            await body(r)
        finally:
            await r.close()

    run(main())


def test_event_backend_gets_every_event_in_order_through_every_fault(
    tmp_path: Path, server: FaultServer
) -> None:
    server.shared.hang_for = 0.6
    server.shared.retry_after = "0"
    server.add_faults("reset", "500", "garbage", "hang", "429", "503", "reset", "garbage", "500")
    expected = [f"e{n}" for n in range(15)]

    async def body(r: Rig) -> None:
        for key in expected[:5]:
            r.submit(key)
        await until(lambda: len(server.accepted) >= 2, what="first deliveries")
        server.down()  # connection refused from now on
        for key in expected[5:10]:
            r.submit(key)
        await until(lambda: r.status("ev")["state"] in ("retrying", "failing"), what="retrying")
        server.up()
        for key in expected[10:]:
            r.submit(key)
        await until(lambda: r.status("ev")["queue_depth"] == 0, what="all events")
        assert r.status("ev")["state"] == "ok"

    scenario(tmp_path, lambda p: rig(p, [events(server)]), body)
    # No fault stores anything, so the server has each event exactly once, in order.
    assert server.accepted_keys() == expected


def test_state_backend_gets_only_the_latest_after_an_outage(
    tmp_path: Path, server: FaultServer
) -> None:
    async def body(r: Rig) -> None:
        server.down()
        for n in range(20):
            r.submit(f"s{n}")
        assert r.status("st")["queue_depth"] == 1
        server.up()
        r.dispatcher.network_changed()
        await until(lambda: r.status("st")["queue_depth"] == 0, what="drained")

    scenario(tmp_path, lambda p: rig(p, [states(server)]), body)
    messages = [item.payload["message"] for item in server.accepted]
    assert messages[-1] == "s19"
    assert len(messages) <= 2  # at most one send was already under way when it came back


def test_a_stuck_backend_does_not_delay_the_others(
    tmp_path: Path, server: FaultServer, server2: FaultServer
) -> None:
    server.shared.delay = 3.0  # answers, eventually

    async def body(r: Rig) -> None:
        started = time.monotonic()
        for n in range(10):
            r.submit(f"e{n}")
        await until(lambda: len(server2.accepted) == 10, timeout=2.0, what="fast backend")
        assert time.monotonic() - started < 2.0
        assert server.accepted == []
        assert r.status("slow")["queue_depth"] == 10

    scenario(
        tmp_path,
        lambda p: rig(p, [events(server, "slow", timeout=10.0), events(server2, "fast")]),
        body,
    )


def test_retry_after_is_honoured_over_the_backoff_cap(tmp_path: Path, server: FaultServer) -> None:
    server.shared.retry_after = "1"
    server.add_faults("429")

    async def body(r: Rig) -> None:
        r.submit("e0")
        await until(lambda: server.accepted, what="delivery after 429")

    scenario(tmp_path, lambda p: rig(p, [events(server)]), body)
    first, second = server.request_times()
    assert second - first >= 0.95  # FAST caps backoff at 0.05 s; the server asked for 1 s


def test_a_401_refreshes_credentials_once_and_retries(tmp_path: Path, server: FaultServer) -> None:
    server.shared.token = "fresh"
    backend = events(server)
    backend.token = "stale"
    backend.next_token = "fresh"

    async def body(r: Rig) -> None:
        r.submit("e0")
        await until(lambda: server.accepted, what="delivery after refresh")
        assert r.status("ev")["state"] == "ok"

    scenario(tmp_path, lambda p: rig(p, [backend]), body)
    assert backend.refreshes == 1
    assert server.request_count() == 2


def test_a_second_401_waits_for_sign_in_without_hammering(
    tmp_path: Path, server: FaultServer
) -> None:
    server.shared.token = "fresh"
    backend = events(server)
    backend.token = "stale"
    backend.next_token = "still-stale"

    async def body(r: Rig) -> None:
        r.submit("e0")
        await until(lambda: r.status("ev")["state"] == "sign-in needed", what="sign-in needed")
        assert server.request_count() == 2 and backend.refreshes == 1
        r.submit("e1")  # new work must not wake a backend that needs the user
        await asyncio.sleep(0.3)  # an observation window: a hammering lane would send dozens
        assert server.request_count() == 2
        assert r.status("ev")["queue_depth"] == 2
        backend.token = "fresh"  # the user ran `secret set`
        r.dispatcher.credentials_changed("ev")
        await until(lambda: r.status("ev")["queue_depth"] == 0, what="delivery after sign-in")
        assert r.status("ev")["state"] == "ok"

    scenario(tmp_path, lambda p: rig(p, [backend]), body)
    assert server.accepted_keys() == ["e0", "e1"]


def test_a_permanent_rejection_is_kept_with_the_servers_message(
    tmp_path: Path, server: FaultServer
) -> None:
    server.shared.reject_keys = {"e1", "e3"}

    async def body(r: Rig) -> None:
        for n in range(3):
            r.submit(f"e{n}")
        await until(lambda: r.status("ev")["queue_depth"] == 0, what="queue processed")
        await until(lambda: r.status("ev")["state"] == "ok", what="e2 confirmed")
        status = r.status("ev")  # e2 went through after e1 was rejected
        assert status["failed"] == 1
        assert "message e1 is not acceptable" in status["last_error"]
        r.submit("e3")
        await until(lambda: r.status("ev")["state"] == "failing", what="failing")
        assert [f.key for f in r.outbox.failed("ev")] == ["e3", "e1"]
        assert "HTTP 400" in r.outbox.failed("ev")[0].error

    scenario(tmp_path, lambda p: rig(p, [events(server)]), body)
    assert server.accepted_keys() == ["e0", "e2"]
    assert server.request_count() == 4  # never retried


def test_an_expired_state_is_not_sent_late_as_current(
    tmp_path: Path, server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    caplog.set_level(logging.INFO, logger="agent.delivery")

    async def body(r: Rig) -> None:
        server.down()
        r.submit("in a meeting", Status.BUSY, until=clock.now() + timedelta(minutes=30))
        await until(lambda: r.status("st")["state"] != "ok", what="in a long backoff")
        # Offline past the end of the busy spell; the engine's own change has not come yet.
        clock.advance(31 * 60)
        r.current[0] = PresenceState(Status.AVAILABLE)
        server.up()
        r.dispatcher.network_changed()
        await until(lambda: server.accepted, what="current state delivered")
        await until(lambda: r.status("st")["queue_depth"] == 0, what="drained")

    slow = DeliverySettings(retry_cap=60.0)
    scenario(
        tmp_path,
        lambda p: rig(p, [states(server)], settings=slow, clock=clock, retry_base=60.0),
        body,
    )
    assert [item.payload["status"] for item in server.accepted] == ["available"]
    assert "expired" in caplog.text


def test_network_changed_retries_at_once_instead_of_waiting(
    tmp_path: Path, server: FaultServer
) -> None:
    server.shared.retry_after = "60"
    server.add_faults("503")
    server.shared.faults.clear()
    server.add_faults("429")

    async def body(r: Rig) -> None:
        r.submit("e0")
        await until(lambda: r.status("ev")["state"] == "retrying", what="waiting 60 s")
        started = time.monotonic()
        r.dispatcher.network_changed()
        await until(lambda: server.accepted, timeout=2.0, what="immediate retry")
        assert time.monotonic() - started < 2.0

    scenario(tmp_path, lambda p: rig(p, [events(server)]), body)


def test_new_work_does_not_cut_a_backoff_short(tmp_path: Path, server: FaultServer) -> None:
    server.shared.retry_after = "60"
    server.add_faults("429")

    async def body(r: Rig) -> None:
        r.submit("e0")
        await until(lambda: r.status("ev")["state"] == "retrying", what="waiting 60 s")
        for n in range(1, 20):
            r.submit(f"e{n}")
        await asyncio.sleep(0.2)  # observation window
        assert server.request_count() == 1

    scenario(tmp_path, lambda p: rig(p, [events(server)]), body)


def test_state_backends_are_reasserted_periodically(
    tmp_path: Path, server: FaultServer, server2: FaultServer
) -> None:
    settings = DeliverySettings(retry_cap=0.05, reassert_every=0.1)

    async def body(r: Rig) -> None:
        r.current[0] = PresenceState(Status.DND, "focus")
        await until(lambda: len(server.accepted) >= 3, what="three re-asserts")

    scenario(tmp_path, lambda p: rig(p, [states(server), events(server2)], settings=settings), body)
    assert {item.payload["status"] for item in server.accepted} == {"dnd"}
    assert server2.accepted == []  # event backends only when they opt in


def test_long_outage_stays_bounded_and_recovery_drains_at_full_speed(
    tmp_path: Path, server: FaultServer, server2: FaultServer
) -> None:
    # A real-looking cap: any backoff left over after recovery would cost ~0.5 s a message.
    settings = DeliverySettings(retry_cap=1.0, reassert_every=3600.0)
    count = 400

    async def body(r: Rig) -> None:
        server.down()
        server2.down()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        for n in range(count):
            r.submit(f"e{n}")
        await until(lambda: r.status("ev")["state"] != "ok", what="outage noticed")
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        growth = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
        assert growth < 512 * 1024, f"memory grew {growth} bytes during the outage"
        assert r.status("ev")["queue_depth"] == count
        assert r.status("st")["queue_depth"] == 1
        files = [tmp_path / name for name in ("outbox.sqlite", "outbox.sqlite-wal")]
        assert sum(f.stat().st_size for f in files if f.exists()) < 3 * 1024 * 1024
        server.up()
        server2.up()
        started = time.monotonic()
        r.dispatcher.network_changed()
        await until(lambda: len(server.accepted) == count, timeout=20.0, what="drain")
        elapsed = time.monotonic() - started
        await until(lambda: server2.accepted, what="state")
        gaps = [b - a for a, b in itertools.pairwise(server.request_times())]
        assert max(gaps) < 0.5, "a backoff wait leaked into the recovery"
        assert elapsed < 10.0
        print(f"drained {count} events in {elapsed:.2f}s")

    scenario(
        tmp_path,
        lambda p: rig(p, [events(server), states(server2)], settings=settings, retry_base=1.0),
        body,
    )
    assert server.accepted_keys() == [f"e{n}" for n in range(count)]
    assert [item.payload["message"] for item in server2.accepted] == [f"e{count - 1}"]


def test_over_the_cap_the_gap_is_reported_in_status(tmp_path: Path, server: FaultServer) -> None:
    async def body(r: Rig) -> None:
        server.down()
        for n in range(80):
            r.submit(f"e{n}")
        status = r.status("ev")
        assert (status["queue_depth"], status["dropped"]) == (50, 30)
        assert "e0..e29" in status["dropped_detail"]
        server.up()
        r.dispatcher.network_changed()
        await until(lambda: len(server.accepted) == 50, what="drain")

    scenario(tmp_path, lambda p: rig(p, [events(server)], max_per_backend=50), body)
    assert server.accepted_keys() == [f"e{n}" for n in range(30, 80)]


def test_flush_reports_whether_everything_went_out(tmp_path: Path, server: FaultServer) -> None:
    async def body(r: Rig) -> None:
        for n in range(5):
            r.submit(f"e{n}")
        assert await r.dispatcher.flush(5.0) is True
        assert len(server.accepted) == 5
        server.down()
        r.submit("e5")
        assert await r.dispatcher.flush(0.3) is False
        server.up()
        assert await r.dispatcher.flush(5.0) is True  # kicks the backoff once

    scenario(tmp_path, lambda p: rig(p, [events(server)], settings=DeliverySettings(1.0)), body)


class BrokenBackend(LoopbackBackend):
    def messages_for(self, change: PresenceChange) -> list[Message]:
        raise RuntimeError("adapter bug")


class RaisingSend(LoopbackBackend):
    async def send(self, message: Message) -> Result:
        raise RuntimeError("adapter bug")


def test_a_broken_adapter_does_not_keep_changes_from_the_others(
    tmp_path: Path, server: FaultServer, server2: FaultServer
) -> None:
    broken = BrokenBackend("broken", DeliveryKind.EVENT, server2.url)
    raising = RaisingSend("raising", DeliveryKind.EVENT, server2.url)

    async def body(r: Rig) -> None:
        r.submit("e0")
        await until(lambda: server.accepted, what="delivery to the good backend")
        await until(lambda: r.status("raising")["state"] != "ok", what="raising retried")
        assert "adapter bug" in r.status("raising")["last_error"]
        assert r.status("raising")["queue_depth"] == 1

    scenario(tmp_path, lambda p: rig(p, [broken, events(server), raising]), body)


def test_replace_backends_keeps_queues_of_kept_names(
    tmp_path: Path, server: FaultServer, server2: FaultServer
) -> None:
    async def body(r: Rig) -> None:
        r.submit("e0")
        await until(lambda: server.accepted, what="first")
        replacement = events(server)
        newcomer = events(server2, "new")
        r.backends += [replacement, newcomer]
        r.dispatcher.replace_backends([replacement, newcomer])
        r.submit("e1")
        await until(lambda: len(server.accepted) == 2 and server2.accepted, what="both")
        r.dispatcher.replace_backends([newcomer])
        assert set(r.dispatcher.status()) == {"new"}

    scenario(tmp_path, lambda p: rig(p, [events(server)]), body)
    assert server.accepted_keys() == ["e0", "e1"]
    assert server2.accepted_keys() == ["e1"]


def test_work_left_by_a_previous_run_goes_out_on_start(tmp_path: Path, server: FaultServer) -> None:
    async def first(r: Rig) -> None:
        for n in range(3):
            r.submit(f"e{n}")  # not started: stays on disk

    async def second(r: Rig) -> None:
        await r.dispatcher.start()
        await until(lambda: r.status("ev")["queue_depth"] == 0, what="replay")
        status = r.status("ev")
        assert status["last_success"] is not None
        assert set(status) >= {"type", "state", "queue_depth", "last_success", "last_error"}
        assert status["type"] == "loopback"

    async def main() -> None:
        for body in (first, second):
            r = rig(tmp_path, [events(server)])
            try:
                await body(r)
            finally:
                await r.close()

    run(main())
    assert server.accepted_keys() == ["e0", "e1", "e2"]


def test_a_long_run_of_transient_failures_shows_failing(
    tmp_path: Path, server: FaultServer
) -> None:
    async def body(r: Rig) -> None:
        server.down()
        r.submit("e0")
        await until(lambda: r.status("ev")["state"] == "retrying", what="retrying")
        await until(lambda: r.status("ev")["state"] == "failing", what="failing")
        assert "ConnectError" in r.status("ev")["last_error"]
        server.up()
        await until(lambda: r.status("ev")["state"] == "ok", what="recovered")

    scenario(tmp_path, lambda p: rig(p, [events(server)]), body)


class CalendarBackend(LoopbackBackend):
    def messages_for_calendar(self, sync: CalendarSync) -> list[Message]:
        return [Message(key=m.uid, payload={"title": m.title}) for m in sync.meetings]


def test_calendar_syncs_go_through_the_outbox_too(tmp_path: Path, server: FaultServer) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    meetings = tuple(
        Meeting(f"m{n}", f"Visit {n}", start, start + timedelta(minutes=30)) for n in range(3)
    )

    async def body(r: Rig) -> None:
        r.dispatcher.submit_calendar(CalendarSync(meetings))
        await until(lambda: len(server.accepted) == 3, what="meetings")

    backend = CalendarBackend("cal", DeliveryKind.EVENT, server.url)
    scenario(tmp_path, lambda p: rig(p, [backend]), body)
    assert server.accepted_keys() == ["m0", "m1", "m2"]


class RecordingStates(LoopbackBackend):
    """A state backend that also remembers the changes it was asked about."""

    def __init__(self, server: FaultServer, name: str = "st") -> None:
        super().__init__(name, DeliveryKind.STATE, server.url, timeout=0.3)
        self.changes: list[PresenceChange] = []

    def messages_for(self, change: PresenceChange) -> list[Message]:
        self.changes.append(change)
        return super().messages_for(change)


def test_a_restart_does_not_report_the_start_up_state_again(
    tmp_path: Path, server: FaultServer
) -> None:
    """Issue 15: after a restart, a backend that has the state is not sent it under a new key."""
    backends: list[RecordingStates] = []

    def make(path: Path) -> Rig:
        backends.append(RecordingStates(server))
        return rig(path, [backends[-1]])

    async def first(r: Rig) -> None:
        r.submit("working")
        await until(lambda: len(server.accepted) == 1, what="first report")
        # Accepted by the server is not yet confirmed in the outbox: wait for that too.
        await until(lambda: r.status("st")["queue_depth"] == 0, what="first report confirmed")

    async def second(r: Rig) -> None:
        r.submit("working")  # the start-up state, as the engine emits it: no predecessor
        assert r.status("st")["queue_depth"] == 0
        r.submit("lunch", Status.AWAY)
        await until(lambda: len(server.accepted) == 2, what="the change after the restart")

    for body in (first, second):
        scenario(tmp_path, make, body)
    assert [r.payload["message"] for r in server.accepted] == ["working", "lunch"]
    (change,) = backends[1].changes
    assert change.previous is not None  # what the backend had: "previousStatus" is not null
    assert (change.previous.status, change.previous.message) == (Status.BUSY, "working")


def test_a_backend_that_appears_gets_the_current_state_at_once(
    tmp_path: Path, server: FaultServer, server2: FaultServer
) -> None:
    async def body(r: Rig) -> None:
        r.submit("working")
        await until(lambda: len(server.accepted) == 1, what="first report")
        # Accepted by the server is not yet confirmed in the outbox: wait for that too.
        await until(lambda: r.status("st")["queue_depth"] == 0, what="first report confirmed")
        added = states(server2, name="added")
        r.backends.append(added)
        r.dispatcher.replace_backends([r.backends[0], added])
        r.dispatcher.assert_current(["added"])
        await until(lambda: len(server2.accepted) == 1, timeout=2, what="the added backend")

    scenario(tmp_path, lambda p: rig(p, [states(server)]), body)
    assert server2.accepted[0].payload == {"status": "busy", "message": "working"}
    assert len(server.accepted) == 1  # the backend that had it is not told again


def test_a_rejected_state_is_offered_again_until_the_server_takes_it(
    tmp_path: Path, server: FaultServer
) -> None:
    """Issue 15: a 400/404 for a while, then the then-current state, without an hour's wait."""
    server.add_faults("400", "400", "400", "400")

    async def body(r: Rig) -> None:
        r.submit("working")
        await until(lambda: r.status("st")["failed"] >= 1, what="a rejection")
        r.current[0] = PresenceState(Status.AWAY, "later")  # the state moved on meanwhile
        await until(lambda: len(server.accepted) == 1, what="the state after the server healed")
        await until(lambda: r.status("st")["failed"] == 0, what="rejections cleared")
        assert r.status("st")["state"] == "ok"

    scenario(tmp_path, lambda p: rig(p, [states(server)]), body)
    assert server.accepted[0].payload["message"] in ("working", "later")
    assert server.request_count() == 5


def test_a_rejected_event_stays_failed_and_is_not_offered_again(
    tmp_path: Path, server: FaultServer
) -> None:
    server.add_faults("400")

    async def body(r: Rig) -> None:
        r.submit("e0")
        await until(lambda: r.status("ev")["failed"] == 1, what="a rejection")
        r.submit("e1")
        await until(lambda: len(server.accepted) == 1, what="the next event")
        assert r.status("ev")["failed"] == 1

    scenario(tmp_path, lambda p: rig(p, [events(server)]), body)
    assert server.accepted_keys() == ["e1"]

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

from agent.backends.base import DeliveryKind, Message
from agent.delivery.outbox import MAX_FAILED, Batch, Outbox

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def event(n: int) -> Message:
    return Message(key=f"e{n}", payload={"n": n})


def state(n: int, group: str = "state") -> Message:
    return Message(key=f"s{n}", payload={"n": n}, coalesce_group=group)


def put(outbox: Outbox, backend: str, kind: DeliveryKind, *messages: Message) -> None:
    outbox.put([Batch(backend, kind, messages)], NOW)


def drain_keys(outbox: Outbox, backend: str) -> list[str]:
    keys = []
    while (stored := outbox.peek(backend)) is not None:
        keys.append(stored.message.key)
        outbox.done(stored, NOW)
    return keys


def test_database_is_wal_with_full_sync_and_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "outbox.sqlite"
    outbox = Outbox(path)
    assert outbox._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    outbox.close()
    other = sqlite3.connect(path)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_state_backend_keeps_only_the_newest_per_group(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite")
    for n in range(50):
        put(outbox, "audian", DeliveryKind.STATE, state(n))
    put(outbox, "audian", DeliveryKind.STATE, state(100, group="dnd"))
    assert outbox.depth("audian") == 2
    assert drain_keys(outbox, "audian") == ["s49", "s100"]


def test_event_backend_keeps_every_message_in_order_across_restart(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite"
    outbox = Outbox(path)
    for n in range(20):
        put(outbox, "calven", DeliveryKind.EVENT, event(n))
    put(outbox, "other", DeliveryKind.STATE, state(1))
    outbox.close()
    reopened = Outbox(path)
    assert reopened.depth("calven") == 20
    assert drain_keys(reopened, "calven") == [f"e{n}" for n in range(20)]
    assert drain_keys(reopened, "other") == ["s1"]


def test_an_event_already_pending_is_not_queued_twice(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite")
    put(outbox, "essentry", DeliveryKind.EVENT, event(1), event(2))
    put(outbox, "essentry", DeliveryKind.EVENT, event(1), event(3))
    assert drain_keys(outbox, "essentry") == ["e1", "e2", "e3"]
    put(outbox, "essentry", DeliveryKind.EVENT, event(1))  # sent already: a new occurrence
    assert drain_keys(outbox, "essentry") == ["e1"]


def test_one_put_is_one_transaction_for_all_backends(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite")
    outbox.put(
        [
            Batch("a", DeliveryKind.EVENT, [event(1), event(2)]),
            Batch("b", DeliveryKind.STATE, [state(1)]),
            Batch("c", DeliveryKind.STATE, []),
        ],
        NOW,
    )
    assert (outbox.depth("a"), outbox.depth("b"), outbox.depth("c")) == (2, 1, 0)
    assert outbox._db.in_transaction is False


def test_over_the_cap_the_oldest_are_folded_into_a_reported_gap(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite", max_per_backend=5)
    for n in range(8):
        put(outbox, "calven", DeliveryKind.EVENT, event(n))
    assert outbox.depth("calven") == 5
    record = outbox.record("calven")
    assert (record.dropped, record.dropped_first_key, record.dropped_last_key) == (3, "e0", "e2")
    for n in range(8, 10):
        put(outbox, "calven", DeliveryKind.EVENT, event(n))
    record = outbox.record("calven")
    assert (record.dropped, record.dropped_first_key, record.dropped_last_key) == (5, "e0", "e4")
    assert drain_keys(outbox, "calven") == [f"e{n}" for n in range(5, 10)]


def test_rejected_messages_are_kept_with_the_servers_message(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite")
    put(outbox, "cord", DeliveryKind.EVENT, event(1), event(2))
    stored = outbox.peek("cord")
    assert stored is not None
    outbox.fail(stored, "HTTP 400: groupID is required", NOW.isoformat())
    assert outbox.depth("cord") == 1
    assert outbox.failed_count("cord") == 1
    [failed] = outbox.failed("cord")
    assert (failed.key, failed.error) == ("e1", "HTTP 400: groupID is required")


def test_failed_table_keeps_only_the_newest(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite")
    for n in range(MAX_FAILED + 20):
        put(outbox, "cord", DeliveryKind.EVENT, event(n))
        stored = outbox.peek("cord")
        assert stored is not None
        outbox.fail(stored, f"bad {n}", NOW.isoformat())
    assert outbox.failed_count("cord") == MAX_FAILED
    assert outbox.failed("cord", limit=1)[0].key == f"e{MAX_FAILED + 19}"


def test_last_success_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite"
    outbox = Outbox(path)
    put(outbox, "a", DeliveryKind.STATE, state(1))
    stored = outbox.peek("a")
    assert stored is not None
    outbox.done(stored, NOW)
    outbox.close()
    assert Outbox(path).record("a").last_success == NOW.isoformat()


def test_unreadable_row_moves_to_failed_instead_of_blocking(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite")
    put(outbox, "a", DeliveryKind.EVENT, event(1), event(2))
    outbox._db.execute("UPDATE pending SET payload = 'not json' WHERE key = 'e1'")
    stored = outbox.peek("a")
    assert stored is not None and stored.message.key == "e2"
    assert "unreadable" in outbox.failed("a")[0].error


def test_corrupt_file_is_moved_aside_and_a_fresh_outbox_starts(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    outbox = Outbox(path)
    put(outbox, "a", DeliveryKind.EVENT, event(1))
    assert outbox.depth("a") == 1
    assert (tmp_path / "o.sqlite.corrupt").read_bytes().startswith(b"this is not")


def test_queue_depth_after_a_restart_is_never_negative(tmp_path: Path) -> None:
    """The first write after a restart used to count the deleted row twice ("-1 queued")."""
    path = tmp_path / "outbox.sqlite"
    first = Outbox(path)
    put(first, "a", DeliveryKind.EVENT, event(1))
    first.close()
    again = Outbox(path)  # nothing cached: the depth is counted from the file
    stored = again.peek("a")
    assert stored is not None
    again.done(stored, NOW)
    assert again.depth("a") == 0
    again.done(stored, NOW)  # confirmed twice (a replaced row): still not negative
    assert again.depth("a") == 0
    again.close()


def test_the_state_each_backend_was_given_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    first = Outbox(path)
    assert first.submitted("a") is None
    first.put([Batch("a", DeliveryKind.STATE, [state(1)])], NOW, {"a": "busy", "b": "busy"})
    first.put([], NOW, {"b": "away"})  # a backend with nothing to send still got the state
    first.close()
    again = Outbox(path)
    assert (again.submitted("a"), again.submitted("b")) == ("busy", "away")
    again.close()


def test_forgetting_failed_messages_is_per_backend(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    put(outbox, "a", DeliveryKind.STATE, state(1))
    put(outbox, "b", DeliveryKind.EVENT, event(1))
    for name in ("a", "b"):
        stored = outbox.peek(name)
        assert stored is not None
        outbox.fail(stored, "HTTP 404", NOW.isoformat())
    assert outbox.forget_failed("a") == 1
    assert (outbox.failed_count("a"), outbox.failed_count("b")) == (0, 1)
    outbox.close()

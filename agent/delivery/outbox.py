"""The durable outbox: every message is on disk before anything is sent.

SQLite in WAL mode with ``synchronous=FULL``: a submit is one small transaction that
survives a crash or power loss the moment it returns; a message leaves the outbox only
after its backend confirmed it (at-least-once, de-duplicated by the server through the
message's idempotency key).

Queue policy, per backend:

* State backends keep only the newest pending message per ``coalesce_group``: a newer
  state supersedes the queued one, so a long outage leaves one message, not hundreds.
* Event backends keep every message, in submission order; a message whose
  idempotency key is already pending is not queued twice (a restarted backend that
  re-derives the same event).
* Either kind holds at most ``max_per_backend`` pending messages. Beyond that the
  *oldest* are removed, and the loss is never silent: it is folded into a per-backend
  gap record (how many, first and last key, when) that ``status`` reports and the log
  states. Newer events win because they describe the present.
* Messages a server rejected for good are moved to a ``failed`` table with the
  server's message (the newest ``MAX_FAILED`` per backend are kept for ``status``);
  they are never retried and never disappear without a log line.
* The last presence state submitted for each backend is stored in the same
  transaction as its messages, so a restarted agent knows what every backend already
  has (or has queued) and does not report the same change twice under a new key.

Threading: an ``Outbox`` is used from one thread at a time (the agent's asyncio loop
thread); it may be created on another thread before the loop starts. Only one
process opens a given file (the agent is single-instance).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from agent.backends.base import DeliveryKind, Message

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
MAX_FAILED = 100

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (
    id INTEGER PRIMARY KEY,
    backend TEXT NOT NULL,
    key TEXT NOT NULL,
    grp TEXT NOT NULL,
    payload TEXT NOT NULL,
    expires_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pending_by_backend ON pending (backend, id);
CREATE INDEX IF NOT EXISTS pending_by_group ON pending (backend, grp);
CREATE INDEX IF NOT EXISTS pending_by_key ON pending (backend, key);
CREATE TABLE IF NOT EXISTS failed (
    id INTEGER PRIMARY KEY,
    backend TEXT NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    error TEXT NOT NULL,
    failed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS failed_by_backend ON failed (backend, id);
CREATE TABLE IF NOT EXISTS submitted (
    backend TEXT PRIMARY KEY,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS backend_record (
    backend TEXT PRIMARY KEY,
    last_success TEXT,
    dropped INTEGER NOT NULL DEFAULT 0,
    dropped_first_key TEXT,
    dropped_last_key TEXT,
    dropped_at TEXT
);
"""


@dataclass(frozen=True)
class StoredMessage:
    """A pending message with its outbox row id (the order of submission)."""

    id: int
    backend: str
    message: Message
    created_at: str


@dataclass(frozen=True)
class FailedMessage:
    """A message a server rejected for good, kept with the server's words."""

    backend: str
    key: str
    error: str
    failed_at: str


@dataclass(frozen=True)
class BackendRecord:
    """What survives a restart about a backend: last success and any overflow gap."""

    last_success: str | None = None
    dropped: int = 0
    dropped_first_key: str | None = None
    dropped_last_key: str | None = None
    dropped_at: str | None = None


@dataclass(frozen=True)
class Batch:
    """The messages one backend gets for one submitted change."""

    backend: str
    kind: DeliveryKind
    messages: Sequence[Message]


class Outbox:
    """Durable per-backend queues in one SQLite file (see the module docstring)."""

    def __init__(self, path: Path, max_per_backend: int = 1000) -> None:
        if max_per_backend < 1:
            raise ValueError("max_per_backend must be at least 1")
        self.path = path
        self.max_per_backend = max_per_backend
        self._db = _open(path)
        # Pending count per backend, kept in step with every write so a submit does not
        # count a long queue (this process is the file's only writer).
        self._depths: dict[str, int] = {}

    def close(self) -> None:
        self._db.close()

    def put(
        self,
        batches: Iterable[Batch],
        now: datetime,
        submitted: Mapping[str, str] | None = None,
    ) -> None:
        """Store the messages of one change for every backend in a single transaction.

        ``submitted`` maps backend names to the state (opaque text) this change gives
        them; it is what :meth:`submitted` returns after a restart.
        """
        created = now.isoformat()
        with self._transaction() as db:
            for backend, state in (submitted or {}).items():
                db.execute(
                    "INSERT INTO submitted (backend, state) VALUES (?, ?)"
                    " ON CONFLICT (backend) DO UPDATE SET state = excluded.state",
                    (backend, state),
                )
            for batch in batches:
                if not batch.messages:
                    continue
                depth = self._depth(batch.backend)
                event = batch.kind is DeliveryKind.EVENT
                for message in batch.messages:
                    if event and self._pending_key(batch.backend, message):
                        continue  # the same event queued again (e.g. after a restart)
                    if batch.kind is DeliveryKind.STATE:
                        depth -= db.execute(
                            "DELETE FROM pending WHERE backend = ? AND grp = ?",
                            (batch.backend, message.coalesce_group),
                        ).rowcount
                    depth += 1
                    db.execute(
                        "INSERT INTO pending (backend, key, grp, payload, expires_at, created_at)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            batch.backend,
                            message.key,
                            message.coalesce_group,
                            json.dumps(message.payload, separators=(",", ":")),
                            message.expires_at,
                            created,
                        ),
                    )
                self._depths[batch.backend] = depth
                self._enforce_cap(db, batch.backend, created)

    def peek(self, backend: str) -> StoredMessage | None:
        """The oldest pending message of ``backend``, or ``None`` when its queue is empty."""
        while True:
            row = self._db.execute(
                "SELECT id, key, grp, payload, expires_at, created_at FROM pending"
                " WHERE backend = ? ORDER BY id LIMIT 1",
                (backend,),
            ).fetchone()
            if row is None:
                return None
            row_id, key, grp, payload_text, expires_at, created_at = row
            try:
                payload = json.loads(payload_text)
                if not isinstance(payload, dict):
                    raise ValueError("payload is not an object")
            except ValueError as exc:
                # A damaged row must not block the queue behind it forever.
                stored = StoredMessage(row_id, backend, Message(key, {}), created_at)
                self.fail(stored, f"unreadable outbox entry: {exc}", created_at)
                continue
            message = Message(key, payload, expires_at=expires_at, coalesce_group=grp)
            return StoredMessage(row_id, backend, message, created_at)

    def done(self, stored: StoredMessage, now: datetime) -> None:
        """The backend confirmed ``stored``: remove it and remember the success."""
        with self._transaction() as db:
            self._delete(db, stored)
            db.execute(
                "INSERT INTO backend_record (backend, last_success) VALUES (?, ?)"
                " ON CONFLICT (backend) DO UPDATE SET last_success = excluded.last_success",
                (stored.backend, now.isoformat()),
            )

    def fail(self, stored: StoredMessage, error: str, failed_at: str) -> None:
        """Move a rejected message to the failed table, keeping the server's message."""
        log.warning(
            "backend %s rejected message %s for good: %s", stored.backend, stored.message.key, error
        )
        with self._transaction() as db:
            row = db.execute("SELECT payload FROM pending WHERE id = ?", (stored.id,)).fetchone()
            self._delete(db, stored)
            db.execute(
                "INSERT INTO failed (backend, key, payload, error, failed_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (stored.backend, stored.message.key, row[0] if row else "{}", error, failed_at),
            )
            db.execute(
                "DELETE FROM failed WHERE backend = ? AND id NOT IN"
                " (SELECT id FROM failed WHERE backend = ? ORDER BY id DESC LIMIT ?)",
                (stored.backend, stored.backend, MAX_FAILED),
            )

    def discard(self, stored: StoredMessage) -> None:
        """Remove a message that must not be sent (expired); the caller logs why."""
        with self._transaction() as db:
            self._delete(db, stored)

    def depth(self, backend: str) -> int:
        return self._depth(backend)

    def submitted(self, backend: str) -> str | None:
        """The state last stored by :meth:`put` for ``backend`` (``None``: never)."""
        row = self._db.execute(
            "SELECT state FROM submitted WHERE backend = ?", (backend,)
        ).fetchone()
        return str(row[0]) if row else None

    def forget_failed(self, backend: str) -> int:
        """Drop ``backend``'s rejected messages (a newer state was accepted); how many."""
        with self._transaction() as db:
            removed = db.execute("DELETE FROM failed WHERE backend = ?", (backend,)).rowcount
        if removed:
            log.info("backend %s accepted a state: %d rejected ones cleared", backend, removed)
        return int(removed)

    def has_group(self, backend: str, group: str) -> bool:
        """Whether a message of ``group`` is still pending (a superseding state)."""
        row = self._db.execute(
            "SELECT 1 FROM pending WHERE backend = ? AND grp = ? LIMIT 1", (backend, group)
        ).fetchone()
        return row is not None

    def failed(self, backend: str, limit: int = MAX_FAILED) -> list[FailedMessage]:
        """The newest permanently failed messages of ``backend``, newest first."""
        rows = self._db.execute(
            "SELECT key, error, failed_at FROM failed WHERE backend = ? ORDER BY id DESC LIMIT ?",
            (backend, limit),
        ).fetchall()
        return [FailedMessage(backend, key, error, at) for key, error, at in rows]

    def failed_count(self, backend: str) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM failed WHERE backend = ?", (backend,)
        ).fetchone()
        return int(row[0])

    def record(self, backend: str) -> BackendRecord:
        row = self._db.execute(
            "SELECT last_success, dropped, dropped_first_key, dropped_last_key, dropped_at"
            " FROM backend_record WHERE backend = ?",
            (backend,),
        ).fetchone()
        return BackendRecord(*row) if row else BackendRecord()

    def _pending_key(self, backend: str, message: Message) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM pending WHERE backend = ? AND key = ? LIMIT 1", (backend, message.key)
        ).fetchone()
        return row is not None

    def _depth(self, backend: str) -> int:
        depth = self._depths.get(backend)
        if depth is None:
            (count,) = self._db.execute(
                "SELECT COUNT(*) FROM pending WHERE backend = ?", (backend,)
            ).fetchone()
            depth = self._depths[backend] = int(count)
        return depth

    def _delete(self, db: sqlite3.Connection, stored: StoredMessage) -> None:
        # Count first: counting after the DELETE (the first write after a restart, with
        # no cached depth) subtracted the row twice and showed "-1 queued".
        depth = self._depth(stored.backend)
        # rowcount is 0 when a newer state already replaced the row while it was sent.
        removed = db.execute("DELETE FROM pending WHERE id = ?", (stored.id,)).rowcount
        self._depths[stored.backend] = max(0, depth - removed)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; on error ``ROLLBACK`` and recount depths."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            self._depths.clear()
            raise
        self._db.execute("COMMIT")

    def _enforce_cap(self, db: sqlite3.Connection, backend: str, now: str) -> None:
        excess = self._depth(backend) - self.max_per_backend
        if excess <= 0:
            return
        victims = db.execute(
            "SELECT id, key FROM pending WHERE backend = ? ORDER BY id LIMIT ?", (backend, excess)
        ).fetchall()
        db.executemany("DELETE FROM pending WHERE id = ?", [(row_id,) for row_id, _ in victims])
        self._depths[backend] -= len(victims)
        first_key, last_key = victims[0][1], victims[-1][1]
        db.execute(
            "INSERT INTO backend_record (backend, dropped, dropped_first_key, dropped_last_key,"
            " dropped_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (backend) DO UPDATE SET"
            " dropped = dropped + excluded.dropped,"
            " dropped_first_key = COALESCE(dropped_first_key, excluded.dropped_first_key),"
            " dropped_last_key = excluded.dropped_last_key, dropped_at = excluded.dropped_at",
            (backend, len(victims), first_key, last_key, now),
        )
        log.warning(
            "outbox for %s is full (%d pending): dropped the %d oldest (keys %s..%s)",
            backend,
            self.max_per_backend,
            len(victims),
            first_key,
            last_key,
        )


def _open(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the outbox; a corrupt file is moved aside, not fatal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _connect(path)
    except sqlite3.DatabaseError as exc:
        aside = path.with_name(path.name + ".corrupt")
        log.error("outbox %s is unreadable (%s); moved to %s and starting empty", path, exc, aside)
        for suffix in ("", "-wal", "-shm"):
            source = Path(str(path) + suffix)
            if source.exists():
                os.replace(source, Path(str(aside) + suffix))
        return _connect(path)


def _connect(path: Path) -> sqlite3.Connection:
    # Create the file private: it holds the user's presence history. SQLite gives the
    # -wal and -shm files the same mode as the database.
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("outbox %s: journal mode is %s, not WAL", path, mode)
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=5000")
        # Keep the write-ahead log small: checkpoint every ~1 MB and truncate it back.
        db.execute("PRAGMA wal_autocheckpoint=256")
        db.execute(f"PRAGMA journal_size_limit={1024 * 1024}")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"outbox schema {version} is newer than this agent")
        db.executescript(_SCHEMA)
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        db.execute("SELECT COUNT(*) FROM pending").fetchone()
    except BaseException:
        db.close()
        raise
    return db

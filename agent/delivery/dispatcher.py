"""Fans presence changes out to every backend through the outbox, and keeps retrying.

Each backend has its own sender task ("lane"), so a backend that hangs or fails never
delays the others. A lane sends its queue one message at a time, oldest first, and
removes a message only after the backend confirmed it: delivery is at-least-once and
the message's idempotency key lets the server drop a repeat after a crash.

A lane reacts to the result of each send (see :class:`agent.backends.base.Outcome`):

* OK: next message at once (no backoff is left over once a server is back).
* RETRY: wait with exponential backoff and full jitter (``Retry-After`` wins), then
  retry the same message. New submissions do not cut the wait short (that would
  hammer a struggling server); ``network_changed()`` does.
* REAUTH: ``refresh_credentials()`` once and retry; a second 401 marks the backend
  "sign-in needed" and the lane waits, sending nothing, until
  ``credentials_changed(name)`` or ``network_changed()``.
* PERMANENT: the message moves to the outbox's failed table with the server's
  message (shown by ``status()``); the lane goes on with the next one. A state
  backend is not given up on: once its queue is empty the lane waits (exponential
  backoff up to ``PROBE_CAP``) and offers the then-current state again, so a server
  that answered 404, a redirect or 400 for a while gets the latest state soon after
  it is fixed; its rejected states are cleared from ``status()`` when it accepts one.

A message whose ``expires_at`` has passed is not sent late as if current: it is
dropped with a log line, and a state backend gets the current state instead unless a
newer one is already queued. State backends are re-sent the current state every
``settings.reassert_every`` so a server that lost it converges again, and at once
through :meth:`Dispatcher.assert_current` when a backend appears while running.

Exactly one report per change across restarts: the state each backend was given is
stored with its messages (:meth:`Outbox.submitted`). A change without a predecessor,
the agent's first after a start, goes only to the backends that were not given that
state already, with what each was given as its predecessor; a crash never makes the
same change go out twice under two keys.

Threading: every method runs on the agent's asyncio loop thread (the tray calls in
through ``call_soon_threadsafe``); ``current_state`` and ``on_change`` (called after
each send's outcome, so the agent can tell subscribers) are called on that thread too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from agent.backends.base import (
    Backend,
    CalendarSync,
    DeliveryKind,
    Message,
    Outcome,
    Result,
)
from agent.config.schema import DeliverySettings
from agent.core.clock import Clock
from agent.core.model import PresenceChange, PresenceState
from agent.delivery.outbox import Batch, Outbox, StoredMessage
from agent.delivery.reported import state_from_text, state_text
from agent.delivery.retry import Backoff
from agent.protocol import BackendView

log = logging.getLogger(__name__)

# After this many transient failures in a row a backend shows "failing", not "retrying".
FAILING_AFTER = 5
# Longest wait between two offers of the current state to a server that rejected it:
# a fixed server gets the latest state within about this long.
PROBE_CAP = 30.0


@dataclass(eq=False)
class _Lane:
    """One backend's sender: its task, wake-up events and what ``status()`` shows."""

    backend: Backend
    backoff: Backoff
    probe: Backoff  # waits between offers of the current state after a rejection
    work: asyncio.Event = field(default_factory=asyncio.Event)  # something was queued
    kick: asyncio.Event = field(default_factory=asyncio.Event)  # stop waiting, retry now
    task: asyncio.Task[None] | None = None
    running: bool = False
    state: str = "ok"
    sign_in_needed: bool = False
    refreshed: bool = False
    rejected: bool = False  # a state was rejected and none accepted since
    in_backoff: bool = False
    last_success: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None

    def wake(self) -> None:
        self.work.set()
        self.kick.set()


class Dispatcher:
    """The delivery service the agent submits changes to (see the module docstring)."""

    def __init__(
        self,
        outbox: Outbox,
        backends: Sequence[Backend],
        clock: Clock,
        settings: DeliverySettings,
        current_state: Callable[[], PresenceState],
        *,
        rng: random.Random | None = None,
        retry_base: float = 1.0,
        send_timeout: float = 120.0,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._outbox = outbox
        self._clock = clock
        self._settings = settings
        self._current_state = current_state
        self._rng = rng or random.Random()
        self._retry_base = retry_base
        self._send_timeout = send_timeout
        self._on_change = on_change
        self._lanes: dict[str, _Lane] = {}
        self._progress = asyncio.Event()
        self._reassert_task: asyncio.Task[None] | None = None
        self._started = False
        for backend in backends:
            self._lanes[backend.name] = self._new_lane(backend)

    async def start(self) -> None:
        """Start one sender per backend and the periodic re-assert; pending work goes out."""
        if self._started:
            return
        self._started = True
        for lane in self._lanes.values():
            self._start_lane(lane)
        self._reassert_task = asyncio.create_task(self._reassert_loop(), name="delivery-reassert")

    async def stop(self) -> None:
        """Stop sending; whatever is unsent stays in the outbox for the next start.

        The outbox and the backends belong to the caller, who closes them.
        """
        self._started = False
        tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
        if self._reassert_task is not None:
            tasks.append(self._reassert_task)
            self._reassert_task = None
        for lane in self._lanes.values():
            lane.task = None
            lane.running = False
            lane.wake()  # a lane that missed its cancellation still sees running is False
        for task in tasks:
            task.cancel()
        if tasks:
            # asyncio.wait, unlike awaiting each task, never swallows our own cancellation.
            await asyncio.wait(tasks, timeout=5.0)

    def submit(self, change: PresenceChange) -> None:
        """Write the change's messages for every backend durably, then wake the senders.

        A change without a predecessor (the first after a start) skips the backends
        already given its state (see the module docstring).
        """
        reported = state_text(change.state)
        if change.previous is not None:
            self._enqueue(
                lambda backend: backend.messages_for(change),
                self._lanes.values(),
                change.at,
                reported,
            )
            return
        given: dict[str, PresenceChange] = {}
        for name in self._lanes:
            before = self._outbox.submitted(name)
            if before != reported:
                given[name] = replace(change, previous=state_from_text(before))
        if len(given) < len(self._lanes):
            log.info("start-up state already given to %d backends", len(self._lanes) - len(given))
        self._enqueue(
            lambda backend: backend.messages_for(given[backend.name]),
            [self._lanes[name] for name in given],
            change.at,
            reported,
        )

    def assert_current(self, names: Iterable[str]) -> None:
        """Give these backends the current state now: added, enabled or changed while running."""
        lanes = [self._lanes[name] for name in names if name in self._lanes]
        if lanes:
            self._reassert(lanes, only_fresh=True)

    def submit_calendar(self, sync: CalendarSync) -> None:
        """Like :meth:`submit`, for the user's meetings (essentry)."""
        self._enqueue(
            lambda backend: backend.messages_for_calendar(sync),
            self._lanes.values(),
            self._clock.now(),
        )

    def network_changed(self) -> None:
        """Connectivity came back or the machine resumed: retry everything pending now."""
        for lane in self._lanes.values():
            lane.backoff.reset()
            lane.sign_in_needed = False
            lane.wake()

    def credentials_changed(self, name: str) -> None:
        """The user signed in again (new secret): a "sign-in needed" backend tries again."""
        lane = self._lanes.get(name)
        if lane is None:
            return
        lane.sign_in_needed = False
        lane.refreshed = False
        lane.backoff.reset()
        lane.wake()

    async def flush(self, timeout: float) -> bool:
        """Wait until every queue is empty (before sleep); ``False`` if ``timeout`` passed.

        Backends waiting out a backoff are tried once more right away; backends that
        need a sign-in are not.
        """
        for lane in self._lanes.values():
            if lane.in_backoff:
                lane.kick.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while any(self._outbox.depth(name) for name in self._lanes):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._progress.wait()
        return True

    def replace_backends(self, backends: Sequence[Backend]) -> None:
        """Adopt a new backend list (config reload); queues of kept names carry over.

        A removed backend's pending messages stay in the outbox (bounded by its cap) so a
        configuration mistake loses nothing; they go out if the name comes back.
        """
        wanted = {backend.name: backend for backend in backends}
        for name in list(self._lanes):
            if name not in wanted:
                removed = self._lanes.pop(name)
                removed.running = False
                removed.wake()
                if removed.task is not None:
                    removed.task.cancel()
        for name, backend in wanted.items():
            existing = self._lanes.get(name)
            if existing is None:
                lane = self._lanes[name] = self._new_lane(backend)
                if self._started:
                    self._start_lane(lane)
            else:
                lane = existing
                lane.backend = backend
                lane.sign_in_needed = False
                lane.refreshed = False
                lane.backoff.reset()
                lane.wake()

    def status(self) -> dict[str, BackendView]:
        """Per backend, the ``backends`` entry of the status snapshot."""
        result: dict[str, BackendView] = {}
        for name, lane in self._lanes.items():
            record = self._outbox.record(name)
            entry: BackendView = {
                "type": lane.backend.type,
                "kind": lane.backend.kind.value,
                "state": lane.state,
                "queue_depth": self._outbox.depth(name),
                "last_success": lane.last_success or record.last_success,
                "last_error": lane.last_error,
                "last_error_at": lane.last_error_at,
                "failed": self._outbox.failed_count(name),
                "dropped": record.dropped,
            }
            if record.dropped:
                entry["dropped_detail"] = (
                    f"{record.dropped} oldest queued messages dropped because the queue was full"
                    f" (keys {record.dropped_first_key}..{record.dropped_last_key},"
                    f" last at {record.dropped_at})"
                )
            result[name] = entry
        return result

    # -- internals ---------------------------------------------------------------------

    def _new_lane(self, backend: Backend) -> _Lane:
        backoff = Backoff(cap=self._settings.retry_cap, base=self._retry_base, rng=self._rng)
        probe = Backoff(
            cap=min(self._settings.retry_cap, PROBE_CAP), base=self._retry_base, rng=self._rng
        )
        return _Lane(backend=backend, backoff=backoff, probe=probe)

    def _start_lane(self, lane: _Lane) -> None:
        lane.running = True
        lane.task = asyncio.create_task(self._run_lane(lane), name=f"delivery-{lane.backend.name}")

    def _enqueue(
        self,
        messages_for: Callable[[Backend], list[Message]],
        lanes: Iterable[_Lane],
        at: datetime,
        reported: str | None = None,
    ) -> None:
        """Store what ``messages_for`` gives each lane; ``reported``: the state they got."""
        batches: list[Batch] = []
        woken: list[_Lane] = []
        given: dict[str, str] = {}
        for lane in lanes:
            try:
                messages = messages_for(lane.backend)
            except Exception:
                # A bug in one adapter must not keep the change from the others.
                log.exception("backend %s could not build its messages", lane.backend.name)
                continue
            if reported is not None:
                given[lane.backend.name] = reported
            if messages:
                batches.append(Batch(lane.backend.name, lane.backend.kind, messages))
                woken.append(lane)
        if not batches and not given:
            return
        self._outbox.put(batches, at, given)
        for lane in woken:
            lane.work.set()

    async def _run_lane(self, lane: _Lane) -> None:
        """Keep the lane alive: an unexpected error (disk full, say) is retried, not fatal."""
        while lane.running:
            try:
                await self._lane_loop(lane)
            except Exception as exc:
                log.exception("delivery to %s failed unexpectedly", lane.backend.name)
                self._note_error(lane, f"internal error: {exc!r}", self._clock.now())
                lane.state = "failing"
                await self._backoff(lane, lane.backoff.next_delay())

    async def _lane_loop(self, lane: _Lane) -> None:
        name = lane.backend.name
        if lane.last_success is None:
            lane.last_success = self._outbox.record(name).last_success
        while lane.running:
            if lane.sign_in_needed:
                lane.kick.clear()
                await lane.kick.wait()
                continue
            lane.work.clear()
            stored = self._outbox.peek(name)
            if stored is None:
                self._progress.set()
                await lane.work.wait()
                continue
            if self._expired(stored):
                self._drop_expired(lane, stored)
                continue
            backend = lane.backend
            result = await self._send(backend, stored.message)
            if not lane.running:
                return  # stopped mid-send: the message stays queued (sent again later)
            if lane.backend is not backend and result.outcome is not Outcome.OK:
                continue  # replaced mid-send (reload): retry at once through the new adapter
            await self._handle(lane, stored, result)
            self._progress.set()
            self._changed()

    async def _send(self, backend: Backend, message: Message) -> Result:
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
            # that races with the send finishing (CPython gh-86296), and stop() would hang.
            async with asyncio.timeout(self._send_timeout):
                return await backend.send(message)
        except TimeoutError:
            return Result(Outcome.RETRY, f"no answer within {self._send_timeout:g}s")
        except Exception as exc:  # an adapter bug is retried, never a reason to lose data
            log.exception("backend %s raised while sending %s", backend.name, message.key)
            return Result(Outcome.RETRY, f"internal error: {exc!r}")

    async def _handle(self, lane: _Lane, stored: StoredMessage, result: Result) -> None:
        now = self._clock.now()
        name = lane.backend.name
        if result.outcome is Outcome.OK:
            self._outbox.done(stored, now)
            lane.last_success = now.isoformat()
            lane.state = "ok"
            lane.refreshed = False
            lane.backoff.reset()
            lane.probe.reset()
            if lane.rejected:
                lane.rejected = False
                self._outbox.forget_failed(name)
        elif result.outcome is Outcome.PERMANENT:
            self._note_error(lane, f"rejected: {result.message or 'no reason given'}", now)
            self._outbox.fail(stored, result.message or "rejected", now.isoformat())
            lane.state = "failing"
            lane.backoff.reset()
            if lane.backend.kind is DeliveryKind.STATE:
                lane.rejected = True
                await self._offer_again_later(lane)
        elif result.outcome is Outcome.REAUTH:
            self._note_error(lane, result.message or "not authorised", now)
            if not lane.refreshed:
                lane.refreshed = True
                log.info("backend %s: not authorised, refreshing credentials", name)
                try:
                    await lane.backend.refresh_credentials()
                except Exception as exc:
                    log.warning("backend %s: refreshing credentials failed: %s", name, exc)
                return
            log.warning("backend %s: still not authorised; sign-in needed", name)
            lane.state = "sign-in needed"
            lane.sign_in_needed = True
        else:
            self._note_error(lane, result.message or "temporary failure", now)
            delay = lane.backoff.next_delay(result.retry_after)
            lane.state = "failing" if lane.backoff.failures >= FAILING_AFTER else "retrying"
            log.info("backend %s: %s; retrying in %.1fs", name, lane.last_error, delay)
            await self._backoff(lane, delay)

    async def _offer_again_later(self, lane: _Lane) -> None:
        """After a rejected state and nothing newer queued: wait, then offer the current one."""
        name = lane.backend.name
        if self._outbox.depth(name):
            return  # the newer queued message is the next offer
        delay = lane.probe.next_delay()
        log.info("backend %s: offering the current state again in %.1fs", name, delay)
        await self._backoff(lane, delay)
        if lane.running and not self._outbox.depth(name):
            self._reassert([lane], only_fresh=True)

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()

    async def _backoff(self, lane: _Lane, delay: float) -> None:
        lane.kick.clear()
        lane.in_backoff = True
        self._changed()  # the lane's state just became retrying/failing
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await lane.kick.wait()
        finally:
            lane.in_backoff = False

    def _note_error(self, lane: _Lane, text: str, now: datetime) -> None:
        lane.last_error = text
        lane.last_error_at = now.isoformat()

    def _expired(self, stored: StoredMessage) -> bool:
        expires_at = stored.message.expires_at
        if not expires_at:
            return False
        try:
            deadline = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
        except ValueError:
            return False
        if deadline.tzinfo is None:
            return False
        return deadline <= self._clock.now()

    def _drop_expired(self, lane: _Lane, stored: StoredMessage) -> None:
        backend = lane.backend
        log.info(
            "backend %s: not sending %s, it expired at %s",
            backend.name,
            stored.message.key,
            stored.message.expires_at,
        )
        self._outbox.discard(stored)
        group = stored.message.coalesce_group
        if backend.kind is DeliveryKind.STATE and not self._outbox.has_group(backend.name, group):
            self._reassert([lane], only_fresh=True)

    async def _reassert_loop(self) -> None:
        interval = self._settings.reassert_every
        if interval <= 0:
            return
        while True:
            await asyncio.sleep(interval)
            lanes = [lane for lane in self._lanes.values() if _reasserts(lane.backend)]
            self._reassert(lanes, only_fresh=False)

    def _reassert(self, lanes: Sequence[_Lane], only_fresh: bool) -> None:
        """Queue the current state again; ``previous`` equal to ``state`` marks a re-assert."""
        try:
            state = self._current_state()
        except Exception:
            log.exception("could not read the current state to re-assert")
            return
        change = PresenceChange(state=state, previous=state, at=self._clock.now())

        def messages_for(backend: Backend) -> list[Message]:
            messages = backend.messages_for(change)
            if only_fresh:
                # The engine has not caught up yet (e.g. just after resume): do not turn an
                # expired state into a loop; its next change will supersede it anyway.
                messages = [m for m in messages if not self._message_expired(m)]
            return messages

        self._enqueue(messages_for, lanes, change.at, state_text(state))

    def _message_expired(self, message: Message) -> bool:
        return self._expired(StoredMessage(0, "", message, ""))


def _reasserts(backend: Backend) -> bool:
    """State backends are re-asserted; an event backend may opt in (``Backend.reassert``)."""
    return backend.reassert

"""In a meeting: the user's calendars, read from ICS files or https URLs.

Each calendar is re-read every ``refresh`` (URLs with conditional requests) and the
meetings of a window around now (12 h back, 36 h ahead) are pushed whenever they
change, and again when the window slides. The engine sets its own wake-ups at
meeting start and end from that list, so nothing here runs at those instants.

A calendar that fails keeps its last good meetings (from memory or the copy on
disk) and says why in ``report()``.

Threading: every method runs on the agent's loop; file reads and keyring look-ups
run on worker threads, parsing in a short-lived helper process (calendar_helper.py)
so that a big calendar never swells the agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Protocol

from agent.config.paths import Paths
from agent.config.schema import CalendarEntry, Config
from agent.core.clock import Clock, SystemClock
from agent.core.signals import Meeting, MeetingsObserved
from agent.detectors.base import Detector, Sink, SourceReport
from agent.detectors.calendar_fetch import (
    CalendarCache,
    FetchError,
    HttpFactory,
    download,
    url_problem,
)
from agent.detectors.calendar_helper import MAX_BYTES, parse_in_helper
from agent.detectors.calendar_parse import CalendarError, ParsedCalendar
from agent.secret_names import CALENDAR_URL_FIELD, calendar_owner, secret_command

log = logging.getLogger(__name__)

SIGNAL = "meeting"
WINDOW_BEHIND = timedelta(hours=12)
WINDOW_AHEAD = timedelta(hours=36)
SLIDE_EVERY = timedelta(hours=6)


class Secrets(Protocol):
    """The part of ``agent.secrets.SecretStore`` this detector needs."""

    def get(self, backend: str, field: str) -> str | None: ...


@dataclass
class _Calendar:
    """What is known about one ``[[calendars]]`` entry."""

    entry: CalendarEntry
    data: bytes | None = None  # last good ICS
    meetings: tuple[Meeting, ...] = ()
    problem: str = ""  # why the current data is stale or missing ("" = fine)
    skipped: tuple[str, ...] = ()  # events skipped or repaired in the last good copy
    updated: datetime | None = None
    file_stamp: tuple[int, int] | None = None
    url: str = ""
    cache: CalendarCache | None = None
    validators: tuple[str, str] = ("", "")
    busy: asyncio.Lock = field(default_factory=asyncio.Lock)  # one read at a time


class MeetingDetector(Detector):
    signal = SIGNAL

    def __init__(
        self,
        config: Config,
        paths: Paths,
        secrets: Secrets,
        http_factory: HttpFactory,
        clock: Clock | None = None,
        startup_wait: float = 3.0,
    ) -> None:
        self._config = config
        self._startup_wait = startup_wait
        self._paths = paths
        self._secrets = secrets
        self._http_factory = http_factory
        self._clock: Clock = clock or SystemClock()
        self._calendars = [_Calendar(entry) for entry in config.calendars]
        self._sink: Sink | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._last: tuple[Meeting, ...] | None = None
        self._restarting: asyncio.Task[None] | None = None

    # -- lifecycle -----------------------------------------------------------------

    async def start(self, sink: Sink) -> None:
        """Read the calendars, waiting at most ``startup_wait`` for slow servers.

        A calendar server that hangs must not hold up the agent's start: the first
        read then finishes in the background and pushes when done.
        """
        self._sink = sink
        first = asyncio.create_task(self.read_calendars())
        self._tasks.append(first)
        await asyncio.wait({first}, timeout=self._startup_wait)
        for calendar in self._calendars:
            self._tasks.append(asyncio.create_task(self._refresh_loop(calendar)))
        self._tasks.append(asyncio.create_task(self._slide_loop()))

    async def stop(self) -> None:
        self._sink = None
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def reconfigure(self, config: Config) -> None:
        """Re-read every calendar under the new settings (keeps running meanwhile)."""
        if config.calendars == self._config.calendars and config.user == self._config.user:
            self._config = config
            return
        sink = self._sink
        self._config = config
        if sink is None:
            self._calendars = [_Calendar(entry) for entry in config.calendars]
            return
        self._restarting = asyncio.get_running_loop().create_task(self._restart(sink))

    async def _restart(self, sink: Sink) -> None:
        await self.stop()
        self._calendars = [_Calendar(entry) for entry in self._config.calendars]
        self._last = None
        await self.start(sink)

    def refresh(self) -> None:
        """Re-read every calendar soon (after a resume: the file or feed may have changed)."""
        if self._sink is None:
            return
        task = asyncio.get_running_loop().create_task(self.read_calendars())
        self._tasks.append(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        if task in self._tasks:
            self._tasks.remove(task)

    async def read_calendars(self) -> None:
        """Re-read every calendar now (start, resume, tests) and push changes."""
        await asyncio.gather(*(self._update(calendar) for calendar in self._calendars))
        self._publish()

    # -- timers --------------------------------------------------------------------

    async def _refresh_loop(self, calendar: _Calendar) -> None:
        while True:
            await asyncio.sleep(max(calendar.entry.refresh, 1.0))
            await self._update(calendar)
            self._publish()

    async def _slide_loop(self) -> None:
        while True:
            await asyncio.sleep(SLIDE_EVERY.total_seconds())
            await self.slide()

    async def slide(self) -> None:
        """Move the window to now: re-expand what we have, without fetching."""
        for calendar in self._calendars:
            async with calendar.busy:
                if calendar.data is not None:
                    await self._parse_into(calendar, calendar.data)
        self._publish()

    # -- reading -------------------------------------------------------------------

    async def _update(self, calendar: _Calendar) -> None:
        async with calendar.busy:
            await self._read(calendar)

    async def _read(self, calendar: _Calendar) -> None:
        entry = calendar.entry
        try:
            if entry.url or entry.url_secret:
                await self._update_url(calendar)
            elif entry.path:
                await self._update_file(calendar)
            else:
                calendar.problem = "neither path nor url is set"
        except Exception as error:  # keep the agent up whatever a calendar does
            log.exception("calendar %r", entry.name)
            calendar.problem = f"unexpected error: {error}"

    async def _update_file(self, calendar: _Calendar) -> None:
        path = Path(calendar.entry.path).expanduser()
        try:
            stat = await asyncio.to_thread(path.stat)
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp == calendar.file_stamp and calendar.data is not None:
                return
            if stat.st_size > MAX_BYTES:
                self._fail(calendar, f"{path} is larger than {MAX_BYTES // 2**20} MB")
                return
            data = await asyncio.to_thread(path.read_bytes)
        except OSError as error:
            self._fail(calendar, f"cannot read {path}: {error.strerror or error}")
            return
        if await self._parse_into(calendar, data):
            calendar.file_stamp = stamp

    async def _update_url(self, calendar: _Calendar) -> None:
        name = calendar.entry.name
        if not calendar.url:
            url = await self._resolve_url(calendar)
            if url is None:
                return
            calendar.url = url
            calendar.cache = CalendarCache(self._paths.cache_dir, name, url)
            cached = await asyncio.to_thread(calendar.cache.load)
            if cached is not None and await self._parse_into(calendar, cached[0]):
                calendar.validators = (cached[1], cached[2])
        assert calendar.cache is not None
        etag, modified = calendar.validators if calendar.data is not None else ("", "")
        try:
            fetched = await download(self._http_factory, calendar.url, etag, modified)
        except FetchError as error:
            self._fail(calendar, str(error))
            return
        if fetched.body is None:  # 304: what we have is current
            calendar.problem = ""
            calendar.updated = self._clock.now()
            return
        if await self._parse_into(calendar, fetched.body):
            calendar.validators = (fetched.etag, fetched.last_modified)
            stamp = self._clock.now().isoformat()
            await asyncio.to_thread(calendar.cache.store, fetched, stamp)

    async def _resolve_url(self, calendar: _Calendar) -> str | None:
        entry = calendar.entry
        url = entry.url
        if entry.url_secret:
            try:
                secret = calendar_owner(entry.name)
                found: str | None = await asyncio.to_thread(
                    self._secrets.get, secret, CALENDAR_URL_FIELD
                )
                url = found or ""
            except Exception as error:  # NoKeyringError and keyring backend failures
                calendar.problem = f"cannot read the URL from the keyring: {error}"
                return None
            if not url:
                calendar.problem = (
                    "no URL in the keyring: run "
                    f"`{secret_command(calendar_owner(entry.name), CALENDAR_URL_FIELD)}`"
                )
                return None
        problem = url_problem(url)
        if problem:
            calendar.problem = problem
            return None
        return url

    def _fail(self, calendar: _Calendar, problem: str) -> None:
        if calendar.data is not None:
            problem += "; using the last good copy"
        if problem != calendar.problem:
            log.warning("calendar %r: %s", calendar.entry.name, problem)
        calendar.problem = problem

    async def _parse_into(self, calendar: _Calendar, data: bytes) -> bool:
        """Parse for the current window; on failure keep the previous good meetings."""
        start, end = self._window()
        label = calendar.entry.path or f"calendar {calendar.entry.name!r}"
        try:
            parsed: ParsedCalendar = await parse_in_helper(
                data,
                source=label,
                start=start,
                end=end,
                user_emails=self._user_emails(calendar.entry),
                default_tz=self._default_zone(),
            )
        except CalendarError as error:
            self._fail(calendar, str(error))
            return False
        for problem in parsed.problems:
            if problem not in calendar.skipped:
                log.warning("calendar %r: %s", calendar.entry.name, problem)
        calendar.meetings = parsed.meetings
        calendar.data = data
        calendar.skipped = parsed.problems
        calendar.problem = ""
        calendar.updated = self._clock.now()
        return True

    def _user_emails(self, entry: CalendarEntry) -> tuple[str, ...]:
        return tuple(e for e in (entry.user_email, self._config.user.email) if e)

    def _default_zone(self) -> tzinfo:
        """The zone for floating times: the schedule's zone, else the machine's."""
        from agent.core.schedule import machine_zone, resolve_zone

        try:
            return resolve_zone(self._config.schedule.timezone)
        except ValueError:  # the config check reports it; floating times are rare
            return machine_zone()

    def _window(self) -> tuple[datetime, datetime]:
        now = self._clock.now().astimezone(UTC)
        return now - WINDOW_BEHIND, now + WINDOW_AHEAD

    # -- output --------------------------------------------------------------------

    def _publish(self) -> None:
        if self._sink is None:
            return
        merged: dict[tuple[str, str | None], Meeting] = {}
        for calendar in self._calendars:
            for meeting in calendar.meetings:
                merged.setdefault((meeting.uid, meeting.recurrence_id), meeting)
        meetings = tuple(sorted(merged.values(), key=lambda m: (m.start, m.end, m.title)))
        if meetings == self._last:
            return
        self._last = meetings
        self._sink(MeetingsObserved(meetings=meetings, source="calendars"))

    def report(self) -> list[SourceReport]:
        reports = []
        for calendar in self._calendars:
            source = calendar_owner(calendar.entry.name)
            if calendar.problem:
                detail = calendar.problem
            elif calendar.data is None:
                detail = "not read yet"
            else:
                when = calendar.updated.strftime("%H:%M UTC") if calendar.updated else "?"
                detail = f"{len(calendar.meetings)} meetings in the window, read at {when}"
            if calendar.skipped:
                count, first = len(calendar.skipped), calendar.skipped[0]
                detail += f" ({count} event problem{'s' if count > 1 else ''}: {first})"
            reports.append(SourceReport(SIGNAL, source, calendar.data is not None, detail))
        return reports

    @property
    def degraded(self) -> bool:
        return any(calendar.problem for calendar in self._calendars)


def create_meeting_detector(
    config: Config, paths: Paths, secrets: Secrets, http_factory: HttpFactory
) -> MeetingDetector:
    """``http_factory`` returns a new ``httpx.AsyncClient``; the detector closes each one."""
    return MeetingDetector(config, paths, secrets, http_factory)

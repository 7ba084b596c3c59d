"""The meeting detector with ICS files: push, change, bad file, window slide."""

from __future__ import annotations

import asyncio
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from agent.config.paths import Paths
from agent.config.schema import CalendarEntry, Config, UserSettings
from agent.core.clock import ManualClock
from agent.core.signals import MeetingsObserved, Observation
from agent.detectors.meeting import MeetingDetector, create_meeting_detector
from tests.support import until

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)


class NoSecrets:
    def get(self, backend: str, field: str) -> str | None:
        return None


def no_http() -> object:
    raise AssertionError("file calendars never use HTTP")


def pushes(seen: list[Observation]) -> list[MeetingsObserved]:
    return [o for o in seen if isinstance(o, MeetingsObserved)]


def make(tmp_path: Path, agent_paths: Paths, *names: str) -> tuple[MeetingDetector, ManualClock]:
    entries = []
    for name in names:
        target = tmp_path / name
        shutil.copy(FIXTURES / name, target)
        entries.append(CalendarEntry(name=name.removesuffix(".ics"), path=str(target)))
    config = Config(calendars=tuple(entries), user=UserSettings(email="alice@example.com"))
    clock = ManualClock(NOW)
    detector = MeetingDetector(config, agent_paths, NoSecrets(), no_http, clock)  # type: ignore[arg-type]
    return detector, clock


def test_files_are_merged_and_pushed_once(tmp_path: Path, agent_paths: Paths) -> None:
    async def scenario() -> None:
        seen: list[Observation] = []
        detector, _clock = make(tmp_path, agent_paths, "weekly.ics", "filters.ics")
        await detector.start(seen.append)
        (push,) = pushes(seen)
        assert [(m.title, m.cancelled) for m in push.meetings] == [
            ("Standup", False),
            ("Cancelled review", True),
            ("Real meeting", False),
        ]
        await detector.read_calendars()  # nothing changed: nothing pushed
        assert len(pushes(seen)) == 1
        assert not detector.degraded
        assert [r.source for r in detector.report()] == ["calendar:weekly", "calendar:filters"]
        await detector.stop()

    asyncio.run(scenario())


def test_bad_file_keeps_last_good_and_names_the_line(tmp_path: Path, agent_paths: Paths) -> None:
    async def scenario() -> None:
        seen: list[Observation] = []
        detector, _clock = make(tmp_path, agent_paths, "weekly.ics")
        await detector.start(seen.append)
        target = tmp_path / "weekly.ics"
        target.write_bytes((FIXTURES / "broken.ics").read_bytes())
        os.utime(target, ns=(1, 1))
        await detector.read_calendars()
        assert [m.title for m in pushes(seen)[-1].meetings] == ["Standup"]
        (report,) = detector.report()
        assert f"{target}:15: cannot read line" in report.detail
        assert "last good copy" in report.detail and detector.degraded

        shutil.copy(FIXTURES / "zones.ics", target)
        await detector.read_calendars()
        assert [m.uid for m in pushes(seen)[-1].meetings][0] == "windows@example.com"
        assert not detector.degraded
        await detector.stop()

    asyncio.run(scenario())


def test_missing_file_is_reported(tmp_path: Path, agent_paths: Paths) -> None:
    async def scenario() -> None:
        entry = CalendarEntry(name="gone", path=str(tmp_path / "nope.ics"))
        detector = create_meeting_detector(
            Config(calendars=(entry,)),
            agent_paths,
            NoSecrets(),
            no_http,  # type: ignore[arg-type]
        )
        await detector.start(lambda _o: None)
        (report,) = detector.report()
        assert not report.in_use and "cannot read" in report.detail
        await detector.stop()

    asyncio.run(scenario())


def test_window_slides_without_rereading(tmp_path: Path, agent_paths: Paths) -> None:
    async def scenario() -> None:
        seen: list[Observation] = []
        detector, clock = make(tmp_path, agent_paths, "weekly.ics")
        await detector.start(seen.append)
        assert [m.start.day for m in pushes(seen)[-1].meetings] == [16]
        clock.advance(3 * 24 * 3600)  # Thursday: Monday's standup is out of the window
        await detector.slide()
        assert pushes(seen)[-1].meetings == ()
        await detector.stop()

    asyncio.run(scenario())


def test_reconfigure_reads_the_new_calendars(tmp_path: Path, agent_paths: Paths) -> None:
    async def scenario() -> None:
        seen: list[Observation] = []
        detector, _clock = make(tmp_path, agent_paths, "weekly.ics")
        await detector.start(seen.append)
        shutil.copy(FIXTURES / "zones.ics", tmp_path / "zones.ics")
        entry = CalendarEntry(name="zones", path=str(tmp_path / "zones.ics"))
        detector.reconfigure(Config(calendars=(entry,)))
        await until(lambda: pushes(seen)[-1].meetings[0].uid == "windows@example.com")
        assert [r.source for r in detector.report()] == ["calendar:zones"]
        await detector.stop()

    asyncio.run(scenario())

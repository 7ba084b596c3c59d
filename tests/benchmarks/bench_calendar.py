"""Calendar reading: time to a status decision and the agent's memory, for real calendars.

Runs the agent's own meeting detector and engine in this process (the agent's side),
with the calendars of ``tests/detectors/calendar_corpus`` as ``[[calendars]]`` files
and the clock set to an instant with meetings. For each file: seconds from the read
to the engine's decision, this process's RSS before and after (the agent must stay
flat: the parse runs in a helper process), and the helper's peak RSS. For comparison,
the peak RSS of parsing the big file inside a process, the way the agent did before.

Run directly (``python tests/benchmarks/bench_calendar.py``) or from ``make bench``
(section "calendar"); prints JSON. Not collected by pytest.
"""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: make ``agent`` importable

from tests.benchmarks.report import Row  # noqa: E402

if TYPE_CHECKING:
    from tests.benchmarks.context import Context

CORPUS = ROOT / "tests" / "detectors" / "calendar_corpus"
BIG = "google-export-big.ics"
#: (file, an instant when the file has a meeting)
CALENDARS = [
    (BIG, datetime(2019, 8, 10, 12, 5, tzinfo=UTC)),
    ("google-meet-conference.ics", datetime(2024, 2, 5, 8, 30, tzinfo=UTC)),
    ("exchange-busy-statuses.ics", datetime(2020, 5, 12, 7, 10, tzinfo=UTC)),
    ("outlook-teams-invite.ics", datetime(2021, 4, 3, 9, tzinfo=UTC)),
    ("zoom-in-html-description.ics", datetime(2020, 10, 26, 12, tzinfo=UTC)),
]
TARGET_SECONDS = 1.0
TARGET_GROWTH_MIB = 5.0


class NoSecrets:
    def get(self, backend: str, field: str) -> str | None:
        return None


def no_http() -> Any:
    raise AssertionError("file calendars never use HTTP")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def decide(name: str, at: datetime, scratch: Path) -> dict[str, Any]:
    """Read one calendar with the agent's detector; time until the engine decides."""
    from agent.config.paths import Paths
    from agent.config.schema import CalendarEntry, Config
    from agent.core.clock import ManualClock
    from agent.core.engine import Engine, EngineSettings
    from agent.core.signals import Observation
    from agent.detectors.meeting import MeetingDetector

    config = Config(calendars=(CalendarEntry(name=name, path=str(CORPUS / name)),))
    paths = Paths(scratch / "c.toml", scratch / "d", scratch / "l", scratch / "r", scratch / "p")
    clock = ManualClock(at)
    engine = Engine(EngineSettings.from_config(config), clock)
    detector = MeetingDetector(config, paths, NoSecrets(), no_http, clock, startup_wait=60)
    decided = asyncio.get_running_loop().create_future()

    def sink(observation: Observation) -> None:
        engine.observe(observation)
        engine.evaluate()
        if not decided.done():
            decided.set_result((time.perf_counter(), len(getattr(observation, "meetings", ()))))

    gc.collect()
    before = rss_mib()
    began = time.perf_counter()
    await detector.start(sink)
    ended, meetings = await asyncio.wait_for(decided, 60)
    await detector.stop()
    gc.collect()
    return {
        "file": name,
        "bytes": (CORPUS / name).stat().st_size,
        "decision_seconds": round(ended - began, 3),
        "status": str(engine.current.status),
        "meetings_in_window": meetings,
        "rss_before_mib": round(before, 1),
        "rss_after_mib": round(rss_mib(), 1),
        "rss_growth_mib": round(rss_mib() - before, 1),
    }


def whole_file_parse() -> dict[str, float]:
    """The way it was: the whole big file parsed and expanded in one process, no window cut."""
    code = (
        "import resource, time\n"
        "from datetime import UTC, datetime\n"
        "import icalendar, recurring_ical_events\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "began = time.perf_counter()\n"
        f"calendar = icalendar.Calendar.from_ical(open({str(CORPUS / BIG)!r}, 'rb').read())\n"
        "recurring_ical_events.of(calendar).between("
        "datetime(2019, 8, 10, tzinfo=UTC), datetime(2019, 8, 12, tzinfo=UTC))\n"
        "seconds = time.perf_counter() - began\n"
        "print(base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, seconds)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    base, peak, seconds = (float(v) for v in done.stdout.split())
    return {
        "base_mib": round(base / 1024, 1),
        "peak_mib": round(peak / 1024, 1),
        "seconds": round(seconds, 2),
    }


async def measure() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pa-bench-calendar-") as scratch:
        # Warm up: the resident agent has its modules loaded and has read a calendar before.
        await decide(CALENDARS[-1][0], CALENDARS[-1][1], Path(scratch))
        runs = [await decide(name, at, Path(scratch)) for name, at in CALENDARS]
    helper_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "calendars": runs,
        "helper_peak_rss_mib": round(helper_peak, 1),
        "whole_file_parse": whole_file_parse(),
        "target_seconds": TARGET_SECONDS,
        "target_growth_mib": TARGET_GROWTH_MIB,
    }


def section(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    """The ``make bench`` section: this script in a fresh process, its JSON as rows."""
    done = subprocess.run(
        [sys.executable, __file__], capture_output=True, text=True, timeout=600, cwd=ROOT
    )
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"bench_calendar.py exited with {done.returncode}: {tail}")
    data = json.loads(done.stdout)
    rows: list[Row] = []
    for run in data["calendars"]:
        label = f"{run['file']} ({run['bytes'] / 1e6:.2f} MB)"
        note = f"{run['meetings_in_window']} meetings, {run['status']}"
        rows.append(
            Row(
                "calendar",
                f"{label}: read to decision",
                run["decision_seconds"],
                "s",
                data["target_seconds"],
                note,
            )
        )
        if run["file"] == BIG:
            rows.append(
                Row(
                    "calendar",
                    f"{label}: agent RSS growth",
                    run["rss_growth_mib"],
                    "MiB",
                    data["target_growth_mib"],
                    f"{run['rss_before_mib']} -> {run['rss_after_mib']} MiB",
                )
            )
    rows.append(Row("calendar", "parser helper peak RSS", data["helper_peak_rss_mib"], "MiB"))
    whole = data["whole_file_parse"]
    rows.append(
        Row(
            "calendar",
            "before: whole big file in-process, peak RSS",
            whole["peak_mib"],
            "MiB",
            note=f"{whole['seconds']} s, from {whole['base_mib']} MiB",
        )
    )
    return rows, {"bench_calendar": data}


def main() -> int:
    print(json.dumps(asyncio.run(measure()), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

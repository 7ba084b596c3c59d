"""What a process costs, read from /proc: CPU time, context switches, memory.

CPU is ``utime + stime`` from ``/proc/<pid>/stat`` (clock ticks, all threads, dead
ones included); ``/proc/<pid>/task/*/schedstat`` gives the same in nanoseconds for
the live threads. Wake-ups are the voluntary + non-voluntary context switches of
every thread (``/proc/<pid>/task/*/status``): each is the thread leaving the CPU.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    cpu_seconds: float  # from /proc/<pid>/stat, tick resolution
    cpu_ns: int  # from schedstat, live threads only
    switches: int
    threads: int

    def minus(self, before: Usage) -> Usage:
        return Usage(
            self.cpu_seconds - before.cpu_seconds,
            self.cpu_ns - before.cpu_ns,
            self.switches - before.switches,
            self.threads,
        )


def usage(pid: int) -> Usage:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)
    switches = 0
    cpu_ns = 0
    threads = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = (task / "status").read_text()
            schedstat = (task / "schedstat").read_text().split()
        except OSError:
            continue  # the thread ended meanwhile
        threads += 1
        cpu_ns += int(schedstat[0])
        for line in status.splitlines():
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                switches += int(line.split()[1])
    return Usage(cpu, cpu_ns, switches, threads)


def memory_kb(pid: int) -> dict[str, int]:
    """RSS, PSS and USS (private clean + dirty) in KiB, from ``smaps_rollup``."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB":
            values[name] = int(parts[0])
    return {
        "rss_kb": values.get("Rss", 0),
        "pss_kb": values.get("Pss", 0),
        "uss_kb": values.get("Private_Clean", 0) + values.get("Private_Dirty", 0),
    }

"""Memory after 60 s and idle cost over 120 s active + 120 s away, all processes at once.

The tray app, the headless agent and a bare PySide6 tray icon (the floor) run side by
side on the same X server. The tray app is two processes: the Qt "tray UI" and the
agent it starts (``run --headless``, found through its socket); both are measured,
and their sum is what running the tray app costs. First 120 s of an active user:
xdotool moves the mouse every 10 s, nothing changes status. Memory is read 60 s after
spawn, inside that window. Then the user stops; once both agents have reported "away"
(``away_after`` is 60 s here, so the run stays short) come 120 s of an away user. CPU
time and context switches are read from /proc at each window's edges.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from tests.benchmarks.agents import Agent, AgentSettings, Backend
from tests.benchmarks.context import Context
from tests.benchmarks.desktop import stop
from tests.benchmarks.netwatch import NetlinkCounter
from tests.benchmarks.procstat import Usage, memory_kb, usage
from tests.benchmarks.report import Row
from tests.benchmarks.startup import BARE_TRAY
from tests.benchmarks.tray_probe import TrayProbe
from tests.support import wait_until

MOUSE_EVERY = 10.0  # 3 s in --quick, where away_after is 10 s
CPU_TARGET = 0.05  # CPU-seconds per minute
WAKE_TARGET = 1.0  # wake-ups per second
HEADLESS_MIB = 45.0
FLOOR_RATIO = 1.25


def _active_window(
    ctx: Context, pids: dict[str, int], seconds: float, memory_at: float
) -> tuple[dict[str, Usage], dict[str, dict[str, int]]]:
    """Move the mouse every 10 s for ``seconds``; read memory at ``memory_at`` (monotonic)."""
    before = {name: usage(pid) for name, pid in pids.items()}
    began = time.monotonic()
    memory: dict[str, dict[str, int]] = {}
    every = ctx.pick(MOUSE_EVERY, 3.0)
    next_move = began
    while (now := time.monotonic()) < began + seconds:
        if not memory and now >= memory_at:
            memory = {name: memory_kb(pid) for name, pid in pids.items()}
        if now >= next_move:
            ctx.desktop.move_mouse()
            next_move += every
        time.sleep(min(0.5, max(0.0, began + seconds - now)))  # the window's own clock
    spent = {name: usage(pid).minus(before[name]) for name, pid in pids.items()}
    if not memory:
        memory = {name: memory_kb(pid) for name, pid in pids.items()}
    return spent, memory


def _idle_window(pids: dict[str, int], seconds: float) -> dict[str, Usage]:
    before = {name: usage(pid) for name, pid in pids.items()}
    time.sleep(seconds)  # the measurement window itself: nothing else may happen
    return {name: usage(pid).minus(before[name]) for name, pid in pids.items()}


def _cost_rows(phase: str, spent: dict[str, Usage], seconds: float) -> list[Row]:
    rows = []
    for name, used in spent.items():
        floor = name == "bare tray"
        label = f"{name} (floor)" if floor else name
        rows.append(
            Row(
                "idle cost",
                f"{label}, {phase}: CPU",
                used.cpu_seconds * 60 / seconds,
                "CPU-s/min",
                None if floor else CPU_TARGET,
                f"schedstat {used.cpu_ns / 1e9 * 60 / seconds:.4f}",
            )
        )
        rows.append(
            Row(
                "idle cost",
                f"{label}, {phase}: wake-ups",
                used.switches / seconds,
                "/s",
                None if floor else WAKE_TARGET,
                f"{used.threads} threads",
            )
        )
    return rows


def _with_total(spent: dict[str, Usage]) -> dict[str, Usage]:
    """The tray UI, the tray app in total (UI + its agent), headless, the floor."""
    ui, agent = spent["tray UI"], spent["tray's agent"]
    total = Usage(
        ui.cpu_seconds + agent.cpu_seconds,
        ui.cpu_ns + agent.cpu_ns,
        ui.switches + agent.switches,
        ui.threads + agent.threads,
    )
    return {
        "tray UI": ui,
        "tray app total (UI + agent)": total,
        "headless": spent["headless"],
        "bare tray": spent["bare tray"],
    }


def footprint(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    ctx.desktop.need("display")
    memory_after = ctx.pick(60, 10)
    window = ctx.pick(120, 20)
    away_after = ctx.pick(60, 10)
    settings = AgentSettings(away_after=f"{away_after:g}s")
    netlink = NetlinkCounter()
    with Backend() as tray_backend, Backend() as head_backend, TrayProbe() as probe:
        tray = Agent(ctx.workdir("tray-footprint"), ctx.desktop, tray_backend, settings, tray=True)
        head = Agent(ctx.workdir("headless-footprint"), ctx.desktop, head_backend, settings)
        ctx.desktop.move_mouse()  # earlier sections left the user idle: start active
        started = time.monotonic()
        bare = subprocess.Popen([sys.executable, str(BARE_TRAY)], env=ctx.desktop.env())
        try:
            tray.start()
            head.start()
            tray.first_report()
            head.first_report()
            wait_until(lambda: probe.icon_shown(bare.pid), timeout=20, what="bare tray icon")
            pids = {
                "tray UI": tray.pid,
                "tray's agent": tray.service_pid(),
                "headless": head.pid,
                "bare tray": bare.pid,
            }
            active_from = time.monotonic()
            netlink.take()
            active, memory = _active_window(ctx, pids, window, started + memory_after)
            active_changes = _changes(tray_backend, head_backend, active_from)
            active_netlink = netlink.take()
            last_input = time.monotonic() - MOUSE_EVERY  # roughly; only bounds the wait
            for backend in (tray_backend, head_backend):
                backend.wait_status("away", last_input, timeout=away_after + 30)
            idle_from = time.monotonic()
            netlink.take()
            idle = _idle_window(pids, window)
            idle_changes = _changes(tray_backend, head_backend, idle_from)
            idle_netlink = netlink.take()
            memory_end = {name: memory_kb(pid) for name, pid in pids.items()}
            tray.check_alive()
            head.check_alive()
        finally:
            head.stop()
            tray.stop()
            stop(bare)
            netlink.close()
    rows = _memory_rows(memory, memory_after)
    rows += _cost_rows(f"active {window:g} s", _with_total(active), window)
    rows += _cost_rows(f"away {window:g} s", _with_total(idle), window)
    note = f"status changes in the windows: active {active_changes}, away {idle_changes}"
    rows.append(
        Row(
            "idle cost",
            "reports sent during the windows",
            active_changes + idle_changes,
            "",
            note=note + f"; away_after = {away_after:g}s",
        )
    )
    more = " (buffer overflowed: more)" if netlink.overflowed else ""
    rows.append(
        Row(
            "idle cost",
            "rtnetlink messages on this machine in the windows",
            active_netlink + idle_netlink,
            "",
            note=f"active {active_netlink}, away {idle_netlink}{more}; each burst makes the "
            "location detector re-read the network",
        )
    )
    data = {
        "memory_after_s": memory_after,
        "memory_kb": memory,
        "memory_kb_at_end": memory_end,
        "window_s": window,
        "away_after_s": away_after,
        "active": {name: vars(u) for name, u in active.items()},
        "away": {name: vars(u) for name, u in idle.items()},
        "changes": {"active": active_changes, "away": idle_changes},
        "rtnetlink_messages": {"active": active_netlink, "away": idle_netlink},
    }
    return rows, data


def _changes(a: Backend, b: Backend, since: float) -> int:
    return sum(1 for backend in (a, b) for at, _ in backend.arrivals if at >= since)


def _memory_rows(memory: dict[str, dict[str, int]], after: float) -> list[Row]:
    mib = {name: {k: v / 1024 for k, v in m.items()} for name, m in memory.items()}
    ui, agent = mib["tray UI"], mib["tray's agent"]
    head, bare = mib["headless"], mib["bare tray"]
    total = ui["rss_kb"] + agent["rss_kb"]
    when = f"after {after:g} s"

    def sizes(m: dict[str, float]) -> str:
        return f"PSS {m['pss_kb']:.1f}, USS {m['uss_kb']:.1f}"

    return [
        Row("memory", f"tray UI process RSS {when}", ui["rss_kb"], "MiB", note=sizes(ui)),
        Row("memory", f"tray's agent process RSS {when}", agent["rss_kb"], "MiB",
            note=sizes(agent)),
        Row("memory", f"bare PySide6 tray RSS {when}", bare["rss_kb"], "MiB",
            note="the floor; " + sizes(bare)),
        Row("memory", "tray UI / bare tray (RSS)", ui["rss_kb"] / bare["rss_kb"], "x",
            FLOOR_RATIO, f"the UI process alone: extra {ui['rss_kb'] - bare['rss_kb']:.1f} MiB"),
        Row("memory", "tray app total (UI + agent) / bare tray", total / bare["rss_kb"], "x",
            FLOOR_RATIO, f"{total:.1f} MiB for both processes"),
        Row("memory", f"headless RSS {when}", head["rss_kb"], "MiB", HEADLESS_MIB, sizes(head)),
    ]  # fmt: skip

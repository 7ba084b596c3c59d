"""Away and back with pushed idle, side by side: X11 (SYNC alarms) and sway (org_kde_kwin_idle).

The same headless agent and config run twice: on the benchmark's Xvfb (xdotool moves
the pointer and taps Shift through XTEST) and on Debian's headless sway with no X
server at all (``wtype`` taps Shift through the virtual-keyboard protocol). Each run:
trials of "idle until away", how late past ``away_after`` the "away" POST arrives,
timed from just before the last input (an upper bound: it includes the input tool's
own start-up; timed from the tool's exit, a lower bound, in the note), and of "input
after away", from just before the input to the "available" POST. Then a window in
which the user stays away and the agent's CPU time and context switches are read from
/proc. CPU comes from schedstat (ns): the tick-based figure cannot resolve the 0.01
CPU-s/min target. ``[location]`` is off here: on a shared machine other processes'
network changes (counted in the note) make the location detector re-read the network,
which the footprint section measures; this one measures what being away costs.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.benchmarks.agents import Agent, AgentSettings, Backend
from tests.benchmarks.context import Context
from tests.benchmarks.desktop import Desktop
from tests.benchmarks.netwatch import NetlinkCounter
from tests.benchmarks.procstat import usage
from tests.benchmarks.report import Row, median, percentile

AWAY_AFTER = 2.0
WAKE_TARGET = 0.1  # wake-ups per second, away
CPU_TARGET = 0.01  # CPU-seconds per minute, away
BACK_TARGET = 0.1  # seconds, input -> "available" p95
LATE_TARGET = 0.05  # seconds past away_after


@dataclass
class SwayDesktop(Desktop):
    """The benchmark's desktop seen from a Wayland session: sway's socket, no X display."""

    socket: Path | None = None

    def env(self) -> dict[str, str]:
        env = super().env()
        env.pop("DISPLAY", None)
        env["WAYLAND_DISPLAY"] = str(self.socket)
        return env


@contextlib.contextmanager
def _x11(ctx: Context) -> Iterator[tuple[Desktop, Callable[[], None]]]:
    ctx.desktop.need("display")
    yield ctx.desktop, ctx.desktop.move_mouse


@contextlib.contextmanager
def _sway(ctx: Context) -> Iterator[tuple[Desktop, Callable[[], None]]]:
    from tests.platform.wayland_session import headless_sway, type_key

    with headless_sway() as socket:
        desk = SwayDesktop(pulse=ctx.desktop.pulse, logind=ctx.desktop.logind, socket=socket)
        yield desk, lambda: type_key(socket)


def _source(agent: Agent) -> str:
    from agent import ipc

    reply = ipc.request(agent.workdir / "run" / "agent.sock", {"cmd": "status"}, 5.0)
    return str(reply["snapshot"]["detection"]["sources"]["idle"])


def _run(
    ctx: Context, name: str, desk: Desktop, user_input: Callable[[], None]
) -> tuple[list[Row], dict[str, Any]]:
    late: list[float] = []
    late_after_tool: list[float] = []
    back: list[float] = []
    window = ctx.pick(120, 20)
    settings = AgentSettings(away_after=f"{AWAY_AFTER:g}s", location=False)
    with Backend() as backend, Agent(ctx.workdir(f"push-{name}"), desk, backend, settings) as agent:
        agent.first_report()
        source = _source(agent)
        for _ in range(ctx.trials(20, 5)):
            last_input = time.monotonic()
            user_input()
            tool_done = time.monotonic()
            went = backend.wait_status("away", last_input, timeout=AWAY_AFTER + 10)
            late.append(went - last_input - AWAY_AFTER)
            late_after_tool.append(went - tool_done - AWAY_AFTER)
            time.sleep(random.uniform(0.0, 1.0))  # a random moment while away, not a wait
            started = time.monotonic()
            user_input()
            back.append(backend.wait_status("available", started, timeout=10) - started)
        last_input = time.monotonic()
        user_input()
        backend.wait_status("away", last_input, timeout=AWAY_AFTER + 10)
        netlink = NetlinkCounter()
        try:
            before = usage(agent.pid)
            time.sleep(window)  # the measurement window itself: the user stays away
            spent = usage(agent.pid).minus(before)
            network_changes = netlink.take()
        finally:
            netlink.close()
        agent.check_alive()
    label = f"{name} ({source})"
    cpu = spent.cpu_ns / 1e9 * 60 / window
    trials = f"{len(back)} trials"
    rows = [
        Row("idle push", f"{label}: away {window:g} s, headless wake-ups", spent.switches / window,
            "/s", WAKE_TARGET, f"{spent.threads} threads; [location] off: {network_changes} "
            "rtnetlink messages from other processes meanwhile"),
        Row("idle push", f"{label}: away {window:g} s, headless CPU", cpu, "CPU-s/min",
            CPU_TARGET, f"schedstat; ticks {spent.cpu_seconds * 60 / window:.3f}"),
        Row("idle push", f"{label}: input after away -> available median", median(back), "s",
            note=trials),
        Row("idle push", f"{label}: input after away -> available p95", percentile(back, 95), "s",
            BACK_TARGET),
        Row("idle push", f"{label}: idle -> away, past away_after (median)", median(late), "s",
            LATE_TARGET, f"away_after = {AWAY_AFTER:g}s"),
        Row("idle push", f"{label}: idle -> away, past away_after (p95)", percentile(late, 95),
            "s", LATE_TARGET, f"{trials}; timed from the input tool's exit instead: p95 "
            f"{percentile(late_after_tool, 95):.3f} s"),
    ]  # fmt: skip
    data = {
        "source": source,
        "available_s": back,
        "away_after_late_s": late,
        "away_after_late_from_tool_exit_s": late_after_tool,
        "away_window_s": window,
        "away_usage": vars(spent),
        "rtnetlink_messages": network_changes,
    }
    return rows, data


def idle_push(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    """X11 then sway, each in one run of this section, so the figures sit side by side."""
    rows: list[Row] = []
    data: dict[str, Any] = {}
    for name, session in (("X11", _x11), ("sway", _sway)):
        with session(ctx) as (desk, user_input):
            more, data[name] = _run(ctx, name, desk, user_input)
        rows += more
    return rows, data

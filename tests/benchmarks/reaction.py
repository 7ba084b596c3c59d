"""Reaction: from a real event to the matching report arriving at the loopback backend.

Each trial stamps ``time.monotonic()`` just before the event (spawning xdotool,
spawning parecord, the D-Bus call that sets logind's ``LockedHint``) and ends when
the Audian server receives the POST. Trials start at a random offset so the
agent's own timers (the 0.5 s poll while away) are sampled at every phase.
"""

from __future__ import annotations

import random
import time
from typing import Any

from tests.benchmarks.agents import Agent, AgentSettings, Backend
from tests.benchmarks.context import Context
from tests.benchmarks.report import Row, median, percentile

SESSION_IFACE = "org.freedesktop.login1.Session"


def _jitter(limit: float) -> None:
    # Deliberate: spreads the event over the agent's timer phase (not synchronisation).
    time.sleep(random.uniform(0.0, limit))


def _rows(metric: str, values: list[float], target: float | None, note: str) -> list[Row]:
    return [
        Row("reaction", f"{metric} median", median(values), "s", target, note),
        Row("reaction", f"{metric} p95", percentile(values, 95), "s", target),
    ]


def return_from_away(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    """Away (idle past ``away_after``), then xdotool input -> "available" arrives."""
    ctx.desktop.need("display")
    away_after = 2.0
    settings = AgentSettings(away_after=f"{away_after:g}s")
    back: list[float] = []
    late: list[float] = []
    with Backend() as backend, Agent(ctx.workdir("away"), ctx.desktop, backend, settings) as agent:
        agent.first_report()
        for _ in range(ctx.trials(20, 5)):
            last_input = time.monotonic()
            ctx.desktop.move_mouse()
            went = backend.wait_status("away", last_input, timeout=away_after + 10)
            late.append(went - last_input - away_after)
            _jitter(1.0)
            started = time.monotonic()
            ctx.desktop.move_mouse()
            back.append(backend.wait_status("available", started, timeout=10) - started)
    rows = _rows("input after away -> available", back, 1.0, f"{len(back)} trials, xdotool")
    rows.append(
        Row(
            "reaction",
            "idle -> away, past away_after (median)",
            median(late),
            "s",
            note=f"away_after = {away_after:g}s for the trials",
        )
    )
    return rows, {"available_s": back, "away_after_late_s": late, "away_after_s": away_after}


def call(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    """``parecord --client-name=zoom`` starting -> "busy" arrives (min_duration included)."""
    ctx.desktop.need("pulse")
    from tests.detectors.pulse_server import stop_process

    min_duration = 2.0  # the default [call].min_duration, left as configured
    settings = AgentSettings(away_after="24h", hold_after="1s")
    busy: list[float] = []
    done: list[float] = []
    pulse = ctx.desktop.pulse
    with Backend() as backend, Agent(ctx.workdir("call"), ctx.desktop, backend, settings) as agent:
        agent.first_report()
        for _ in range(ctx.trials(20, 5)):
            _jitter(0.5)
            started = time.monotonic()
            recorder = pulse.record("--client-name=zoom")
            try:
                busy.append(backend.wait_status("busy", started, timeout=15) - started)
            finally:
                stopped = time.monotonic()
                stop_process(recorder)
                pulse.children.remove(recorder)
            done.append(backend.wait_status("available", stopped, timeout=15) - stopped)
    rows = _rows(
        "recording starts -> busy",
        busy,
        None,
        f"{len(busy)} trials; includes min_duration = {min_duration:g}s (default)",
    )
    overhead = [b - min_duration for b in busy]
    rows.append(
        Row(
            "reaction",
            "  of which beyond min_duration (median)",
            median(overhead),
            "s",
            note="detection + delivery",
        )
    )
    rows.append(
        Row(
            "reaction",
            "recording stops -> available (median)",
            median(done),
            "s",
            note="includes hold_after = 1s (set for the trials)",
        )
    )
    return rows, {"busy_s": busy, "available_after_stop_s": done, "min_duration_s": min_duration}


def lock(ctx: Context) -> tuple[list[Row], dict[str, Any]]:
    """logind ``LockedHint`` true -> "away" arrives; false -> "available"."""
    ctx.desktop.need("logind")
    session = ctx.desktop.logind
    away: list[float] = []
    back: list[float] = []
    settings = AgentSettings(away_after="24h")
    with Backend() as backend, Agent(ctx.workdir("lock"), ctx.desktop, backend, settings) as agent:
        agent.first_report()
        for _ in range(ctx.trials(20, 5)):
            _jitter(0.3)
            started = time.monotonic()
            session.SetLockedHint(True, dbus_interface=SESSION_IFACE)
            away.append(backend.wait_status("away", started, timeout=10) - started)
            _jitter(0.3)
            started = time.monotonic()
            session.SetLockedHint(False, dbus_interface=SESSION_IFACE)
            back.append(backend.wait_status("available", started, timeout=10) - started)
    rows = _rows("lock -> away", away, None, f"{len(away)} trials, mock logind LockedHint")
    rows += _rows("unlock -> available", back, 1.0, "")
    return rows, {"away_s": away, "available_s": back}

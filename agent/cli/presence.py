"""``status``, ``set``, ``clear``, ``pause``, ``resume``, ``pin``: talk to the running agent."""

from __future__ import annotations

import argparse
import json
import re
from datetime import datetime
from typing import Any

from agent.cli.exit_codes import CliError, ExitCode
from agent.cli.talk import ask, paths_for
from agent.core.durations import parse_duration
from agent.core.model import Status
from agent.protocol import Request, Snapshot

UNTIL_WORDS = ("today", "tomorrow", "week", "never")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")


def register(commands: Any) -> None:
    status = commands.add_parser("status", help="show the current presence and why")
    status.add_argument("--json", action="store_true", help="the full snapshot as JSON")
    status.set_defaults(func=show_status)

    names = ", ".join(s.value for s in Status)
    set_ = commands.add_parser("set", help="set your status by hand")
    set_.add_argument("status", metavar="STATUS", help=f"one of {names}")
    set_.add_argument("--message", metavar="TEXT", default="", help="status message")
    set_.add_argument(
        "--for",
        dest="duration",
        metavar="DURATION",
        default="",
        help='how long: "30m", "2h", "today", "tomorrow", "week", "14:30" (default: until cleared)',
    )
    set_.set_defaults(func=set_status)

    clear = commands.add_parser("clear", help="back to automatic status")
    clear.set_defaults(func=lambda args: _simple(args, {"cmd": "clear"}, "Back to automatic."))

    pause = commands.add_parser("pause", help="keep the current status for a while")
    pause.add_argument("duration", metavar="DURATION", help='e.g. "1h", "today"')
    pause.set_defaults(func=pause_agent)

    resume = commands.add_parser("resume", help="end a pause")
    resume.set_defaults(func=lambda args: _simple(args, {"cmd": "resume"}, "Resumed."))

    pin = commands.add_parser("pin", help="pin your location (or `auto` to detect it)")
    pin.add_argument("location", metavar="LOCATION|auto")
    pin.set_defaults(func=pin_location)


def check_until(spec: str) -> str:
    """``spec`` if the agent will understand it as an end time; CliError (exit 2) otherwise."""
    text = spec.strip().lower()
    if not text or text in UNTIL_WORDS or _CLOCK.match(text):
        return text
    try:
        parse_duration(text)
        return text
    except ValueError:
        pass
    try:
        datetime.fromisoformat(spec.strip())
        return spec.strip()
    except ValueError:
        raise CliError(
            f"{spec!r} is not a duration: use e.g. 30m, 2h, today, tomorrow, week or 14:30",
            ExitCode.BAD_INPUT,
        ) from None


def parse_status(text: str) -> Status:
    wanted = text.strip().lower().replace(" ", "").replace("-", "")
    aliases = {"donotdisturb": "dnd", "appearoffline": "invisible"}
    try:
        return Status(aliases.get(wanted, wanted))
    except ValueError:
        names = ", ".join(s.value for s in Status)
        raise CliError(f"unknown status {text!r}; use one of {names}", ExitCode.BAD_INPUT) from None


def set_status(args: argparse.Namespace) -> int:
    status = parse_status(args.status)
    until = check_until(args.duration)
    request: Request = {"cmd": "set", "status": status.value, "message": args.message, "for": until}
    reply = ask(paths_for(args), request)
    print(_summary(reply.get("snapshot")) or f"Status set to {status.label}.")
    return ExitCode.OK


def pause_agent(args: argparse.Namespace) -> int:
    until = check_until(args.duration)
    return _simple(args, {"cmd": "pause", "for": until}, "Paused.")


def pin_location(args: argparse.Namespace) -> int:
    location = None if args.location.lower() == "auto" else args.location
    message = "Location detected automatically." if location is None else f"Pinned to {location}."
    return _simple(args, {"cmd": "pin", "location": location}, message)


def _simple(args: argparse.Namespace, request: Request, done: str) -> int:
    reply = ask(paths_for(args), request)
    print(_summary(reply.get("snapshot")) or done)
    return ExitCode.OK


def show_status(args: argparse.Namespace) -> int:
    reply = ask(paths_for(args), {"cmd": "status"})
    snapshot = reply.get("snapshot")
    if args.json:
        print(json.dumps(snapshot or {}, indent=2, sort_keys=True))
        return ExitCode.OK
    if snapshot is None:
        raise CliError("the agent sent no status")
    print(_summary(snapshot))
    for line in _details(snapshot):
        print(line)
    return ExitCode.OK


def _summary(snapshot: Snapshot | None) -> str:
    # Read with .get: an agent of another version may leave a key out.
    if not snapshot:
        return ""
    label = snapshot.get("label") or snapshot.get("status", "?")
    reason = snapshot.get("reason_text") or ""
    line = f"{label}" + (f" ({reason})" if reason else "")
    if snapshot.get("message"):
        line += f": {snapshot['message']}"
    return line


def _details(snapshot: Snapshot) -> list[str]:
    lines = []
    if snapshot.get("until"):
        lines.append(f"  until     {snapshot['until']}")
    location = snapshot.get("location")
    if location:
        lines.append(f"  location  {location.get('name') or location.get('id')}")
    if snapshot.get("paused_until"):
        lines.append(f"  paused    until {snapshot['paused_until']}")
    meeting = snapshot.get("meeting")
    if meeting:
        lines.append(f"  meeting   {meeting.get('title', '')} (until {meeting.get('end', '?')})")
    for name, backend in sorted(snapshot.get("backends", {}).items()):
        state = backend.get("state", "?")
        extra = f", {backend['queue_depth']} queued" if backend.get("queue_depth") else ""
        error = f": {backend['last_error']}" if backend.get("last_error") else ""
        lines.append(f"  backend   {name} ({backend.get('type', '?')}) {state}{extra}{error}")
    detection = snapshot.get("detection")
    if detection and detection.get("degraded"):
        lines.append("  detection degraded: " + "; ".join(detection.get("notes", [])))
    for problem in snapshot.get("config", {"path": "", "problems": []}).get("problems", []):
        lines.append(f"  config    {problem}")
    return lines

"""``presence-agent run [--headless] [--config PATH]``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from agent.cli.talk import paths_for
from agent.config.paths import Paths


def register(commands: Any) -> None:
    parser = commands.add_parser("run", help="start the agent (tray app, or --headless)")
    parser.add_argument(
        "--headless", action="store_true", help="no tray icon: run the service only"
    )
    parser.add_argument("--config", metavar="PATH", help="use this config file")
    parser.add_argument(
        "--autostart",
        action="store_true",
        help="started at log-in by the OS: exit quietly if AutoStart is never or an agent runs",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    paths = paths_for(args)
    if args.autostart and not _should_autostart(paths):
        return 0
    _follow_autostart_policy(paths)
    if not args.headless:
        reason = _tray_unavailable()
        if reason is None:
            from agent.ui.main import run_tray

            return run_tray(paths)
        print(f"presence-agent: {reason}; running headless instead", file=sys.stderr)
    from agent.app import run_headless

    return run_headless(paths)


def _follow_autostart_policy(paths: Paths) -> None:
    """An ``AutoStart`` of always/never set by IT is applied each time the agent starts."""
    from agent.autostart import CannotAutostart, apply_policy, entry_for_platform
    from agent.config_checks import ConfigError, load_config

    try:
        policy = load_config(paths).config.general.autostart
        if apply_policy(entry_for_platform(), policy):
            print(f"presence-agent: start at log-in set to follow AutoStart = {policy}")
    except (ConfigError, OSError):
        pass  # the agent reports config problems itself; autostart waits for a good file
    except CannotAutostart as error:
        print(f"presence-agent: start at log-in not set: {error}", file=sys.stderr)


def _should_autostart(paths: Paths) -> bool:
    """At log-in: start unless IT says never, or an agent already runs for this user.

    The system-wide entries (XDG autostart, the MSI's Run value, the LaunchAgent) start
    every user's agent; a user who turned start-at-login off has the per-user override
    that each OS provides, and ``AutoStart = never`` stops it here.
    """
    from agent import ipc
    from agent.config_checks import ConfigError, load_config

    try:
        if load_config(paths).config.general.autostart == "never":
            return False
    except (ConfigError, OSError):
        pass  # a broken file must not stop the agent that reports it
    try:
        ipc.request(paths.socket_path, {"cmd": "status"}, timeout=2.0)
    except Exception:
        return True
    return False


def _tray_unavailable() -> str | None:
    """Why the tray app cannot start here, or ``None`` when it can."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return "no graphical display (DISPLAY/WAYLAND_DISPLAY unset)"
    try:
        import importlib.util

        if importlib.util.find_spec("PySide6") is None:
            return "the Qt libraries (PySide6) are not installed"
        if importlib.util.find_spec("agent.ui.main") is None:
            return "this build has no tray app"
    except (ImportError, ValueError):
        return "the Qt libraries (PySide6) cannot be loaded"
    return None

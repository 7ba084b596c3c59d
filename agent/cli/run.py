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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    paths = paths_for(args)
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
    from agent.autostart import apply_policy, entry_for_platform
    from agent.config.loader import ConfigError, load_config

    try:
        policy = load_config(paths).config.general.autostart
        if apply_policy(entry_for_platform(), policy):
            print(f"presence-agent: start at log-in set to follow AutoStart = {policy}")
    except (ConfigError, OSError):
        pass  # the agent reports config problems itself; autostart waits for a good file


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

"""``presence-agent doctor``: check config, keyring, detectors, backends and the agent."""

from __future__ import annotations

import argparse
from typing import Any

from agent.cli.talk import paths_for


def register(commands: Any) -> None:
    parser = commands.add_parser("doctor", help="diagnose this machine's set-up")
    parser.set_defaults(func=doctor)


def doctor(args: argparse.Namespace) -> int:
    from agent import doctor as checks

    return checks.run(paths_for(args))

"""``presence-agent autostart enable|disable|status`` (obeys the ``AutoStart`` policy)."""

from __future__ import annotations

import argparse
from typing import Any

from agent.cli.exit_codes import CliError, ExitCode
from agent.cli.talk import paths_for


def register(commands: Any) -> None:
    parser = commands.add_parser("autostart", help="start the agent at log-in")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, text in (
        ("enable", "start at log-in"),
        ("disable", "do not start at log-in"),
        ("status", "show whether the agent starts at log-in"),
    ):
        sub = actions.add_parser(action, help=text)
        sub.set_defaults(func=autostart)


def _policy(args: argparse.Namespace) -> str:
    from agent.config_checks import ConfigError, load_config

    try:
        return load_config(paths_for(args)).config.general.autostart
    except ConfigError as error:
        raise CliError(
            "the configuration has problems; run `presence-agent config check`", ExitCode.FAILURE
        ) from error


def autostart(args: argparse.Namespace) -> int:
    from agent.autostart import CannotAutostart, entry_for_platform, set_enabled

    policy = _policy(args)
    entry = entry_for_platform()
    if args.action != "status":
        try:
            set_enabled(entry, args.action == "enable", policy)
        except CannotAutostart as error:
            raise CliError(str(error)) from None
    state = "enabled" if entry.is_enabled() else "disabled"
    print(f"Start at log-in: {state} ({entry.describe()})")
    if policy != "user-decides":
        print(f"Managed by your organisation: AutoStart = {policy}")
    return ExitCode.OK

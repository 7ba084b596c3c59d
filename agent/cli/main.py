"""``presence-agent``: the command line. One module per command group, heavy imports inside.

Start-up must stay fast (``status`` is run by scripts and shell prompts), so this
module and the command modules import only the standard library at the top.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence

from agent import __version__
from agent.cli import autostart, config, doctor, presence, run, secret
from agent.cli.exit_codes import CliError, ExitCode

GROUPS = (run, presence, secret, config, doctor, autostart)
HELPER = "_read-secrets"
CALENDAR_HELPER = "_parse-calendar"
PROVISION_HELPER = "_provision-secrets"


def _read_secrets() -> int:
    from agent.secret_cache import serve_helper

    return serve_helper()


def _parse_calendar() -> int:
    from agent.detectors.calendar_helper import serve_helper

    return serve_helper()


def _provision_secrets() -> int:
    from agent.secret_provisioning import serve_helper

    return serve_helper()


#: Not user commands: the short-lived helpers the running agent starts, so that the
#: keyring stack and calendar parsing never stay resident in it.
HELPERS: dict[str, Callable[[], int]] = {
    HELPER: _read_secrets,
    CALENDAR_HELPER: _parse_calendar,
    PROVISION_HELPER: _provision_secrets,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="presence-agent",
        description="Knows whether you are available and keeps presence systems up to date.",
        epilog="Exit codes: 0 ok, 1 failure, 2 bad input, 3 agent not running.",
    )
    parser.add_argument("--version", action="version", version=f"presence-agent {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # platformdirs warns on every run when there is no XDG_RUNTIME_DIR (ssh, cron); the agent
    # and the CLI agree on the same fallback directory, so the warning is only noise here.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    arguments = list(sys.argv[1:] if argv is None else argv)
    if len(arguments) == 1 and arguments[0] in HELPERS:
        return HELPERS[arguments[0]]()
    parser = build_parser()
    args = parser.parse_args(arguments)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return ExitCode.BAD_INPUT
    try:
        return int(args.func(args))
    except CliError as error:
        print(f"presence-agent: {error}", file=sys.stderr)
        return int(error.code)
    except KeyboardInterrupt:
        return ExitCode.FAILURE
    except BrokenPipeError:
        # `presence-agent config show | head`: the reader left; say nothing more.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.FAILURE

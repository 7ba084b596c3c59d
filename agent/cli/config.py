"""``presence-agent config check [PATH] | path | show [--origin]``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from agent.cli.exit_codes import CliError, ExitCode
from agent.config.paths import Paths


def register(commands: Any) -> None:
    parser = commands.add_parser("config", help="check and show the configuration")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate a config file (exit 2 when invalid)")
    check.add_argument("path", metavar="PATH", nargs="?", help="default: the agent's config file")
    check.set_defaults(func=check_config)
    path = actions.add_parser("path", help="print where the config file is")
    path.set_defaults(func=print_path)
    show = actions.add_parser("show", help="print every effective setting")
    show.add_argument("--origin", action="store_true", help="also where each setting came from")
    show.set_defaults(func=show_config)


def _paths(path: str | None = None) -> Paths:
    paths = Paths.from_environment()
    if path:
        paths = dataclasses.replace(paths, config_file=Path(path))
    return paths


def _load(paths: Paths) -> Any:
    from agent.config_checks import ConfigError, load_config

    try:
        return load_config(paths)
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        count = len(error.problems)
        raise CliError(
            f"{paths.config_file} has {count} problem{'s' if count != 1 else ''}",
            ExitCode.BAD_INPUT,
        ) from None


def check_config(args: argparse.Namespace) -> int:
    paths = _paths(args.path)
    if args.path and not paths.config_file.exists():
        raise CliError(f"{paths.config_file}: no such file", ExitCode.BAD_INPUT)
    loaded = _load(paths)
    for problem in loaded.problems:
        print(f"policy: {problem}", file=sys.stderr)
    if not loaded.file_found:
        print(f"{paths.config_file}: no file; the built-in defaults are used")
    if loaded.problems:
        raise CliError("the managed policy has problems (see above)", ExitCode.BAD_INPUT)
    if loaded.file_found:
        print(f"{paths.config_file}: OK")
    for source in loaded.policy_sources:
        print(f"policy {source}: OK")
    return ExitCode.OK


def print_path(args: argparse.Namespace) -> int:
    print(_paths().config_file)
    return ExitCode.OK


def show_config(args: argparse.Namespace) -> int:
    from agent.config.loader import settings

    loaded = _load(_paths())
    for problem in loaded.problems:
        print(f"policy: {problem}", file=sys.stderr)
    values = settings(loaded.config, render=True)
    width = max(len(key) for key in values)
    for key, value in values.items():
        text = f"{key} = {json.dumps(value, default=str)}"
        if args.origin:
            origin = loaded.origins.get(key, "default")
            text = f"{key:<{width}} = {json.dumps(value, default=str):<30} [{origin}]"
        print(text.rstrip())
    return ExitCode.OK

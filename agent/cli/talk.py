"""Asking the running agent over the local socket, with the CLI's error reporting."""

from __future__ import annotations

import argparse

from agent.cli.exit_codes import CliError, ExitCode
from agent.config.paths import Paths
from agent.protocol import Reply, Request


def paths_for(args: argparse.Namespace) -> Paths:
    return Paths.from_environment(config_override=getattr(args, "config", None))


def ask(paths: Paths, message: Request, timeout: float = 10.0) -> Reply:
    """The agent's reply to ``message``; CliError with the right exit code otherwise."""
    from agent import ipc

    try:
        reply = ipc.request(paths.socket_path, message, timeout=timeout)
    except ipc.AgentNotRunning:
        raise CliError(
            "the agent is not running (start it with `presence-agent run`)",
            ExitCode.NOT_RUNNING,
        ) from None
    except TimeoutError:
        raise CliError(f"the agent did not answer within {timeout:g}s") from None
    except (OSError, ValueError) as error:
        raise CliError(f"could not talk to the agent: {error}") from None
    if not reply.get("ok", False):
        code = ExitCode.BAD_INPUT if reply.get("code") == ExitCode.BAD_INPUT else ExitCode.FAILURE
        raise CliError(str(reply.get("error") or "the agent refused the request"), code)
    return reply

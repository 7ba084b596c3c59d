"""The command line's exit codes (scripts and installers rely on them) and its error.

:class:`ExitCode` is defined with the wire (:mod:`agent.protocol`), where a failed
reply carries one, so the agent and the tray need not import the command line.
"""

from __future__ import annotations

from agent.protocol import ExitCode

__all__ = ["CliError", "ExitCode"]


class CliError(Exception):
    """Ends a command with ``message`` on stderr and ``code`` as the exit status."""

    def __init__(self, message: str, code: ExitCode = ExitCode.FAILURE) -> None:
        super().__init__(message)
        self.code = code

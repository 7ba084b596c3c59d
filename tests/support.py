"""Helpers for tests: waiting on a condition with a deadline (never a bare sleep), the CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]


def wait_until(
    condition: Callable[[], T], timeout: float = 10.0, interval: float = 0.02, what: str = ""
) -> T:
    """Poll ``condition`` until it returns a truthy value or ``timeout`` passes.

    This is a wait on a condition with a deadline, not a sleep used as synchronisation.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(interval)


async def until(
    condition: Callable[[], object], timeout: float = 10.0, what: str = "", interval: float = 0.01
) -> None:
    """The asyncio twin of :func:`wait_until`: the loop keeps running while it waits."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        await asyncio.sleep(interval)


def run_cli(
    *args: str, stdin: str = "", env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``presence-agent ARGS`` as users run it: a real process and its real exit code.

    ``env`` is laid over this process's environment (the ``agent_paths`` variables).
    """
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )

"""The Windows lane: the Windows-relevant tests run by the Windows CPython under Wine.

``python -m tests.wine.run_lane [pytest args]`` (``make test-windows``): starts an Xvfb of
its own (the session windows need a display), makes or reuses the cached set-up
(:mod:`tests.wine.winepython`), copies it into a throw-away prefix, and runs pytest there
on :data:`WINDOWS_TESTS`. Tests that cannot run on Windows carry ``@pytest.mark.linux_only``
and are skipped there; nothing outside the throw-away prefix is touched (its registry
and Credential Manager are the ones the tests use). Exit code: pytest's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.wine.winepython import PROJECT, WinePython, prepared, throwaway_prefix, windows_path

WINDOWS_TESTS = (
    "tests/platform/windows",
    "tests/platform/test_windows_presence.py",
    "tests/detectors/test_call_windows.py",
    "tests/config/test_policy.py",
    "tests/test_autostart.py",
    "tests/test_ipc.py",
    "tests/e2e/test_windows_agent.py",
)
LANE_TIMEOUT = 900.0
PYTEST_OPTIONS = ("-W", "ignore::pytest.PytestConfigWarning", "-rfE")
"""pyproject's Qt/Xvfb options are for the Linux plugins, which this interpreter lacks."""


@contextmanager
def xvfb() -> Iterator[str]:
    """A private X display (``-noreset``: Wine's clients come and go)."""
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-noreset", "-screen", "0", "1280x800x24"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end) as numbers:
            display = numbers.readline().strip()
        if not display:
            raise RuntimeError("Xvfb did not start")
        yield f":{display}"
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def lane_interpreter(interpreter: WinePython) -> Iterator[WinePython]:
    """A hard-linked copy of the cached interpreter that may get this project's ``.pth``."""
    parent = Path(tempfile.mkdtemp(prefix="pa-wine-python-"))
    try:
        shutil.copytree(interpreter.python_dir, parent / "python", copy_function=os.link)
        copy = WinePython(parent)
        copy.template = interpreter.template
        copy.add_project(PROJECT)
        yield copy
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def main(argv: Sequence[str]) -> int:
    started = time.monotonic()
    with xvfb() as display:
        cached = prepared(display)
        with lane_interpreter(cached) as interpreter, throwaway_prefix(cached, display) as prefix:
            args = list(argv) or [*WINDOWS_TESTS]
            done = interpreter.run(
                ["-m", "pytest", "-q", "-p", "no:cacheprovider", *PYTEST_OPTIONS, *args],
                prefix,
                display,
                LANE_TIMEOUT,
                cwd=PROJECT,
                echo=True,
                extra_env={
                    "PA_IN_SESSION": "1",  # the prefix's Credential Manager is throw-away
                    "PA_WINE_PYTHON": windows_path(interpreter.python),
                    # no .pyc from the Windows side in the tree the Linux run also reads
                    "PYTHONDONTWRITEBYTECODE": "1",
                },
            )
    print(f"windows lane: exit {done.returncode} in {time.monotonic() - started:.0f} s")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

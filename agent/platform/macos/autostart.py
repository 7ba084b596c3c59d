"""Start at log-in on macOS: a LaunchAgent plist in ``~/Library/LaunchAgents``.

A package may install the same agent in ``/Library/LaunchAgents`` for every user;
a user switches that one off with ``launchctl disable gui/<uid>/<label>``.
"""

from __future__ import annotations

import os
import plistlib
import subprocess
from collections.abc import Callable
from pathlib import Path

LABEL = "com.presenceagent.agent"
SYSTEM_DIR = Path("/Library/LaunchAgents")

Runner = Callable[[list[str]], None]


def _launchctl(args: list[str]) -> None:
    subprocess.run(["launchctl", *args], check=False, capture_output=True)


class LaunchAgentEntry:
    def __init__(
        self, home: Path | None = None, system_dir: Path = SYSTEM_DIR, run: Runner = _launchctl
    ) -> None:
        self.user_file = (home or Path.home()) / "Library" / "LaunchAgents" / f"{LABEL}.plist"
        self.system_file = system_dir / f"{LABEL}.plist"
        self.run = run
        self._disabled_marker = self.user_file.with_suffix(".disabled")

    def is_enabled(self) -> bool:
        if self.user_file.exists():
            data = plistlib.loads(self.user_file.read_bytes())
            return bool(data.get("RunAtLoad")) and not data.get("Disabled", False)
        return self.system_file.exists() and not self._disabled_marker.exists()

    def enable(self, command: list[str]) -> None:
        self._disabled_marker.unlink(missing_ok=True)
        if self.system_file.exists():
            self.run(["enable", f"gui/{os.getuid()}/{LABEL}"])
            return
        plist = {
            "Label": LABEL,
            "ProgramArguments": command,
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        }
        self.user_file.parent.mkdir(parents=True, exist_ok=True)
        self.user_file.write_bytes(plistlib.dumps(plist))

    def disable(self) -> None:
        self.user_file.unlink(missing_ok=True)
        if self.system_file.exists():
            self.run(["disable", f"gui/{os.getuid()}/{LABEL}"])
            self._disabled_marker.parent.mkdir(parents=True, exist_ok=True)
            self._disabled_marker.touch()

    def describe(self) -> str:
        system = f" (system agent: {self.system_file})" if self.system_file.exists() else ""
        return f"{self.user_file}{system}"

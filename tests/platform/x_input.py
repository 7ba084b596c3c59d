"""Real input for the Xvfb display: xdotool moves the pointer between two spots."""

from __future__ import annotations

import itertools
import subprocess

_positions = itertools.cycle([(10, 10), (200, 150)])


def move_mouse() -> None:
    x, y = next(_positions)
    subprocess.run(["xdotool", "mousemove", str(x), str(y)], check=True, timeout=10)

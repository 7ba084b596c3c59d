"""Crash safety: SIGKILL the delivering process at random moments; nothing is lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from tests.delivery.loopback import FaultServer, unique_in_order
from tests.support import wait_until

ROOT = Path(__file__).resolve().parents[2]
COUNT = 200
KILLS = 6


def start_driver(tmp_path: Path, server: FaultServer) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.delivery.crash_driver",
            str(tmp_path / "outbox.sqlite"),
            str(tmp_path / "progress"),
            server.url,
            str(COUNT),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def progress(tmp_path: Path) -> int:
    try:
        return int((tmp_path / "progress").read_text())
    except (FileNotFoundError, ValueError):
        return 0


def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path, server: FaultServer) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    server.shared.delay = 0.02  # slow enough that kills land mid-request
    kills_mid_submit = 0
    for _ in range(KILLS):
        driver = start_driver(tmp_path, server)
        target = len(server.accepted) + rng.randint(3, 25)
        try:
            # Kill at a random point: after a random number of further deliveries.
            wait_until(
                lambda t=target, d=driver: len(server.accepted) >= t or d.poll() is not None,
                timeout=30,
                what=f"deliveries (seed {seed})",
            )
            if progress(tmp_path) < COUNT:
                kills_mid_submit += 1
        finally:
            driver.send_signal(signal.SIGKILL)
            driver.communicate()
    final = start_driver(tmp_path, server)
    out, _ = final.communicate(timeout=60)
    assert final.returncode == 0 and "drained" in out, f"seed {seed}: {out!r}"
    keys = server.accepted_keys()
    expected = [f"e{n:04d}" for n in range(COUNT)]
    assert unique_in_order(keys) == expected, f"seed {seed}"
    assert kills_mid_submit >= 1, "every kill came after the last submit; nothing was tested"
    print(f"seed {seed}: {len(keys) - COUNT} duplicates absorbed by de-duplication")

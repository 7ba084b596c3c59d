"""End to end: the headless agent reports the office when a real interface joins its subnet."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.config.paths import Paths
from tests.platform.veth import Veth, needs_root, veth  # noqa: F401
from tests.support import wait_until

CONFIG = """\
[schedule]
enabled = false

[location]
stable_for = "0s"

[[locations]]
id = "lab"
type = "level"
name = "Lab floor"
subnet = ["10.78.0.0/24"]
"""


def journal(paths: Paths) -> list[dict[str, Any]]:
    try:
        text = paths.journal_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def agent(agent_paths: Paths) -> Iterator[Paths]:
    agent_paths.config_file.write_text(CONFIG, encoding="utf-8")
    log = agent_paths.config_file.parent / "agent.out"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "agent", "run", "--headless"], stdout=out, stderr=out
        )
    try:
        yield agent_paths
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        print(Path(log).read_text())  # shown when the test fails


@needs_root
def test_headless_agent_journals_the_location_of_a_veth_subnet(agent: Paths, veth: Veth):  # noqa: F811
    first = wait_until(lambda: journal(agent), timeout=20, what="the first journal line")
    assert first[-1]["location"] is None

    veth.up("10.78.0.2/24")
    wait_until(
        lambda: journal(agent)[-1]["location"] is not None, timeout=10, what="the lab location"
    )
    assert journal(agent)[-1]["location"] == {"id": "lab", "type": "level", "name": "Lab floor"}

    veth.delete()
    wait_until(lambda: journal(agent)[-1]["location"] is None, timeout=10, what="remote")

"""End to end: the headless agent, a real PulseAudio server and a real parecord.

Recording turns the user busy in the local backend's journal within 3 s (the
engine's 2 s minimum included) and back to available after the hold time; a volume
meter, a recording of a monitor source and an app in ``call.ignore_apps`` never do.
Inside tests/session.sh (a throw-away keyring) the same changes are also asserted at
a loopback webhook receiver.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest

from agent.config.paths import Paths
from tests.agent_process import (
    WEBHOOK,
    journal,
    running_agent,
    signed_webhook,
    statuses,
    write_config,
)
from tests.detectors.pulse_server import PulseServer, pulse_server, stop_process
from tests.servers.webhook import WebhookServer
from tests.support import wait_until

pytestmark = pytest.mark.skipif(
    shutil.which("pulseaudio") is None or shutil.which("parecord") is None,
    reason="needs pulseaudio and parecord (tests/system-deps.sh)",
)

CONFIG = """
[idle]
away_after = "24h"
lock_is_away = false

[schedule]
enabled = false

[call]
hold_after = "2s"
ignore_apps = ["dictation-tool"]

[location]
mode = "off"
"""


@pytest.fixture
def receiver() -> Iterator[WebhookServer | None]:
    with signed_webhook() as server:
        yield server


@pytest.fixture
def agent(
    agent_paths: Paths, receiver: WebhookServer | None
) -> Iterator[tuple[Paths, PulseServer]]:
    write_config(agent_paths, CONFIG + (WEBHOOK.format(url=receiver.base_url) if receiver else ""))
    with pulse_server() as pulse, running_agent(agent_paths, {"PULSE_SERVER": pulse.server}) as run:
        run.wait_alive(
            lambda: statuses(agent_paths)[-1:] == ["available"],
            timeout=20,
            what="the agent's first journal line",
        )
        yield agent_paths, pulse


def test_recording_makes_the_agent_busy_then_available_after_hold(
    agent: tuple[Paths, PulseServer], receiver: WebhookServer | None
) -> None:
    paths, pulse = agent
    junk = [
        pulse.record("--property=media.name=Peak detect", "--client-name=pavucontrol"),
        pulse.record("--device=nullsink.monitor", "--client-name=zoom"),
        pulse.record("--client-name=dictation-tool"),
    ]
    wait_until(lambda: pulse.source_outputs() == len(junk), timeout=5, what="junk streams")
    started = time.monotonic()
    recorder = pulse.record("--client-name=zoom")
    wait_until(lambda: statuses(paths)[-1] == "busy", timeout=3.0, what="busy in the journal")
    assert time.monotonic() - started < 3.0
    busy = journal(paths)[-1]
    assert busy["reason"] == "rule:activeCall"
    stop_process(recorder)
    stopped = time.monotonic()
    # The junk streams still record: "available" proves none of them counts.
    wait_until(lambda: statuses(paths)[-1] == "available", timeout=6.0, what="available again")
    assert time.monotonic() - stopped >= 2.0  # held for call.hold_after
    assert statuses(paths)[-2:] == ["busy", "available"]
    if receiver is not None:  # the same changes reached a real HTTP presence service
        wait_until(
            lambda: [c["status"] for c in receiver.changes][-2:] == ["busy", "available"],
            timeout=5.0,
            what="the webhook receiver",
        )
    for stream in junk:
        stop_process(stream)

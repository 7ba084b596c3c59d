"""End to end: the headless agent, a real PulseAudio server and a real parecord.

Recording turns the user busy in the local backend's journal within 3 s (the
engine's 2 s minimum included) and back to available after the hold time; a
volume meter alone never does. Inside tests/session.sh (a throw-away keyring) the
same changes are also asserted at a loopback webhook receiver.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agent.config.paths import Paths
from tests.detectors.pulse_server import PulseServer, pulse_server, stop_process
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

[location]
mode = "off"
"""

WEBHOOK = """
[[backends]]
name = "local"
type = "local"

[[backends]]
name = "hook"
type = "webhook"
base_url = "{url}"
user_id = "u-1"
"""


class WebhookReceiver:
    """A loopback HTTP receiver standing in for a presence service."""

    def __init__(self) -> None:
        self.statuses: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if body.get("event") == "user.presence.changed":
                    receiver.statuses.append(body["data"]["status"])
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/presence"
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def journal(paths: Paths) -> list[dict[str, object]]:
    try:
        text = paths.journal_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def statuses(paths: Paths) -> list[object]:
    return [entry["status"] for entry in journal(paths)]


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver | None]:
    """Only inside tests/session.sh: the secret goes to its throw-away keyring."""
    if not os.environ.get("PA_IN_SESSION"):
        yield None
        return
    from agent.secrets import SecretStore

    SecretStore().set("hook", "signing_secret", "e2e-signing-secret")
    running = WebhookReceiver()
    yield running
    running.close()


@pytest.fixture
def agent(
    agent_paths: Paths, receiver: WebhookReceiver | None
) -> Iterator[tuple[Paths, PulseServer]]:
    config = CONFIG + (WEBHOOK.format(url=receiver.url) if receiver else "")
    agent_paths.config_file.write_text(config, encoding="utf-8")
    with pulse_server() as pulse:
        env = {**os.environ, "PULSE_SERVER": pulse.server}
        log = agent_paths.log_dir / "stderr.txt"
        agent_paths.log_dir.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "agent", "run", "--headless"],
                env=env,
                cwd=Path(__file__).parents[2],
                stdout=stderr,
                stderr=stderr,
            )
        try:
            wait_until(
                lambda: statuses(agent_paths)[-1:] == ["available"] or process.poll() is not None,
                timeout=20,
                what="the agent's first journal line",
            )
            assert process.poll() is None, log.read_text()
            yield agent_paths, pulse
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def test_recording_makes_the_agent_busy_then_available_after_hold(
    agent: tuple[Paths, PulseServer], receiver: WebhookReceiver | None
) -> None:
    paths, pulse = agent
    meter = pulse.record("--property=media.name=Peak detect", "--client-name=pavucontrol")
    wait_until(lambda: pulse.source_outputs() == 1, timeout=5, what="meter stream")
    started = time.monotonic()
    recorder = pulse.record("--client-name=zoom")
    wait_until(lambda: statuses(paths)[-1] == "busy", timeout=3.0, what="busy in the journal")
    assert time.monotonic() - started < 3.0
    busy = journal(paths)[-1]
    assert busy["reason"] == "rule:activeCall"
    stop_process(recorder)
    stopped = time.monotonic()
    wait_until(lambda: statuses(paths)[-1] == "available", timeout=6.0, what="available again")
    assert time.monotonic() - stopped >= 2.0  # held for call.hold_after
    assert statuses(paths)[-2:] == ["busy", "available"]
    if receiver is not None:  # the same changes reached a real HTTP presence service
        wait_until(lambda: receiver.statuses[-2:] == ["busy", "available"], timeout=5.0)
    stop_process(meter)

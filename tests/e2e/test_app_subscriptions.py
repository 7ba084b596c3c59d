"""The headless agent's subscription, activate and quit, over its real socket."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from agent import ipc
from agent.config.paths import Paths
from tests.agent_process import running_agent, write_config
from tests.support import wait_until

CONFIG = """
[schedule]
enabled = false

[[backends]]
name = "local"
type = "local"

[[backends]]
name = "hub"
type = "webhook"
base_url = "{url}"
"""


class Hub(BaseHTTPRequestHandler):
    """A webhook receiver that answers with :attr:`status` (changed by the test)."""

    status = 204

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hub() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()
    Hub.status = 204


def test_subscribers_hear_presence_and_delivery_changes_then_quit(
    agent_paths: Paths, hub: str
) -> None:
    from agent.secrets import SecretStore

    if not os.environ.get("PA_IN_SESSION"):
        pytest.skip("stores a secret: only in tests/session.sh's throw-away keyring")
    SecretStore().set("hub", "signing_secret", "hub-test-secret")  # the session's keyring
    write_config(agent_paths, CONFIG.format(url=hub))
    with running_agent(agent_paths) as agent:
        path = agent_paths.socket_path
        agent.wait_alive(path.exists, timeout=20, what="the agent's socket")
        assert ipc.request(path, {"cmd": "activate"})["ui"] is False
        subscription = ipc.Subscription(path)
        pushed: list[dict[str, Any]] = []
        reader = threading.Thread(target=lambda: pushed.extend(subscription), daemon=True)
        reader.start()
        try:
            wait_until(lambda: pushed, what="the current snapshot at once")
            wait_until(lambda: _hub_state(path) == "ok", what="the first change delivered")
            Hub.status = 503
            assert ipc.request(path, {"cmd": "activate"})["ui"] is True
            wait_until(lambda: any(p.get("activate") for p in pushed), what="the activation")
            ipc.request(path, {"cmd": "set", "status": "busy", "for": ""})

            def retrying() -> bool:
                return any(p["backends"]["hub"]["state"] == "retrying" for p in pushed)

            # Pushed by the agent without being asked: delivery of "busy" fails after
            # the request's own push (which showed the hub still ok).
            wait_until(retrying, timeout=20, what="the hub's failure to be pushed")
        finally:
            subscription.close()
            reader.join(5)
        wait_until(
            lambda: ipc.request(path, {"cmd": "activate"})["ui"] is False,
            what="the subscriber to be gone",
        )
        assert ipc.request(path, {"cmd": "quit"})["ok"] is True
        assert agent.process.wait(15) == 0


def _hub_state(path: Any) -> str:
    return str(ipc.request(path, {"cmd": "status"})["snapshot"]["backends"]["hub"]["state"])

"""End to end: the headless agent reports the office when a real interface joins its subnet.

The location is asserted in the ``local`` backend's journal and, inside
tests/session.sh (a throw-away keyring), at a loopback webhook receiver.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.config.paths import Paths
from tests.agent_process import WEBHOOK, journal, running_agent, signed_webhook, write_config
from tests.platform.veth import Veth, needs_root, veth  # noqa: F401
from tests.servers.webhook import WebhookServer
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
LAB = {"id": "lab", "type": "level", "name": "Lab floor"}


@pytest.fixture
def agent(agent_paths: Paths) -> Iterator[tuple[Paths, WebhookServer | None]]:
    with signed_webhook() as receiver:
        hook = WEBHOOK.format(url=receiver.base_url) if receiver else ""
        write_config(agent_paths, CONFIG + hook)
        with running_agent(agent_paths):
            yield agent_paths, receiver


def reported(receiver: WebhookServer | None) -> list[object]:
    return [change["location"] for change in receiver.changes] if receiver else []


@needs_root
def test_headless_agent_journals_the_location_of_a_veth_subnet(
    agent: tuple[Paths, WebhookServer | None],
    veth: Veth,  # noqa: F811
) -> None:
    paths, receiver = agent
    first = wait_until(lambda: journal(paths), timeout=20, what="the first journal line")
    assert first[-1]["location"] is None

    veth.up("10.78.0.2/24")
    wait_until(lambda: journal(paths)[-1]["location"] is not None, timeout=10, what="the lab")
    assert journal(paths)[-1]["location"] == LAB
    if receiver is not None:  # the same location reached a real HTTP presence service
        wait_until(lambda: reported(receiver)[-1:] == [LAB], timeout=5, what="the lab at the hook")
        assert reported(receiver)[0] is None

    veth.delete()
    wait_until(lambda: journal(paths)[-1]["location"] is None, timeout=10, what="remote")
    if receiver is not None:
        wait_until(lambda: reported(receiver)[-1] is None, timeout=5, what="remote at the hook")

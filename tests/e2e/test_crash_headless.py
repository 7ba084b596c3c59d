"""Crash safety of the real agent: ``python -m agent run --headless`` killed with SIGKILL.

The agent reads a calendar with many office meetings; its essentry backend (an event
backend) must deliver every one of them to a slow essentry contract server. The agent
is killed at random moments and started again; at the end the server has every
meeting, each exactly once after de-duplication by ``sourceId``.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agent.config.paths import Paths
from agent.secrets import SecretStore
from tests.agent_process import AgentRun, write_config
from tests.servers.essentry import EssentryServer

MEETINGS = 40
KILLS = 4


def calendar(now: datetime) -> str:
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    events = []
    for n in range(MEETINGS):
        begin = start + timedelta(minutes=30 * n)
        events.append(
            "BEGIN:VEVENT\r\n"
            f"UID:meeting-{n:03d}@example.com\r\n"
            f"DTSTAMP:{now:%Y%m%dT%H%M%SZ}\r\n"
            f"DTSTART:{begin:%Y%m%dT%H%M%SZ}\r\n"
            f"DTEND:{begin + timedelta(minutes=25):%Y%m%dT%H%M%SZ}\r\n"
            f"SUMMARY:Visit {n}\r\n"
            "LOCATION:HQ level 3\r\n"
            "END:VEVENT\r\n"
        )
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//presence-agent tests//EN\r\n"
        + "".join(events)
        + "END:VCALENDAR\r\n"
    )


def config(server: EssentryServer, ics: Path) -> str:
    return f"""
[user]
id = "ada"
email = "ada@example.com"
display_name = "Ada Lovelace"

[[locations]]
id = "hq-3"
type = "level"
name = "HQ level 3"

[[calendars]]
name = "work"
path = "{ics}"

[[backends]]
name = "visitors"
type = "essentry"
base_url = "{server.base_url}"
location_id = 123
entrance_id = 7
"""


def delivered(server: EssentryServer) -> list[str]:
    return [event["sourceId"] for r in server.accepted for event in r.json["events"]]


def test_headless_agent_killed_at_random_moments_delivers_every_meeting_once(
    agent_paths: Paths, tmp_path: Path
) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    secrets = SecretStore()
    secrets.set("visitors", "token", "essentry-token")
    secrets.set("visitors", "agent_token", "3c90c3cc-0d44-4b50-8888-8dd25736052a")
    ics = tmp_path / "work.ics"
    ics.write_text(calendar(datetime.now(UTC)), encoding="utf-8")
    expected = {f"meeting-{n:03d}@example.com" for n in range(MEETINGS)}
    with EssentryServer() as server:
        server.fail("slow", times=100_000, delay=0.05)  # every request takes a while
        write_config(agent_paths, config(server, ics))
        for _ in range(KILLS):
            agent = AgentRun.start(agent_paths)
            target = len(server.accepted) + rng.randint(1, 8)
            try:
                agent.wait_alive(
                    lambda t=target: len(server.accepted) >= t,
                    timeout=30,
                    what=f"deliveries (seed {seed})",
                )
            finally:
                agent.kill()
        agent = AgentRun.start(agent_paths)
        try:
            agent.wait_alive(
                lambda: set(delivered(server)) >= expected,
                timeout=60,
                what=f"every meeting (seed {seed})",
            )
        finally:
            agent.stop()
        keys = delivered(server)
        assert set(keys) == expected, f"seed {seed}: {agent.output_text()[-2000:]}"
        assert len(set(keys)) == MEETINGS  # each exactly once after de-duplication
        print(f"seed {seed}: {len(keys) - MEETINGS} duplicates absorbed by de-duplication")

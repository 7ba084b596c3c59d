"""End to end: the headless agent syncs office meetings to essentry and signs webhooks.

A real ICS file is the calendar; editing it (cancelling the meeting) must reach
essentry as a deletion, and each presence change must reach the webhook receiver
signed with the secret stored in gnome-keyring.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from agent.config.paths import Paths
from tests.agent_process import cli, running_agent, write_config
from tests.servers.essentry import EssentryServer
from tests.servers.webhook import WebhookServer
from tests.support import wait_until

AGENT = "3c90c3cc-0d44-4b50-8888-8dd25736052a"

CONFIG = """\
[user]
id = "user_123456"
email = "ada@example.com"
display_name = "Ada Lovelace"

[idle]
away_after = "24h"
lock_is_away = false

[schedule]
enabled = false

[[calendars]]
name = "work"
path = "{ics}"
refresh = "1s"
user_email = "ada@example.com"

[[backends]]
name = "visitors"
type = "essentry"
base_url = "{essentry}"
location_id = 123
entrance_id = 7
company_domains = ["example.com"]
location_filter = ["HQ Berlin"]

[[backends]]
name = "hook"
type = "webhook"
base_url = "{webhook}"
"""


def ics(start: datetime, status: str = "CONFIRMED") -> str:
    stamp = "%Y%m%dT%H%M%SZ"
    end = start + timedelta(hours=1)
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//test//EN",
            "BEGIN:VEVENT",
            "UID:visit-1@example.com",
            f"DTSTAMP:{start.strftime(stamp)}",
            f"DTSTART:{start.strftime(stamp)}",
            f"DTEND:{end.strftime(stamp)}",
            "SUMMARY:Supplier visit",
            "LOCATION:HQ Berlin\\, Room 4",
            f"STATUS:{status}",
            "ORGANIZER;CN=Ada Lovelace:mailto:ada@example.com",
            "ATTENDEE;CN=Ada Lovelace;PARTSTAT=ACCEPTED:mailto:ada@example.com",
            "ATTENDEE;CN=Grace Hopper;PARTSTAT=ACCEPTED:mailto:grace@navy.example.org",
            "ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@example.com",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


@pytest.fixture
def running(agent_paths: Paths) -> Iterator[tuple[Paths, EssentryServer, WebhookServer]]:
    start = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    calendar = agent_paths.config_file.parent / "work.ics"
    calendar.write_text(ics(start), encoding="utf-8")
    with EssentryServer() as essentry, WebhookServer() as webhook:
        write_config(
            agent_paths,
            CONFIG.format(ics=calendar, essentry=essentry.base_url, webhook=webhook.base_url),
        )
        cli("secret", "set", "visitors", "token", stdin="essentry-token\n")
        cli("secret", "set", "visitors", "agent_token", stdin=AGENT + "\n")
        cli("secret", "set", "hook", "signing_secret", stdin="webhook-secret\n")
        with running_agent(agent_paths):
            yield agent_paths, essentry, webhook


def test_calendar_to_essentry_and_signed_webhooks(
    running: tuple[Paths, EssentryServer, WebhookServer],
) -> None:
    paths, essentry, webhook = running
    (sync,) = essentry.wait_for(1, timeout=20)
    assert sync.query == {"ignoreMissingInvitations": ["false"]}
    (event,) = sync.json["events"]
    assert event["sourceId"] == "visit-1@example.com"
    assert (event["name"], event["locationId"], event["entranceId"]) == ("Supplier visit", 123, 7)
    assert event["host"] == {"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"}
    assert event["invitations"] == [
        {
            "sourceId": "visit-1@example.com/grace@navy.example.org",
            "email": "grace@navy.example.org",
            "firstName": "Grace",
            "lastName": "Hopper",
        }
    ]
    assert "deletedAt" not in event

    # webhook: start-up, then a manual status
    wait_until(lambda: webhook.changes, timeout=10, what="the start-up webhook")
    cli("set", "dnd", "--message", "Heads down", "--for", "1h")
    wait_until(lambda: webhook.changes[-1]["status"] == "dnd", timeout=5, what="dnd webhook")
    assert webhook.changes[-1]["message"] == "Heads down"
    assert webhook.changes[-1]["previousStatus"] == "available"

    # the meeting is cancelled in the calendar: essentry gets it with deletedAt
    calendar = paths.config_file.parent / "work.ics"
    text = calendar.read_text(encoding="utf-8").replace("STATUS:CONFIRMED", "STATUS:CANCELLED")
    calendar.write_text(text, encoding="utf-8")
    (_, second) = essentry.wait_for(2, timeout=15)
    assert second.json["events"][0]["deletedAt"].endswith("Z")
    assert essentry.events["visit-1@example.com"]["deletedAt"]
    assert (paths.data_dir / "essentry-visitors.json").exists()

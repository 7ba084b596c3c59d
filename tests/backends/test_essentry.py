from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from agent.backends.base import CalendarSync, Outcome, ProbeStatus, Result
from agent.backends.essentry import split_name
from agent.config.paths import Paths
from agent.config.schema import BackendEntry, LocationEntry
from agent.core.clock import ManualClock
from agent.core.signals import Attendee, Meeting
from tests.backends.support import NOW, Secrets, change, open_backend, run, state
from tests.servers.essentry import EssentryServer

OK = Result(Outcome.OK)
AGENT = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
SECRETS = {"token": "essentry-token", "agent_token": AGENT}


def meeting(
    uid: str, hours: float, location: str = "HQ Berlin, Room 4", **extra: object
) -> Meeting:
    start = NOW + timedelta(hours=hours)
    fields: dict[str, object] = {
        "title": f"Meeting {uid}",
        "start": start,
        "end": start + timedelta(hours=1),
        "location": location,
        "attendees": (
            Attendee("ada@example.com", "Ada Lovelace"),
            Attendee("bob@example.com", "Bob Internal"),
            Attendee("grace.hopper@navy.example.org", ""),
            Attendee("turing@bletchley.example", "Turing, Alan"),
        ),
        **extra,
    }
    return Meeting(uid=uid, **fields)  # type: ignore[arg-type]


def entry(server: EssentryServer, **options: object) -> BackendEntry:
    return BackendEntry(
        "visitors",
        "essentry",
        server.base_url,
        options={"location_id": 123, "entrance_id": 7, "location_filter": ["HQ Berlin"], **options},
    )


async def sync(backend: object, *meetings: Meeting) -> list[Result]:
    messages = backend.messages_for_calendar(CalendarSync(meetings))  # type: ignore[attr-defined]
    return [await backend.send(m) for m in messages]  # type: ignore[attr-defined]


def test_meetings_at_the_office_become_events(agent_paths: Paths) -> None:
    clock = ManualClock(NOW)
    weekly = meeting("w1", 2, recurrence_id="20260302T110000Z", description="Quarterly")
    online = meeting("zoom", 3, location="https://zoom.us/j/1")
    done = meeting("past", -2)

    async def scenario(server: EssentryServer) -> None:
        secrets = Secrets(SECRETS, "visitors")
        async with open_backend(entry(server), agent_paths, secrets, clock) as backend:
            assert backend.messages_for(change(state())) == []
            assert await sync(backend, weekly, online, done) == [OK]
            assert await sync(backend, weekly, online, done) == []  # nothing changed
        # a restart remembers what essentry acknowledged
        async with open_backend(entry(server), agent_paths, secrets, clock) as backend:
            assert await sync(backend, weekly, online) == []
            moved = meeting("w1", 4, recurrence_id="20260302T110000Z", description="Quarterly")
            assert await sync(backend, moved, online) == [OK]

    with EssentryServer() as server:
        run(scenario(server))
    first, second = server.requests
    assert (first.method, first.path, first.query) == (
        "PUT",
        "/api/v2/events",
        {"ignoreMissingInvitations": ["false"]},
    )
    assert first.header("authorization") == "Bearer essentry-token"
    ada = {"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"}
    sid = "w1/20260302T110000Z"
    assert first.json == {
        "agentToken": AGENT,
        "events": [
            {
                "sourceId": sid,
                "name": "Meeting w1",
                "description": "Quarterly",
                "startsAt": "2026-03-02T11:00:00Z",
                "endsAt": "2026-03-02T12:00:00Z",
                "locationId": 123,
                "entranceId": 7,
                "host": ada,
                "creator": ada,
                "invitations": [
                    {
                        "sourceId": f"{sid}/grace.hopper@navy.example.org",
                        "email": "grace.hopper@navy.example.org",
                        "firstName": "Grace",
                        "lastName": "Hopper",
                    },
                    {
                        "sourceId": f"{sid}/turing@bletchley.example",
                        "email": "turing@bletchley.example",
                        "firstName": "Alan",
                        "lastName": "Turing",
                    },
                ],
                "updatedAt": "2026-03-02T09:00:00Z",
            }
        ],
    }
    assert second.json["events"][0]["startsAt"] == "2026-03-02T13:00:00Z"
    assert (agent_paths.data_dir / "essentry-visitors.json").exists()


def test_cancelled_and_vanished_meetings_are_deleted(agent_paths: Paths) -> None:
    clock = ManualClock(NOW)
    one, two, far = meeting("one", 1), meeting("two", 5), meeting("far", 30)

    async def scenario(server: EssentryServer) -> None:
        options = {"ignore_missing_invitations": True, "company_domains": ["example.com"]}
        async with open_backend(
            entry(server, **options), agent_paths, Secrets(SECRETS, "visitors"), clock
        ) as backend:
            assert await sync(backend, one, two, far) == [OK, OK, OK]
            cancelled = meeting("one", 1, cancelled=True)
            clock.advance(60)
            # "two" vanished (deleted); "far" vanished beyond the horizon (kept)
            assert await sync(backend, cancelled, meeting("new", 2)) == [OK, OK, OK]
            assert await sync(backend, cancelled, meeting("new", 2)) == []

    with EssentryServer() as server:
        run(scenario(server))
    assert server.requests[-1].query == {"ignoreMissingInvitations": ["true"]}
    assert server.events["one"]["deletedAt"] == "2026-03-02T09:01:00Z"
    assert server.events["two"]["deletedAt"] == "2026-03-02T09:01:00Z"
    assert "deletedAt" not in server.events["far"]
    assert "deletedAt" not in server.events["new"]


def test_failures_probe_and_default_filter(agent_paths: Paths) -> None:
    hq = (LocationEntry("hq", name="HQ Berlin"),)

    async def scenario(server: EssentryServer) -> None:
        good = Secrets(SECRETS, "visitors")
        options = {"location_id": 999}
        unfiltered = BackendEntry(
            "visitors", "essentry", server.base_url, options={"location_id": 999, "entrance_id": 7}
        )
        async with open_backend(unfiltered, agent_paths, good, locations=hq) as backend:
            assert (await backend.probe()).status is ProbeStatus.REACHABLE
            (result,) = await sync(backend, meeting("x", 1))
            assert result.outcome is Outcome.PERMANENT
            assert "LOCATION_NOT_FOUND" in result.message
        async with open_backend(unfiltered, agent_paths, good) as backend:
            report = await backend.probe()
            assert report.status is ProbeStatus.MISCONFIGURED
            assert "location_filter" in report.detail
        wrong = Secrets({**SECRETS, "token": "nope"}, "visitors")
        async with open_backend(entry(server, **options), agent_paths, wrong) as backend:
            report = await backend.probe()
            assert report.status is ProbeStatus.UNAUTHORISED
            assert report.fix == "run `presence-agent secret set visitors token`"
        not_uuid = Secrets({**SECRETS, "agent_token": "abc"}, "visitors")
        async with open_backend(entry(server), agent_paths, not_uuid) as backend:
            (result,) = await sync(backend, meeting("y", 1))
            assert result.outcome is Outcome.REAUTH
            assert "presence-agent secret set visitors agent_token" in result.message

    with EssentryServer() as server:
        run(scenario(server))


@pytest.mark.parametrize(
    ("name", "email", "expected"),
    [
        ("Ada Lovelace", "a@x", ("Ada", "Lovelace")),
        ("Lovelace, Ada", "a@x", ("Ada", "Lovelace")),
        ("Ada King Lovelace", "a@x", ("Ada King", "Lovelace")),
        ("Cher", "c@x", ("Cher", "")),
        ("", "grace.hopper@navy.mil", ("Grace", "Hopper")),
        ('"grace@navy.mil"', "grace@navy.mil", ("Grace", "")),
    ],
)
def test_split_name(name: str, email: str, expected: tuple[str, str]) -> None:
    assert split_name(name, email) == expected


@pytest.mark.parametrize(
    "change_",
    [
        {"agentToken": "not-a-uuid"},
        {"events": []},
        {"events": [{"sourceId": "a"}]},
        {
            "events": [
                {
                    "sourceId": "a",
                    "name": "n",
                    "startsAt": "2026-03-02 10:00",
                    "endsAt": "2026-03-02T11:00:00Z",
                    "locationId": 123,
                    "entranceId": 7,
                    "host": {"email": "a@b"},
                }
            ]
        },
        {
            "events": [
                {
                    "sourceId": "a",
                    "name": "n",
                    "startsAt": "2026-03-02T10:00:00Z",
                    "endsAt": "2026-03-02T11:00:00Z",
                    "locationId": "123",
                    "entranceId": 7,
                    "host": {"email": "a@b"},
                }
            ]
        },
    ],
)
def test_server_rejects_bad_syncs(change_: dict[str, object]) -> None:
    good_event = {
        "sourceId": "a",
        "name": "n",
        "startsAt": "2026-03-02T10:00:00Z",
        "endsAt": "2026-03-02T11:00:00Z",
        "locationId": 123,
        "entranceId": 7,
        "host": {"email": "a@b"},
    }
    with EssentryServer() as server:
        url = f"{server.base_url}/api/v2/events"
        auth = {"Authorization": "Bearer essentry-token"}
        body = {"agentToken": AGENT, "events": [good_event]}
        assert httpx.put(url, json={**body, **change_}, headers=auth).status_code == 400
        assert httpx.put(url, json=body, headers=auth).status_code == 200
        assert httpx.put(url, json=body).status_code == 401
        assert httpx.post(url, json=body, headers=auth).status_code == 405

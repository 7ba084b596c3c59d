from __future__ import annotations

import pytest

from agent.backends.base import DeliveryKind, ProbeStatus
from agent.backends.registry import BACKEND_TYPES, SECRET_FIELDS, create_backend, validate_entry
from agent.config.paths import Paths
from agent.config.schema import BackendEntry, UserSettings
from tests.backends.support import Secrets, open_backend, run
from tests.servers.base import StrictServer

GOOD = {
    "local": {},
    "webhook": {},
    "audian": {"account_id": "acc_1", "dnd_endpoint": True, "forward_when_away": "+1555"},
    "calven": {"source_id": "s", "auth": "hmac", "token_url": "https://x.example/auth"},
    "superoffice": {"user_id": 338, "auth": "bearer", "present_statuses": ["available", "busy"]},
    "cord": {
        "project_id": "p",
        "group_id": "g",
        "durable": True,
        "location_template": {"office": "{location_id}"},
    },
    "essentry": {
        "location_id": 1,
        "entrance_id": 2,
        "company_domains": ["example.com"],
        "location_filter": ["HQ"],
    },
}
KINDS = {"calven": DeliveryKind.EVENT, "essentry": DeliveryKind.EVENT}


def test_every_type_has_secrets_listed() -> None:
    assert set(SECRET_FIELDS) == set(BACKEND_TYPES) == set(GOOD)
    assert BACKEND_TYPES == (
        "local",
        "webhook",
        "audian",
        "calven",
        "superoffice",
        "cord",
        "essentry",
    )


@pytest.mark.parametrize("kind", BACKEND_TYPES)
def test_valid_entries_and_construction(kind: str, agent_paths: Paths) -> None:
    entry = BackendEntry(
        kind, kind, "" if kind == "local" else "https://api.example.com", options=GOOD[kind]
    )
    assert validate_entry(entry) == []

    async def scenario() -> None:
        async with open_backend(entry, agent_paths, Secrets()) as backend:
            for attribute in ("messages_for", "messages_for_calendar", "send", "probe"):
                assert callable(getattr(backend, attribute))
            assert backend.name == kind
            assert backend.kind is KINDS.get(kind, DeliveryKind.STATE)
            if kind != "local":  # no secret stored: says which command to run
                report = await backend.probe()
                assert report.status is ProbeStatus.MISCONFIGURED
                assert f"presence-agent secret set {kind} " in report.detail

    run(scenario())


@pytest.mark.parametrize("kind", [k for k in BACKEND_TYPES if SECRET_FIELDS[k]])
def test_secrets_in_the_file_are_refused(kind: str) -> None:
    field = SECRET_FIELDS[kind][0]
    entry = BackendEntry(kind, kind, "https://api.example.com", options={**GOOD[kind], field: "x"})
    ((key, message),) = validate_entry(entry)
    assert key == field
    assert f"presence-agent secret set {kind} {field}" in message


def test_problems_name_the_key() -> None:
    problems = validate_entry(
        BackendEntry(
            "a",
            "audian",
            "http://api.audian.com/v2",
            options={"dnd_endpoint": "yes", "colour": "red"},
        )
    )
    assert problems == [
        ("base_url", "must be an https URL (plain http is only allowed for 127.0.0.1/localhost)"),
        ("account_id", "required"),
        ("dnd_endpoint", "must be true or false"),
        ("colour", "unknown setting for this backend type"),
    ]
    assert validate_entry(BackendEntry("x", "teams")) == [
        (
            "type",
            "must be one of local, webhook, audian, calven, superoffice, cord, essentry,"
            " not 'teams'",
        )
    ]
    assert validate_entry(BackendEntry("w", "webhook")) == [("base_url", "required")]


def test_misconfigured_backend_still_exists_and_says_why(agent_paths: Paths) -> None:
    entry = BackendEntry("so", "superoffice", "https://so.example.com", options={"user_id": "abc"})

    async def scenario() -> None:
        async with open_backend(entry, agent_paths, Secrets()) as backend:
            report = await backend.probe()
            assert report.status is ProbeStatus.MISCONFIGURED
            assert "user_id" in report.detail

    run(scenario())
    with pytest.raises(ValueError):
        create_backend(BackendEntry("x", "teams"), None)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", [k for k in BACKEND_TYPES if k != "local"])
def test_every_http_backend_reports_a_server_that_is_down(kind: str, agent_paths: Paths) -> None:
    """What ``doctor`` and "Test connection" say when nobody answers at ``base_url``."""
    with StrictServer() as gone:
        url = gone.base_url
    options = {k: v for k, v in GOOD[kind].items() if k != "token_url"}
    entry = BackendEntry(kind, kind, url, options=options)
    uuid = "3c90c3cc-0d44-4b50-8888-8dd25736052a"  # a valid value for every secret field
    secrets = Secrets(dict.fromkeys(SECRET_FIELDS[kind], uuid), kind)

    async def scenario() -> None:
        async with open_backend(entry, agent_paths, secrets, timeout=2.0) as backend:
            report = await backend.probe()
            assert report.status is ProbeStatus.UNREACHABLE, report
            assert report.fix == "check the network and base_url"

    run(scenario())


@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        ("audian", "user_id: required (or set [user].id)"),
        ("cord", "user_id: required (or set [user].id)"),
        ("calven", "user_email: required (or set [user].email or user_id)"),
    ],
)
def test_who_the_user_is_comes_from_the_entry_or_the_user_section(
    kind: str, problem: str, agent_paths: Paths
) -> None:
    """The file alone cannot tell (``[user]`` may fill it in); the built backend can."""
    entry = BackendEntry(kind, kind, "https://api.example.com", options=GOOD[kind])
    assert validate_entry(entry) == []

    async def scenario() -> None:
        async with open_backend(entry, agent_paths, Secrets(), user=UserSettings()) as backend:
            report = await backend.probe()
            assert report.status is ProbeStatus.MISCONFIGURED
            assert report.detail == problem
        async with open_backend(entry, agent_paths, Secrets()) as backend:  # [user] is set
            assert "required (or set" not in (await backend.probe()).detail

    run(scenario())


def test_each_backend_module_declares_its_own_type() -> None:
    """The registry only collects: each type's facts come from the module named after it."""
    import importlib

    from agent.backends.registry import TYPES

    for name, declared in TYPES.items():
        module = importlib.import_module(f"agent.backends.{name}")
        assert module.BACKEND is declared
        assert declared.name == name
        assert declared.needs_url == (name != "local")

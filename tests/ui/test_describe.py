"""The tray's words for a snapshot: headline, tooltip, the one health line and its details."""

from __future__ import annotations

from typing import Any

from agent.ui import describe

AWAY: dict[str, Any] = {
    "status": "away",
    "label": "Away",
    "reason": "rule:idle",
    "reason_text": "idle for 6 min",
    "message": "",
    "until": None,
    "location": {"id": "hq-3", "type": "level", "name": "HQ level 3"},
    "backends": {"local": {"state": "ok"}},
    "detection": {"degraded": False, "sources": {}},
    "config": {"problems": []},
}
# What the issue saw on a Linux desktop without logind (Xvfb), as the agent reports it.
DEGRADED = {
    "degraded": True,
    "sources": {"idle": "x11-screensaver", "lock": "none", "sleep": "none", "call": "proc-video"},
    "notes": [
        "lock: no working source: unknown",
        "sleep: no working source: unknown",
        "call: camera use, read on change (not while locked)",
    ],
}


def test_headline_and_tooltip_say_what_why_and_where() -> None:
    assert describe.tooltip(AWAY) == "Away — idle for 6 min\nAt HQ level 3"
    busy = {**AWAY, "status": "busy", "label": "Busy", "message": "Lunch 🌮", "reason_text": ""}
    assert describe.tooltip(busy).splitlines()[:2] == ["Busy", "“Lunch 🌮”"]
    default = {**AWAY, "status": "available", "label": "Available", "reason": "default"}
    assert describe.headline({**default, "reason_text": "no rule applies"}) == (
        "Available — automatic"
    )


def test_the_tooltip_gives_an_expiry_once() -> None:
    manual = {
        **AWAY,
        "reason": "manual",
        "reason_text": "set by you until Wed 09:00",
        "until": "2026-03-04T09:00:00+00:00",
    }
    assert describe.tooltip(manual).count("until") + describe.tooltip(manual).count("Until") == 1
    paused = {
        **AWAY,
        "reason": "paused",
        "reason_text": "updates paused until 15:00",
        "paused_until": "2026-03-04T15:00:00+00:00",
    }
    assert describe.headline(paused) == "Away — status held until 15:00"
    assert not any("held" in line for line in describe.detail_lines(paused))


def test_one_short_health_line_worst_first() -> None:
    assert describe.health_line(AWAY) == ""
    degraded = {**AWAY, "detection": DEGRADED}
    assert describe.health_line(degraded) == "Some things can't be detected here — details…"
    policy = {**degraded, "config": {"problems": ["/etc/x/policy.toml:11 enforced.Bogus: unknown"]}}
    assert describe.health_line(policy) == "Some settings could not be used — details…"
    failing = {**policy, "backends": {"audian": {"state": "failing", "queue_depth": 3}}}
    assert describe.health_line(failing) == "Presence updates are failing — details…"
    signin = {**failing, "backends": {"audian": {"state": "sign-in needed"}}}
    assert describe.health_line(signin).startswith("Sign-in needed for presence updates")
    for snapshot in (degraded, policy, failing, signin):
        assert len(describe.health_line(snapshot)) <= 50
        assert describe.needs_badge(snapshot) or snapshot is policy


def test_health_details_are_sentences_without_paths_or_keys() -> None:
    snapshot = {
        **AWAY,
        "detection": DEGRADED,
        "config": {"problems": ["/etc/presence-agent/policy.toml:11 enforced.Bogus: unknown key"]},
        "backends": {"work": {"state": "failing", "queue_depth": 3, "last_error": "connect"}},
    }
    lines = describe.health_details(snapshot, {"work": "Audian"}, {"work": "api.audian.com:8443"})
    text = "\n".join(lines)
    assert "can't reach Audian (work) at api.audian.com:8443" in text
    assert "3 changes are kept" in text
    assert "IT department" in text
    assert "Locking the screen can't be detected" in text
    assert "The computer going to sleep can't be detected" in text
    for forbidden in ("/", ".toml", "Bogus", "enforced", "source", "unknown"):
        assert forbidden not in text, forbidden


def test_reason_words() -> None:
    assert describe.reason_words("manual") == "set by you"
    assert describe.reason_words("paused") == "status held"
    assert describe.reason_words("exit") == "the agent stopped (quit, log-out or shutdown)"
    assert describe.reason_words("rule:afterHours") == "outside working hours"
    assert describe.reason_words("rule:somethingNew") == "somethingNew"

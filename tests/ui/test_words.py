"""The tray's words and decisions that need no display: tooltip, notices, journal, document."""

from __future__ import annotations

import json
from pathlib import Path

from agent.config.schema import UiSettings
from agent.ui import describe
from agent.ui.journal import recent_changes
from agent.ui.notifications import UNREACHABLE, notices
from agent.ui.settings.document import ConfigDocument, write_atomically

AWAY = {
    "status": "away",
    "label": "Away",
    "reason": "rule:idle",
    "reason_text": "idle for 6 min",
    "message": "",
    "until": None,
    "location": {"id": "hq-3", "type": "level", "name": "HQ level 3"},
    "backends": {"local": {"state": "ok"}},
    "detection": {"degraded": False},
}


def test_tooltip_says_what_why_and_where() -> None:
    assert describe.tooltip(AWAY) == "Away — idle for 6 min\nAt HQ level 3"
    busy = {**AWAY, "status": "busy", "label": "Busy", "message": "Lunch 🌮", "reason_text": ""}
    assert describe.tooltip(busy).splitlines()[:2] == ["Busy", "“Lunch 🌮”"]


def test_badge_and_problem_lines() -> None:
    assert not describe.needs_badge(AWAY)
    failing = {**AWAY, "backends": {"audian": {"state": "sign-in needed", "last_error": "401"}}}
    assert describe.needs_badge(failing)
    assert describe.problem_lines(failing) == ["audian: sign-in needed (401)"]
    degraded = {**AWAY, "detection": {"degraded": True, "notes": ["idle: no X11"]}}
    assert describe.needs_badge(degraded)
    assert describe.problem_lines(degraded) == ["Detection degraded: idle: no X11"]
    assert not describe.needs_badge({**AWAY, "backends": {"x": {"state": "retrying"}}})


def test_reason_words() -> None:
    assert describe.reason_words("manual") == "set by you"
    assert describe.reason_words("exit") == "the agent stopped (quit, log-out or shutdown)"
    assert describe.reason_words("rule:afterHours") == "outside working hours"
    assert describe.reason_words("rule:somethingNew") == "somethingNew"


def test_notices_are_off_by_default_and_quiet_for_manual_changes() -> None:
    available = {**AWAY, "status": "available", "reason": "default", "reason_text": ""}
    assert notices(available, AWAY, UiSettings()) == []
    on = UiSettings(notifications=True, notify_automatic=True)
    assert notices(available, AWAY, on) == ["You're now Away (idle for 6 min)"]
    assert notices(AWAY, available, on) == ["Back to Available"]
    manual = {**AWAY, "reason": "manual"}
    assert notices(available, manual, on) == []
    assert notices(available, AWAY, UiSettings(notifications=True)) == []
    down = {**AWAY, "backends": {"audian": {"state": "retrying"}}}
    assert notices(AWAY, down, UiSettings(notifications=True)) == [UNREACHABLE]
    assert notices(down, down, UiSettings(notifications=True)) == []
    locked_out = {**AWAY, "backends": {"audian": {"state": "sign-in needed"}}}
    assert notices(AWAY, locked_out, UiSettings(notifications=True)) == [
        "audian: sign-in needed — enter the secret again in Settings › Backends"
    ]


def test_recent_changes_reads_the_tail_newest_first(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    assert recent_changes(journal) == []
    lines = [
        {"at": f"2026-01-01T10:{i:02d}:00Z", "status": "away", "reason": "rule:idle", "message": ""}
        for i in range(20)
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\nnot json\n"
    journal.write_text(text, encoding="utf-8")
    entries = recent_changes(journal, limit=3)
    assert [e.at for e in entries] == [lines[19]["at"], lines[18]["at"], lines[17]["at"]]
    assert entries[0].label == "Away" and entries[0].reason == "rule:idle"


def test_document_keeps_comments_and_edits_arrays(tmp_path: Path) -> None:
    doc = ConfigDocument(
        '# mine\n[idle]\naway_after = "5m"  # five\n\n'
        '[[rules]]\ncondition = "idle"\n# keep\nset_status = "away"\n'
    )
    doc.set("idle.away_after", "10m")
    doc.set("ui.notifications", True)
    doc.set_entries(
        "rules",
        [{"condition": "idle", "set_status": "dnd"}, {"condition": "locked", "set_status": "away"}],
    )
    text = doc.text()
    assert text.startswith("# mine") and "# five" in text and "# keep" in text
    assert 'away_after = "10m"' in text and "notifications = true" in text
    assert text.count("[[rules]]") == 2 and 'set_status = "dnd"' in text
    assert ConfigDocument(text).entries("rules")[1] == {"condition": "locked", "set_status": "away"}
    doc.set_entries("rules", [])
    assert "[[rules]]" not in doc.text()
    target = tmp_path / "sub" / "config.toml"
    write_atomically(target, text)
    assert target.read_text(encoding="utf-8") == text
    assert [p.name for p in target.parent.iterdir()] == ["config.toml"]


def test_backend_field_labels() -> None:
    from agent.ui.settings.backend_fields import label_for, option_fields

    assert label_for("account_id") == "Account ID"
    assert label_for("api_token") == "API token"
    assert label_for("base_url") == "Base URL"
    keys = [field.key for field in option_fields("audian")]
    assert keys[:2] == ["account_id", "user_id"]

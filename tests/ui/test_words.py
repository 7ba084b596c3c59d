"""Settings pieces that need no display: the config document and the backend field labels."""

from __future__ import annotations

from pathlib import Path

from agent.ui.settings.document import ConfigDocument, write_atomically


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
    from agent.ui.settings.backend_fields import option_fields

    keys = [field.key for field in option_fields("audian")]
    assert keys[:2] == ["account_id", "user_id"]

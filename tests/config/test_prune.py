"""A config problem at start-up drops only the entry (or key) it is in."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config.loader import ConfigError, load_file
from agent.config.policy import PolicyData
from agent.config.prune import prune
from agent.config_checks import CHECKS

GOOD_AND_BAD = """
[idle]
away_after = "soon"

[[locations]]
id = "hq"
subnet = "10.0.0.0/8"

[[locations]]
id = "lab"
subnet = ["10.9.0.0/16"]

[[backends]]
name = "company"
type = "webhook"
base_url = "https://hooks.example.com/presence"
user_id = "u-1"

[[backends]]
name = "broken"
type = "webhook"
base_url = "https://hooks example.com/"
user_id = "u-1"

[[backends]]
name = "journal"
type = "local"
"""


def test_only_the_bad_entries_and_keys_are_dropped_and_each_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(GOOD_AND_BAD)
    loaded = load_file(path, PolicyData(), "alice", CHECKS, partial=True)
    config = loaded.config
    assert [b.name for b in config.backends] == ["company", "journal"]
    assert [loc.id for loc in config.locations] == ["lab"]
    assert config.idle.away_after == 300.0  # the bad key takes its default
    assert loaded.problems == (
        f"{path}:3 idle.away_after: 'soon' is not a duration like '90s', '5m' or '1h'",
        f"{path}:7 locations[0].subnet: must be an array, got string '10.0.0.0/8'",
        f"{path}:22 backends[1].base_url: must not contain a space (URLs hold no spaces or "
        "line breaks)",
        f"{path}: the entries and keys named above are ignored until fixed",
    )


def test_config_check_still_refuses_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(GOOD_AND_BAD)
    with pytest.raises(ConfigError) as caught:
        load_file(path, PolicyData(), "alice", CHECKS)
    assert len(caught.value.problems) == 3


def test_a_drop_that_breaks_another_entry_drops_that_one_too(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[locations]]\nid = "hq"\nsubnet = "oops"\n'
        '[[rules]]\ncondition = "location"\nlocation = "hq"\nset_status = "busy"\n'
        '[[rules]]\ncondition = "afterHours"\nset_status = "away"\n'
    )
    loaded = load_file(path, PolicyData(), "alice", CHECKS, partial=True)
    assert [rule.condition for rule in loaded.config.rules] == ["afterHours"]
    assert any("rules[0].location: no [[locations]] entry" in p for p in loaded.problems)


def test_an_unparseable_file_still_raises_in_partial_mode(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[[backends]\nname = ")
    with pytest.raises(ConfigError):
        load_file(path, PolicyData(), "alice", CHECKS, partial=True)


def test_prune_resolves_every_key_against_the_original_indexes() -> None:
    data = {"backends": [{"n": 0}, {"n": 1}, {"n": 2}, {"n": 3}], "idle": {"a": 1, "b": 2}}
    prune(data, ["backends[1].x", "backends[3]", "backends[1].y", "idle.a", "ui.missing"])
    assert data == {"backends": [{"n": 0}, {"n": 2}], "idle": {"b": 2}}
    plain = {"ui": {"hidden_menu_items": ["a", "b"]}}
    prune(plain, ["ui.hidden_menu_items[1]"])
    assert plain == {"ui": {}}

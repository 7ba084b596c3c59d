"""The data directory is 0700 and every file in it 0600, including ones made earlier."""

from __future__ import annotations

import stat
from pathlib import Path

from agent.private_files import secure_data_dir, write_private
from agent.state_file import StateFile


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_old_world_readable_data_dir_is_repaired(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "cache").mkdir(parents=True)
    for name in ("journal.jsonl", "state.json", "cache/body.ics"):
        (data / name).write_text("{}")
        (data / name).chmod(0o644)
    data.chmod(0o755)
    (data / "cache").chmod(0o755)
    secure_data_dir(data)
    assert mode(data) == 0o700 and mode(data / "cache") == 0o700
    assert {mode(data / n) for n in ("journal.jsonl", "state.json", "cache/body.ics")} == {0o600}


def test_new_files_are_private_from_the_first_byte(tmp_path: Path) -> None:
    target = tmp_path / "data" / "thing.json"
    write_private(target, "{}")
    assert (mode(target.parent), mode(target)) == (0o700, 0o600)
    assert [p.name for p in target.parent.iterdir()] == ["thing.json"]  # no spare left


def test_the_state_file_is_written_0600(tmp_path: Path) -> None:
    from agent.core.saved_state import SavedState

    state_file = StateFile(tmp_path / "data" / "state.json")
    state_file.write(SavedState())
    assert mode(state_file.path) == 0o600

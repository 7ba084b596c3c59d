"""The ``local`` journal never writes into, or trims, a file that is not its own journal."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from agent.backends import journal_file
from agent.backends.base import Outcome, ProbeStatus
from agent.backends.local import MAX_JOURNAL_BYTES
from agent.config.paths import Paths
from agent.config.schema import BackendEntry
from agent.core.model import Status
from tests.backends.support import Secrets, change, deliver, open_backend, run, state

PASSWD = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n"


def send_to(paths: Paths, option: str) -> tuple[Outcome, ProbeStatus]:
    async def scenario() -> tuple[Outcome, ProbeStatus]:
        entry = BackendEntry("local", "local", options={"path": option})
        async with open_backend(entry, paths, Secrets()) as backend:
            (result,) = await deliver(backend, change(state(Status.BUSY)))
            probe = await backend.probe()
            return result.outcome, probe.status

    return run(scenario())


def test_a_foreign_file_outside_the_data_dir_is_never_touched(
    agent_paths: Paths, tmp_path: Path
) -> None:
    passwd = tmp_path / "etc" / "passwd"
    passwd.parent.mkdir()
    passwd.write_text(PASSWD)
    assert send_to(agent_paths, str(passwd)) == (Outcome.PERMANENT, ProbeStatus.MISCONFIGURED)
    assert passwd.read_text() == PASSWD
    assert not any(p.name.startswith(".passwd") for p in passwd.parent.iterdir())


def test_a_foreign_file_inside_the_data_dir_is_never_touched(agent_paths: Paths) -> None:
    agent_paths.data_dir.mkdir(parents=True)
    state_file = agent_paths.state_file
    state_file.write_text('{"override": null}\n')
    assert send_to(agent_paths, "state.json")[0] is Outcome.PERMANENT
    assert state_file.read_text() == '{"override": null}\n'


def test_a_symlink_to_a_foreign_file_is_refused(agent_paths: Paths, tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text(PASSWD)
    agent_paths.data_dir.mkdir(parents=True)
    (agent_paths.data_dir / "journal.jsonl").symlink_to(target)
    assert send_to(agent_paths, "")[0] is Outcome.PERMANENT
    assert target.read_text() == PASSWD


def test_a_hard_link_to_a_journal_is_refused(agent_paths: Paths, tmp_path: Path) -> None:
    agent_paths.data_dir.mkdir(parents=True)
    journal = agent_paths.data_dir / "journal.jsonl"
    journal.write_text('{"at": "x", "status": "busy"}\n')
    os.link(journal, tmp_path / "other-name")
    assert send_to(agent_paths, "")[0] is Outcome.PERMANENT


def test_a_folder_that_did_not_exist_is_created_for_the_journal(
    agent_paths: Paths, tmp_path: Path
) -> None:
    path = tmp_path / "new-folder" / "changes.jsonl"
    assert send_to(agent_paths, str(path)) == (Outcome.OK, ProbeStatus.REACHABLE)
    assert send_to(agent_paths, str(path))[0] is Outcome.OK  # and it is ours from then on
    assert len(path.read_text().splitlines()) == 2
    assert (path.parent / journal_file.MARKER).is_file()
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_existing_folder_outside_the_data_dir_is_refused(
    agent_paths: Paths, tmp_path: Path
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    assert send_to(agent_paths, str(folder / "changes.jsonl"))[0] is Outcome.PERMANENT
    assert list(folder.iterdir()) == []


def test_the_trim_keeps_the_newer_half_of_our_own_journal_only(agent_paths: Paths) -> None:
    agent_paths.data_dir.mkdir(parents=True)
    journal = agent_paths.journal_file
    line = json.dumps({"at": "2026-03-02T09:00:00Z", "status": "away", "pad": "x" * 200})
    journal.write_text((line + "\n") * (MAX_JOURNAL_BYTES // len(line) + 10))
    assert send_to(agent_paths, "")[0] is Outcome.OK
    lines = journal.read_text().splitlines()
    assert MAX_JOURNAL_BYTES // 3 < journal.stat().st_size <= MAX_JOURNAL_BYTES // 2 + 1000
    assert all(json.loads(text)["status"] for text in lines)  # whole lines only
    assert json.loads(lines[-1])["status"] == "busy"
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600

"""Shared fixtures: every test gets its own agent paths, never the real home; a loop thread."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.config.paths import Paths
from tests.platform.loop_thread import LoopThread


@pytest.fixture
def agent_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Paths]:
    """A private set of agent paths, also exported to subprocesses through the environment."""
    paths = Paths(
        config_file=tmp_path / "config.toml",
        data_dir=tmp_path / "data",
        log_dir=tmp_path / "logs",
        runtime_dir=tmp_path / "run",
        policy_file=tmp_path / "policy.toml",
    )
    monkeypatch.setenv("PRESENCE_AGENT_CONFIG", str(paths.config_file))
    monkeypatch.setenv("PRESENCE_AGENT_DATA_DIR", str(paths.data_dir))
    monkeypatch.setenv("PRESENCE_AGENT_LOG_DIR", str(paths.log_dir))
    monkeypatch.setenv("PRESENCE_AGENT_RUNTIME_DIR", str(paths.runtime_dir))
    monkeypatch.setenv("PRESENCE_AGENT_POLICY_FILE", str(paths.policy_file))
    yield paths


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    """An asyncio loop on a thread of its own; its tasks are cancelled after the test."""
    thread = LoopThread()
    yield thread
    thread.close()


@pytest.fixture
def x11_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run as an X11 session even when the tests run under a Wayland desktop."""
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under the Windows CPython (the Wine lane) tests marked ``linux_only`` are skipped."""
    if sys.platform == "win32":
        for item in items:
            if item.get_closest_marker("linux_only"):
                item.add_marker(pytest.mark.skip(reason="Linux/POSIX only"))

"""packaging/macos/uninstall.sh, run here against a scratch tree with macOS's tools stubbed.

``launchctl``, ``pkgutil`` and ``ps`` are macOS's; stand-ins on PATH record their calls,
and ``PA_ROOT`` points the script at a scratch copy of the files a .pkg installs.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "macos" / "uninstall.sh"
LABEL = "com.presenceagent.agent"


def stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def installed_tree(root: Path) -> dict[str, Path]:
    files = {
        "app": root / "Applications/Presence Agent.app/Contents/MacOS/presence-agent",
        "agent": root / f"Library/LaunchAgents/{LABEL}.plist",
        "support": root / "Library/Application Support/Presence Agent/uninstall.sh",
        "user_agent": root / f"Users/alice/Library/LaunchAgents/{LABEL}.plist",
        "settings": root / "Users/alice/Library/Application Support/presence-agent/config.toml",
        "other_agent": root / "Users/alice/Library/LaunchAgents/com.example.other.plist",
    }
    for path in files.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    return files


def run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    calls = tmp_path / "calls.txt"
    stub(bin_dir, "launchctl", f'echo "launchctl $*" >> {calls}')
    stub(bin_dir, "pkgutil", f'echo "pkgutil $*" >> {calls}')
    stub(
        bin_dir,
        "ps",
        "printf '  501 /System/Library/CoreServices/loginwindow\\n  0 /sbin/launchd\\n'",
    )
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PA_ROOT": str(tmp_path / "root"),
    }
    done = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env)
    return done, calls.read_text() if calls.exists() else ""


def test_uninstall_boots_the_agent_out_and_removes_what_the_pkg_installed(tmp_path: Path) -> None:
    files = installed_tree(tmp_path / "root")
    done, calls = run(tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"launchctl bootout gui/501/{LABEL}" in calls
    assert f"pkgutil --forget {LABEL}" in calls
    for name in ("app", "agent", "support", "user_agent"):
        assert not files[name].exists(), name
    assert files["settings"].exists()  # kept without --purge
    assert files["other_agent"].exists()  # only ours


def test_uninstall_purge_removes_each_users_settings(tmp_path: Path) -> None:
    files = installed_tree(tmp_path / "root")
    done, _ = run(tmp_path, "--purge")
    assert done.returncode == 0, done.stderr
    assert not files["settings"].exists()
    assert files["other_agent"].exists()

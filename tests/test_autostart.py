from __future__ import annotations

import os
import plistlib
import subprocess
import sys
from pathlib import Path

import pytest

from agent.autostart import (
    NotInstalled,
    PolicyForbids,
    apply_policy,
    launcher_command,
    set_enabled,
    source_checkout,
)
from agent.config.paths import Paths
from agent.platform.linux.autostart import XdgAutostartEntry
from agent.platform.macos.autostart import LABEL, LaunchAgentEntry
from agent.platform.windows.autostart import APPROVED_KEY, RUN_KEY, VALUE_NAME, RunKeyEntry
from tests.platform.windows.fake_registry import FakeRegistry
from tests.support import run_cli


def installed_command(folder: Path) -> Path:
    """A stand-in for the packaged ``presence-agent`` on PATH, outside the checkout."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "presence-agent"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    return script


@pytest.mark.linux_only
def test_xdg_entry_enable_disable(tmp_path: Path) -> None:
    entry = XdgAutostartEntry(tmp_path / "home", [tmp_path / "etc-xdg"])
    assert not entry.is_enabled()
    script = installed_command(tmp_path / "bin")
    entry.enable([str(script), "run"])
    text = entry.user_file.read_text()
    assert f"Exec={script} run" in text and "Type=Application" in text
    assert entry.is_enabled()
    entry.disable()
    assert not entry.user_file.exists() and not entry.is_enabled()


def test_xdg_user_copy_hides_the_system_entry(tmp_path: Path) -> None:
    system = tmp_path / "etc-xdg" / "autostart" / "presence-agent.desktop"
    system.parent.mkdir(parents=True)
    system.write_text("[Desktop Entry]\nType=Application\nExec=presence-agent run\n")
    entry = XdgAutostartEntry(tmp_path / "home", [tmp_path / "etc-xdg"])
    assert entry.is_enabled()
    entry.disable()
    assert "Hidden=true" in entry.user_file.read_text()
    assert not entry.is_enabled()
    entry.enable(["presence-agent", "run"])
    assert entry.is_enabled()


def test_windows_run_key() -> None:
    registry = FakeRegistry()
    entry = RunKeyEntry(registry)
    entry.enable([r"C:\Program Files\Presence Agent\presence-agent.exe", "run"])
    assert registry.all_values()[("HKCU", RUN_KEY, VALUE_NAME)] == (
        '"C:\\Program Files\\Presence Agent\\presence-agent.exe" run'
    )
    assert entry.is_enabled()
    entry.disable()
    assert not entry.is_enabled() and registry.all_values() == {}


def test_windows_machine_entry_is_switched_off_per_user() -> None:
    registry = FakeRegistry()
    registry.set("HKLM", RUN_KEY, VALUE_NAME, "presence-agent.exe run")
    entry = RunKeyEntry(registry)
    assert entry.is_enabled()
    entry.disable()
    assert registry.all_values()[("HKCU", APPROVED_KEY, VALUE_NAME)][:1] == b"\x03"
    assert not entry.is_enabled()
    entry.enable(["presence-agent.exe", "run"])
    assert entry.is_enabled() and ("HKCU", RUN_KEY, VALUE_NAME) not in registry.all_values()


def test_macos_launch_agent(tmp_path: Path) -> None:
    calls: list[list[str]] = []
    entry = LaunchAgentEntry(tmp_path / "home", tmp_path / "Library-LaunchAgents", calls.append)
    entry.enable(["/Applications/Presence Agent.app/Contents/MacOS/presence-agent", "run"])
    plist = plistlib.loads(entry.user_file.read_bytes())
    assert plist["Label"] == LABEL and plist["RunAtLoad"] is True
    assert plist["ProgramArguments"][1] == "run"
    assert entry.is_enabled()
    entry.disable()
    assert not entry.is_enabled() and calls == []


@pytest.mark.linux_only
def test_macos_system_agent_is_disabled_with_launchctl(tmp_path: Path) -> None:
    system_dir = tmp_path / "Library-LaunchAgents"
    system_dir.mkdir()
    (system_dir / f"{LABEL}.plist").write_bytes(plistlib.dumps({"Label": LABEL}))
    calls: list[list[str]] = []
    entry = LaunchAgentEntry(tmp_path / "home", system_dir, calls.append)
    assert entry.is_enabled()
    entry.disable()
    assert calls[-1][0] == "disable" and calls[-1][1].endswith(f"/{LABEL}")
    assert not entry.is_enabled()
    entry.enable(["x"])
    assert calls[-1][0] == "enable" and entry.is_enabled()


def test_policy_always_and_never(tmp_path: Path) -> None:
    entry = XdgAutostartEntry(tmp_path / "home", [])

    def launcher() -> list[str]:
        return [str(installed_command(tmp_path / "bin")), "run", "--autostart"]

    with pytest.raises(PolicyForbids):
        set_enabled(entry, True, "never", launcher)
    set_enabled(entry, True, "always", launcher)
    with pytest.raises(PolicyForbids):
        set_enabled(entry, False, "always", launcher)
    assert apply_policy(entry, "never", launcher) and not entry.is_enabled()
    assert apply_policy(entry, "always", launcher) and entry.is_enabled()
    assert not apply_policy(entry, "user-decides", launcher)


def test_launcher_never_points_into_the_checkout(tmp_path: Path) -> None:
    """The tests run from a checkout: its own venv's command is skipped, never written."""
    checkout = source_checkout()
    assert checkout is not None
    venv_bin = str(Path(sys.executable).parent)
    with pytest.raises(NotInstalled, match="development copy"):
        launcher_command(search_path=venv_bin)
    script = installed_command(tmp_path / "bin")
    command = launcher_command(search_path=os.pathsep.join([venv_bin, str(script.parent)]))
    assert command == [str(script), "run", "--autostart"]


@pytest.mark.linux_only
def test_xdg_entry_names_its_program_in_tryexec_and_lapses_without_it(tmp_path: Path) -> None:
    script = installed_command(tmp_path / "bin")
    entry = XdgAutostartEntry(tmp_path / "home", [])
    entry.enable([str(script), "run", "--autostart"])
    text = entry.user_file.read_text()
    assert f"TryExec={script}\n" in text and f"Exec={script} run --autostart\n" in text
    assert entry.is_enabled()
    script.unlink()  # the package was removed: the session skips the entry, and so do we
    assert not entry.is_enabled()


def test_cli_autostart_refuses_a_checkout_without_an_installed_agent(tmp_path: Path) -> None:
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "XDG_CONFIG_DIRS": "",
        "PATH": str(Path(sys.executable).parent),
    }
    refused = run_cli("autostart", "enable", env=env)
    assert refused.returncode == 1 and "development copy" in refused.stderr
    assert not (tmp_path / "xdg" / "autostart" / "presence-agent.desktop").exists()


@pytest.mark.linux_only
def test_cli_autostart_obeys_policy(agent_paths: Paths, tmp_path: Path) -> None:
    script = installed_command(tmp_path / "bin")
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "XDG_CONFIG_DIRS": "",
        "PATH": os.pathsep.join([str(script.parent), os.environ.get("PATH", "")]),
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli("autostart", *args, env=env)

    enabled = cli("enable")
    assert enabled.returncode == 0 and "enabled" in enabled.stdout
    written = (tmp_path / "xdg" / "autostart" / "presence-agent.desktop").read_text()
    assert f"Exec={script} run --autostart" in written
    assert "Start at log-in: enabled" in cli("status").stdout
    agent_paths.policy_file.write_text('[enforced]\nAutoStart = "always"\n')
    refused = cli("disable")
    assert refused.returncode == 1 and "AutoStart = always" in refused.stderr
    assert "Managed by your organisation" in cli("status").stdout


@pytest.mark.skipif(
    not os.environ.get("PA_WINE_PYTHON"),
    reason=r"writes HKCU\...\Run: only in the Wine lane's throw-away prefix, never a real user's",
)
def test_cli_autostart_writes_the_run_value_on_windows(agent_paths: Paths, tmp_path: Path) -> None:
    from agent.platform.windows.registry import WindowsRegistry

    registry = WindowsRegistry()
    # The installed agent the entry must start (a checkout is never written into Run).
    installed = tmp_path / "bin" / "presence-agent.exe"
    installed.parent.mkdir()
    installed.write_bytes(b"MZ")
    env = {"PATH": os.pathsep.join([str(installed.parent), os.environ.get("PATH", "")])}
    assert run_cli("autostart", "enable", env=env).returncode == 0
    try:
        command = registry.get("HKCU", RUN_KEY, VALUE_NAME)
        assert isinstance(command, str) and command.endswith(" run --autostart")
        assert str(installed) in command
        assert "Start at log-in: enabled" in run_cli("autostart", "status").stdout
        agent_paths.policy_file.write_text('[enforced]\nAutoStart = "always"\n')
        refused = run_cli("autostart", "disable")
        assert refused.returncode == 1 and "AutoStart = always" in refused.stderr
        agent_paths.policy_file.unlink()
        assert run_cli("autostart", "disable").returncode == 0
        assert registry.get("HKCU", RUN_KEY, VALUE_NAME) is None
    finally:
        registry.delete("HKCU", RUN_KEY, VALUE_NAME)

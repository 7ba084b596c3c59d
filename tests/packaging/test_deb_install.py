"""Build the bundle and the .deb, install it, and run the installed agent for real.

The installed agent is configured only through /etc/presence-agent/policy.toml (with a
locked key the user's file tries to override) and reports to a loopback Audian server.
Needs root and dpkg (CI has both); it restores /etc and removes the package afterwards.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.audian import AudianServer
from tests.support import wait_until

ROOT = Path(__file__).resolve().parents[2]
POLICY = Path("/etc/presence-agent/policy.toml")
INSTALLED = Path("/usr/bin/presence-agent")

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="installs a .deb: needs root (CI runs as root)"),
    pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb"),
    pytest.mark.timeout(600),
]


@pytest.fixture(scope="module")
def bundle() -> Path:
    import build_packages

    return build_packages.build_bundle()


@pytest.fixture(scope="module")
def deb(bundle: Path) -> Path:
    import build_packages

    return build_packages.build_deb(bundle)


@pytest.fixture(scope="module")
def installed(deb: Path) -> Iterator[Path]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", str(deb)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield INSTALLED
    finally:
        subprocess.run(["dpkg", "--purge", "presence-agent"], check=False, env=env)


@pytest.fixture
def policy(tmp_path: Path) -> Iterator[Path]:
    """Lets a test write /etc/presence-agent/policy.toml and puts back what was there."""
    saved = tmp_path / "policy.saved"
    existed = POLICY.exists()
    if existed:
        shutil.copy(POLICY, saved)
    POLICY.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield POLICY
    finally:
        if existed:
            shutil.copy(saved, POLICY)
        else:
            POLICY.unlink(missing_ok=True)


def _user_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESENCE_AGENT_")}
    env.update(
        PRESENCE_AGENT_CONFIG=str(home / "config.toml"),
        PRESENCE_AGENT_DATA_DIR=str(home / "data"),
        PRESENCE_AGENT_LOG_DIR=str(home / "logs"),
        PRESENCE_AGENT_RUNTIME_DIR=str(home / "run"),
    )
    return env


def test_lintian_and_desktop_files_are_clean(deb: Path) -> None:
    if shutil.which("lintian"):
        out = subprocess.run(["lintian", str(deb)], capture_output=True, text=True).stdout
        errors = [line for line in out.splitlines() if line.startswith("E:")]
        assert errors == []
    desktop = [
        ROOT / "resources/presence-agent.desktop",
        ROOT / "packaging/linux/presence-agent-autostart.desktop",
    ]
    subprocess.run(["desktop-file-validate", *map(str, desktop)], check=True)
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True).stdout
    for path in (
        "./usr/bin/presence-agent",
        "./usr/lib/presence-agent/presence-agent",
        "./usr/share/applications/presence-agent.desktop",
        "./usr/share/icons/hicolor/scalable/apps/presence-agent.svg",
        "./etc/xdg/autostart/presence-agent.desktop",
        "./usr/share/doc/presence-agent/examples/policy.toml",
    ):
        assert path in listing


def test_installed_agent_runs_on_policy_alone(
    installed: Path, policy: Path, tmp_path: Path
) -> None:
    env = _user_env(tmp_path)
    version = subprocess.run([installed, "--version"], capture_output=True, text=True, env=env)
    assert version.returncode == 0 and "0.1.0" in version.stdout

    with AudianServer() as server:
        policy.write_text(
            "[enforced]\n"
            'BackendType = "audian"\n'
            f'BackendUrl = "{server.base_url}"\n'
            f'BackendAccountId = "{server.account_id}"\n'
            f'UserId = "{server.user_id}"\n'
            'IdleAwayAfter = "7m"\n'
            'ManagedByOrganizationName = "Example Corp"\n',
            encoding="utf-8",
        )
        # The user's file tries to change the locked idle time; the enforced value wins.
        (tmp_path / "config.toml").write_text(
            '[idle]\naway_after = "1m"\n\n[schedule]\nenabled = false\n', encoding="utf-8"
        )
        check = subprocess.run(
            [installed, "config", "check"], capture_output=True, text=True, env=env
        )
        assert check.returncode == 0, check.stdout + check.stderr
        shown = subprocess.run(
            [installed, "config", "show", "--origin"], capture_output=True, text=True, env=env
        ).stdout
        idle_line = next(line for line in shown.splitlines() if line.startswith("idle.away_after"))
        assert '"7m"' in idle_line and "[enforced]" in idle_line
        url_line = next(line for line in shown.splitlines() if ".base_url" in line)
        assert server.base_url in url_line and "[enforced]" in url_line

        subprocess.run(
            [installed, "secret", "set", "audian", "api_token"],
            input=server.token,
            text=True,
            env=env,
            check=True,
            capture_output=True,
        )
        doctor = subprocess.run([installed, "doctor"], capture_output=True, text=True, env=env)
        assert "audian" in doctor.stdout and "reachable" in doctor.stdout, doctor.stdout

        agent = subprocess.Popen(
            [installed, "run", "--headless"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            posted = wait_until(
                lambda: [r for r in server.accepted if r.method == "POST"],
                timeout=30,
                what="the installed agent's first report",
            )
            assert posted[0].path.endswith(f"/users/{server.user_id}/presence")
            assert posted[0].json["status"] == "available"
        finally:
            agent.send_signal(signal.SIGTERM)
            agent.wait(timeout=15)
        log = (tmp_path / "logs" / "agent.log").read_text(encoding="utf-8")
        assert server.token not in log


@pytest.mark.skipif(shutil.which("wixl") is None, reason="msitools' wixl is not installed")
def test_msi_carries_the_whole_bundle(bundle: Path, tmp_path: Path) -> None:
    """Every file of a full bundle lands in the MSI (the Linux one as a never-shipped check)."""
    import build_packages

    msi = build_packages.wixl_msi(bundle, tmp_path / "whole-bundle-check.msi")
    out = subprocess.run(
        ["msiinfo", "export", str(msi), "File"], capture_output=True, text=True, check=True
    ).stdout
    files = [line.split("\t") for line in out.splitlines()[3:]]
    expected = [p for p in bundle.rglob("*") if p.is_file()]
    assert len(files) == len(expected)
    assert sum(int(row[3]) for row in files) == sum(p.stat().st_size for p in expected)

"""Build the bundle and the .deb, install it, run the installed agent, and remove it.

The installed agent is configured only through policy: /etc/presence-agent/policy.toml
(with a locked key the user's file tries to override) and the per-user file that
carries the backend's token, which the agent moves into the keyring. It reports to a
loopback Audian server. `apt-get remove` must leave no autostart entry that starts
anything. Needs root and dpkg (CI has both); it restores /etc and purges the package.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import re
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
USER_POLICY = Path("/etc/presence-agent/users") / f"{getpass.getuser()}.toml"
INSTALLED = Path("/usr/bin/presence-agent")
SYSTEM_AUTOSTART = Path("/etc/xdg/autostart/presence-agent.desktop")
APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="installs a .deb: needs root (CI runs as root)"),
    pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb"),
    pytest.mark.timeout(600),
]


def apt_install(deb: Path) -> None:
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", str(deb)],
        check=True,
        env=APT_ENV,
        stdout=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def installed(deb: Path) -> Iterator[Path]:
    apt_install(deb)
    try:
        yield INSTALLED
    finally:
        subprocess.run(["dpkg", "--purge", "presence-agent"], check=False, env=APT_ENV)


@pytest.fixture
def policy(tmp_path: Path) -> Iterator[Path]:
    """Lets a test write the policy files under /etc/presence-agent; puts back what was there."""
    saved = {path: tmp_path / f"saved-{path.name}" for path in (POLICY, USER_POLICY)}
    existed = {path: path.exists() for path in saved}
    for path, copy in saved.items():
        if existed[path]:
            shutil.copy(path, copy)
    made = [p for p in (POLICY.parent, USER_POLICY.parent) if not p.exists()]
    USER_POLICY.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield POLICY
    finally:
        for path, copy in saved.items():
            if existed[path]:
                shutil.copy(copy, path)
            else:
                path.unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):  # not empty: something else put files there
                folder.rmdir()


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
        "./usr/share/presence-agent/autostart/presence-agent.desktop",
        "./usr/share/doc/presence-agent/examples/policy.toml",
        "./usr/share/doc/presence-agent/examples/policy-user.toml",
    ):
        assert path in listing
    assert "./etc/" not in listing  # nothing dpkg would keep as a conffile after remove


def test_installed_size_is_the_kib_of_the_installed_tree(deb: Path, tmp_path: Path) -> None:
    info = subprocess.run(["dpkg-deb", "-I", str(deb)], capture_output=True, text=True).stdout
    declared = int(re.search(r"Installed-Size: (\d+)", info).group(1))  # type: ignore[union-attr]
    tree = tmp_path / "tree"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True)
    apparent = subprocess.run(
        ["du", "-s", "--apparent-size", "--block-size=1024", str(tree)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[0]
    # dpkg counts every file rounded up to a KiB, so a little above the plain byte total.
    assert int(apparent) <= declared <= int(apparent) * 1.05, (declared, apparent)
    assert declared > 50_000  # the bundle is well over 50 MiB: KiB, not MB or MiB


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

        # The token comes through the per-user policy file, readable by that user only, into
        # a keyring that does not have it yet (other tests of the session may have stored one).
        from agent.secrets import SecretStore

        SecretStore().delete("audian", "api_token")
        USER_POLICY.write_text(
            f'[enforced.BackendSecrets.audian]\napi_token = "{server.token}"\n',
            encoding="utf-8",
        )
        USER_POLICY.chmod(0o600)
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
            assert posted[0].header("x-auth-token") == server.token  # from the keyring
        finally:
            agent.send_signal(signal.SIGTERM)
            agent.wait(timeout=15)
        log = (tmp_path / "logs" / "agent.log").read_text(encoding="utf-8")
        assert "credentials moved into the keyring: audian/api_token" in log
        assert server.token not in log
        doctor = subprocess.run([installed, "doctor"], capture_output=True, text=True, env=env)
        assert "audian" in doctor.stdout and "reachable" in doctor.stdout, doctor.stdout


def test_remove_leaves_no_autostart_that_starts_anything(
    installed: Path, deb: Path, tmp_path: Path
) -> None:
    """The system entry goes with `apt-get remove`; a user's entry lapses with the program."""
    assert SYSTEM_AUTOSTART.is_symlink()
    entry = SYSTEM_AUTOSTART.read_text(encoding="utf-8")
    assert "TryExec=/usr/bin/presence-agent\n" in entry
    env = {**_user_env(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    enabled = subprocess.run(
        [installed, "autostart", "enable"], capture_output=True, text=True, env=env
    )
    assert enabled.returncode == 0, enabled.stderr
    user_entry = tmp_path / "xdg" / "autostart" / "presence-agent.desktop"
    text = user_entry.read_text(encoding="utf-8")
    # The installed command, never a checkout's venv, and TryExec so it lapses on removal.
    assert "Exec=/usr/bin/presence-agent run --autostart\n" in text
    assert "TryExec=/usr/bin/presence-agent\n" in text

    subprocess.run(
        ["apt-get", "remove", "-y", "-qq", "presence-agent"],
        check=True,
        env=APT_ENV,
        stdout=subprocess.DEVNULL,
    )
    assert not SYSTEM_AUTOSTART.exists() and not SYSTEM_AUTOSTART.is_symlink()
    assert not Path("/usr/share/presence-agent").exists()
    leftovers = list(Path("/etc/xdg/autostart").glob("presence-agent*"))
    assert leftovers == []
    from agent.platform.linux.autostart import XdgAutostartEntry

    assert not XdgAutostartEntry(tmp_path / "xdg", [Path("/etc/xdg")]).is_enabled()

    apt_install(deb)  # a reinstall after remove brings the system entry back
    assert SYSTEM_AUTOSTART.is_symlink() and SYSTEM_AUTOSTART.exists()


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

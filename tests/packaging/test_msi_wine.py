r"""The real MSI installed silently in a throw-away Wine prefix, run, and removed.

Needs the MSI that ``make package-windows`` builds around the Windows bundle (PyInstaller run
by the Windows CPython under Wine); that target runs this test right after the build. Without
the MSI the test says so and is skipped: the bundle build takes minutes, so ``make test``
does not rebuild it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from agent import __version__
from tests.wine.run_lane import xvfb
from tests.wine.winepython import prepared, run_piped, throwaway_prefix, wine_env

ROOT = Path(__file__).resolve().parents[2]
MSI = ROOT / "build" / f"presence-agent-{__version__}-x64.msi"
POLICY_KEY = r"HKLM\SOFTWARE\Policies\PresenceAgent"
RUN_KEY = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run"

pytestmark = [
    pytest.mark.skipif(shutil.which("wine") is None, reason="needs Wine (tests/system-deps.sh)"),
    pytest.mark.skipif(not MSI.exists(), reason=f"no {MSI.name}: `make package-windows` builds it"),
]


def reg_values(env: dict[str, str], key: str) -> dict[str, str] | None:
    """``reg query`` of one key: value name -> data as reg prints it; None if absent."""
    done = run_piped(["wine", "reg", "query", key], env, timeout=120)
    if done.returncode != 0:
        return None
    values: dict[str, str] = {}
    for line in done.stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[1].startswith("REG_"):
            values[parts[0]] = parts[2].strip()
    return values


def test_silent_install_policy_run_and_uninstall_leave_nothing(tmp_path: Path) -> None:
    with xvfb() as display:
        cached = prepared(display)
        with throwaway_prefix(cached, display) as prefix:
            env = wine_env(prefix, display)
            before = {p.relative_to(prefix) for p in (prefix / "drive_c").rglob("*")}
            install = run_piped(
                [
                    "wine",
                    "msiexec",
                    "/i",
                    str(MSI),
                    "/qn",
                    "PA_BACKENDTYPE=local",
                    "PA_LOGLEVEL=debug",
                    "PA_LOCKSETTINGS=1",
                ],
                env,
                timeout=300,
            )
            subprocess.run(["wineserver", "-w"], env=env, timeout=120, check=False)
            assert install.returncode == 0, install.stdout
            policy = reg_values(env, POLICY_KEY)
            assert policy is not None, "no policy key after the install"
            assert policy["BackendType"] == "local" and policy["LogLevel"] == "debug"
            assert policy["LockSettings"] == "0x1"  # a DWORD, as Group Policy writes it
            assert "AutoStart" not in policy  # a property not given writes nothing
            run_value = (reg_values(env, RUN_KEY) or {}).get("PresenceAgent", "")
            assert run_value.endswith('presence-agent.exe" run --autostart')

            installed = prefix / "drive_c" / "Program Files" / "Presence Agent"
            exe = installed / "presence-agent.exe"
            assert exe.read_bytes()[:2] == b"MZ"
            version = run_piped(["wine", str(exe), "--version"], env, timeout=180)
            assert version.returncode == 0 and __version__ in version.stdout, version.stdout
            doctor = run_piped(["wine", str(exe), "doctor"], env, timeout=180)
            assert "local" in doctor.stdout, doctor.stdout
            assert "Traceback" not in doctor.stdout, doctor.stdout

            remove = run_piped(["wine", "msiexec", "/x", str(MSI), "/qn"], env, timeout=300)
            subprocess.run(["wineserver", "-w"], env=env, timeout=120, check=False)
            assert remove.returncode == 0, remove.stdout
            assert not installed.exists()
            assert not reg_values(env, POLICY_KEY)
            assert "PresenceAgent" not in (reg_values(env, RUN_KEY) or {})
            # What running the agent made for this user (its data and logs) is the user's,
            # kept as every Windows app keeps it; everything the installer put down is gone.
            users_own = prefix / "drive_c" / "users" / "root" / "AppData" / "Local"
            after = {p.relative_to(prefix) for p in (prefix / "drive_c").rglob("*")}
            left = sorted(
                str(p)
                for p in after - before
                if ("Presence Agent" in str(p) or "presence-agent" in str(p).lower())
                and not (prefix / p).is_relative_to(users_own / "presence-agent")
            )
            assert left == [], left

"""``make package-windows``: the Windows bundle, built by the Windows CPython under Wine; its MSI.

PyInstaller (its ``win_amd64`` wheel, in the Wine lane's cached interpreter) runs the one
spec under Wine and makes the one-folder ``presence-agent.exe``; ``wixl`` then packs that
folder into the MSI. The bundle is the headless agent and the CLI: PySide6 does not load
under Wine 8, so a tray UI built here could never be run before shipping (see README.md).
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "packaging")]

import build_packages  # noqa: E402

from tests.wine.run_lane import lane_interpreter, xvfb  # noqa: E402
from tests.wine.winepython import prepared, throwaway_prefix, windows_path  # noqa: E402

WINDOWS_BUILD = build_packages.BUILD / "windows"
BUNDLE_TIMEOUT = 900.0


def build_windows_bundle() -> Path:
    """PyInstaller under Wine; returns ``build/windows/dist/presence-agent``."""
    started = time.monotonic()
    shutil.rmtree(WINDOWS_BUILD, ignore_errors=True)
    WINDOWS_BUILD.mkdir(parents=True)
    with xvfb() as display:
        cached = prepared(display)
        with lane_interpreter(cached) as interpreter, throwaway_prefix(cached, display) as prefix:
            done = interpreter.run(
                [
                    "-m",
                    "PyInstaller",
                    "--noconfirm",
                    "--log-level=WARN",
                    "--distpath",
                    windows_path(WINDOWS_BUILD / "dist"),
                    "--workpath",
                    windows_path(WINDOWS_BUILD / "work"),
                    windows_path(ROOT / "packaging" / "presence-agent.spec"),
                ],
                prefix,
                display,
                BUNDLE_TIMEOUT,
                cwd=ROOT,
                echo=True,
            )
    bundle = WINDOWS_BUILD / "dist" / "presence-agent"
    if done.returncode != 0:
        raise SystemExit(f"PyInstaller under Wine failed (exit {done.returncode})")
    build_packages.check_windows_payload(bundle)
    size = build_packages._size_mb(bundle)
    print(f"windows bundle: {bundle} ({size:.1f} MB, {time.monotonic() - started:.0f} s)")
    return bundle


def main() -> int:
    bundle = build_windows_bundle()
    build_packages.write_templates(build_packages.BUILD / "policy-templates")
    build_packages.build_msi(bundle)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

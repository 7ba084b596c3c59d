"""``make package``: build the one-folder bundle and what this OS can package it into.

On Linux: the bundle and the ``.deb``. The MSI is built around the Windows bundle only
(``make package-windows``, :mod:`build_windows`); :func:`build_msi` refuses anything else.
On macOS: the ``.app`` and the ``.pkg`` (``packaging/macos/build-pkg.sh``). On Windows:
the bundle and the WiX source. Everywhere: the policy templates (ADMX/ADML,
.mobileconfig, example policy files), generated from the one policy key list in
:mod:`agent.config.policy_keys`, in ``build/policy-templates``.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
sys.path[:0] = [str(ROOT), str(ROOT / "packaging")]

import policy_templates as templates  # noqa: E402

from agent import __version__  # noqa: E402


def build_bundle() -> Path:
    """Run PyInstaller on the one spec; returns the bundle folder."""
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level=WARN",
            "--distpath",
            str(BUILD / "dist"),
            "--workpath",
            str(BUILD / "work"),
            str(ROOT / "packaging" / "presence-agent.spec"),
        ],
        check=True,
    )
    bundle = BUILD / "dist" / "presence-agent"
    _strip_rpaths(bundle)
    print(f"bundle: {bundle} ({_size_mb(bundle):.1f} MB, {time.monotonic() - started:.0f} s)")
    return bundle


def _strip_rpaths(bundle: Path) -> None:
    """Remove the build host's RPATH/RUNPATH entries that point outside the bundle."""
    patchelf = shutil.which("patchelf")
    if patchelf is None or not sys.platform.startswith("linux"):
        return
    for path in bundle.rglob("*.so*"):
        if not path.is_file() or path.is_symlink():
            continue
        result = subprocess.run(
            [patchelf, "--print-rpath", str(path)], capture_output=True, text=True
        )
        rpath = result.stdout.strip()
        if (
            result.returncode == 0
            and rpath
            and any(not entry.startswith("$ORIGIN") for entry in rpath.split(":"))
        ):
            kept = ":".join(e for e in rpath.split(":") if e.startswith("$ORIGIN"))
            if kept:
                subprocess.run([patchelf, "--set-rpath", kept, str(path)], check=True)
            else:
                subprocess.run([patchelf, "--remove-rpath", str(path)], check=True)


def _size_mb(path: Path) -> float:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6
    )


def build_deb(bundle: Path) -> Path:
    """Lay out the Debian tree around the bundle and build it with dpkg-deb."""
    tree = BUILD / "deb"
    shutil.rmtree(tree, ignore_errors=True)
    lib = tree / "usr/lib/presence-agent"
    shutil.copytree(bundle, lib, symlinks=True)
    (tree / "usr/bin").mkdir(parents=True)
    os.symlink("../lib/presence-agent/presence-agent", tree / "usr/bin/presence-agent")
    _install(ROOT / "resources/presence-agent.desktop", tree / "usr/share/applications")
    icons = tree / "usr/share/icons/hicolor/scalable/apps"
    icons.mkdir(parents=True)
    shutil.copy(ROOT / "resources/icons/presence-agent.svg", icons / "presence-agent.svg")
    # Linked into /etc/xdg/autostart by postinst, removed by postrm (not a conffile).
    _install(
        ROOT / "packaging/linux/presence-agent-autostart.desktop",
        tree / "usr/share/presence-agent/autostart",
        name="presence-agent.desktop",
    )
    doc = tree / "usr/share/doc/presence-agent"
    doc.mkdir(parents=True)
    shutil.copy(ROOT / "packaging/linux/copyright", doc / "copyright")
    (doc / "examples").mkdir()
    (doc / "examples/policy.toml").write_text(templates.example_policy_toml(), encoding="utf-8")
    (doc / "examples/policy-user.toml").write_text(
        templates.example_user_policy_toml(), encoding="utf-8"
    )
    with gzip.GzipFile(doc / "changelog.gz", "wb", mtime=0) as changelog:
        changelog.write(_changelog().encode())
    overrides = tree / "usr/share/lintian/overrides"
    overrides.mkdir(parents=True)
    shutil.copy(ROOT / "packaging/linux/lintian-overrides", overrides / "presence-agent")
    for path in tree.rglob("*"):
        if path.is_dir():
            path.chmod(0o755)
        elif path.is_file() and not path.is_symlink():
            executable = os.access(path, os.X_OK) and ".so" not in path.name
            path.chmod(0o755 if executable else 0o644)
    control = (ROOT / "packaging/linux/control.in").read_text(encoding="utf-8")
    control = (
        control.replace("@VERSION@", __version__)
        .replace("@ARCH@", _deb_arch())
        .replace("@SIZE@", str(installed_size_kib(tree)))
    )
    (tree / "DEBIAN").mkdir()
    (tree / "DEBIAN/control").write_text(control, encoding="utf-8")
    for script in ("postinst", "postrm"):
        shutil.copy(ROOT / "packaging/linux" / script, tree / "DEBIAN" / script)
        (tree / "DEBIAN" / script).chmod(0o755)
    out = BUILD / f"presence-agent_{__version__}_{_deb_arch()}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "-z1", "--build", str(tree), str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"deb: {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return out


def installed_size_kib(tree: Path) -> int:
    """``Installed-Size``: KiB the installed tree takes, as dpkg-gencontrol counts it.

    Each file's size rounded up to a whole KiB, plus one KiB per directory and symlink
    (the control files are not installed).
    """
    total = 0
    for path in tree.rglob("*"):
        if path.relative_to(tree).parts[0] == "DEBIAN":
            continue
        if path.is_symlink() or path.is_dir():
            total += 1
        elif path.is_file():
            total += -(-path.stat().st_size // 1024)
    return total


def _install(source: Path, folder: Path, name: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, folder / (name or source.name))


def _deb_arch() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()


def _changelog() -> str:
    return (
        f"presence-agent ({__version__}) stable; urgency=medium\n\n"
        "  * Release built from the project tree.\n\n"
        " -- Presence Agent maintainers <maintainers@presence-agent.invalid>  "
        "Sun, 22 Nov 2026 00:00:00 +0000\n"
    )


def write_templates(out: Path) -> None:
    """ADMX/ADML, .mobileconfig profiles and example policy files, all from the key list.

    Only policy goes here. The LaunchAgent plist, whose file name must be the same
    ``com.presenceagent.agent`` as the managed-preferences domain, is built apart
    (:func:`write_launch_agent`) so the two cannot be mixed up.
    """
    out.mkdir(parents=True, exist_ok=True)
    (out / "PresenceAgent.admx").write_text(templates.admx(), encoding="utf-8")
    (out / "en-US").mkdir(exist_ok=True)
    (out / "en-US/PresenceAgent.adml").write_text(templates.adml(), encoding="utf-8")
    (out / "presence-agent-settings.mobileconfig").write_bytes(templates.mobileconfig())
    (out / "presence-agent-credentials.mobileconfig").write_bytes(
        templates.credentials_mobileconfig()
    )
    (out / "policy.toml").write_text(templates.example_policy_toml(), encoding="utf-8")
    (out / "policy-user.toml").write_text(templates.example_user_policy_toml(), encoding="utf-8")


def write_launch_agent(out: Path) -> Path:
    """The LaunchAgent for the .pkg, named for what it is (build-pkg.sh installs it)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "LaunchAgent-com.presenceagent.agent.plist"
    path.write_bytes(templates.launch_agent_plist())
    return path


PE_MACHINE_X64 = 0x8664


def check_windows_payload(bundle: Path) -> None:
    """Refuse anything but a Windows x64 bundle: no stand-in ever ships under the MSI's name."""
    exe = bundle / "presence-agent.exe"
    try:
        head = exe.read_bytes()[:4096]
    except OSError as error:
        raise SystemExit(f"{exe}: no Windows payload to package ({error})") from None
    offset = int.from_bytes(head[0x3C:0x40], "little") if head[:2] == b"MZ" else -1
    signature = head[offset : offset + 6] if 0 < offset < len(head) - 6 else b""
    if signature[:4] != b"PE\0\0" or int.from_bytes(signature[4:6], "little") != PE_MACHINE_X64:
        raise SystemExit(
            f"{exe}: not a Windows x64 (PE32+) executable; the MSI carries only the bundle "
            "built by `make package-windows`"
        )


def build_msi(bundle: Path) -> Path:
    """The MSI around a real Windows bundle (``make package-windows``)."""
    check_windows_payload(bundle)
    return wixl_msi(bundle, BUILD / f"presence-agent-{__version__}-x64.msi")


def wixl_msi(bundle: Path, out: Path) -> Path:
    """Compile the WiX source for ``bundle`` with wixl into ``out`` (any payload: tests)."""
    source = templates.wix_source(bundle, __version__)
    (out.parent / "presence-agent.wxs").write_text(source, encoding="utf-8")
    wxs = out.parent / "presence-agent.wixl.wxs"
    wxs.write_text(templates.wixl_source(source), encoding="utf-8")
    subprocess.run(
        ["wixl", "-a", "x64", "-o", str(out), str(wxs)],
        check=True,
        cwd=bundle,
        stderr=subprocess.DEVNULL,
    )
    secure = subprocess.run(
        ["msiinfo", "export", str(out), "Property"], capture_output=True, text=True, check=True
    ).stdout
    current = next(
        (
            line.split("\t", 1)[1]
            for line in secure.splitlines()
            if line.startswith("SecureCustomProperties\t")
        ),
        "",
    )
    for query in templates.msi_patches(current):
        subprocess.run(["msibuild", str(out), "-q", query], check=True)
    print(f"msi: {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-bundle", action="store_true", help="reuse build/dist")
    args = parser.parse_args()
    bundle = BUILD / "dist" / "presence-agent" if args.skip_bundle else build_bundle()
    write_templates(BUILD / "policy-templates")
    if sys.platform.startswith("linux"):
        build_deb(bundle)  # the MSI: `make package-windows` (packaging/build_windows.py)
    elif sys.platform == "darwin":
        write_launch_agent(BUILD / "macos")
        subprocess.run(["bash", str(ROOT / "packaging/macos/build-pkg.sh")], check=True)
    elif sys.platform == "win32":  # for the WiX Toolset (candle/light) on a Windows machine
        check_windows_payload(bundle)
        source = templates.wix_source(bundle, __version__)
        (BUILD / "presence-agent.wxs").write_text(source, encoding="utf-8")
        print(f"WiX source: {BUILD / 'presence-agent.wxs'} (see packaging/README.md)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

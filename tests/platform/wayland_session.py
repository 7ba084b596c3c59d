"""Real Wayland compositors for the tests: Debian's headless sway, and the ext-idle-notify stand-in.

sway refuses to run as root, so under root it runs as ``nobody`` (``setpriv``) in a
runtime directory of its own; root reaches its socket anyway, and a normal user runs
it as itself. ``wtype`` (a virtual keyboard) is the user's input. The stand-in
(``idle_notify_server.py``) is a subprocess whose stdin takes ``input`` lines and
whose stdout says what it sent.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.benchmarks.desktop import stop
from tests.support import wait_until

SWAY_ENV = {"WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1", "WLR_RENDERER": "pixman"}


def _as_unprivileged(runtime: Path) -> list[str]:
    """The command prefix that drops root (and hands ``runtime`` over); none when not root."""
    if os.getuid() != 0:
        return []
    nobody = pwd.getpwnam("nobody")
    for path in (runtime, *runtime.iterdir()):
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    return ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]


@contextmanager
def headless_sway() -> Iterator[Path]:
    """sway with the headless backend and no Xwayland; yields its Wayland socket's path."""
    runtime = Path(tempfile.mkdtemp(prefix="pa-sway-"))
    runtime.chmod(0o700)
    config = runtime / "config"
    config.write_text("xwayland disable\n", encoding="utf-8")
    log = runtime / "sway.log"
    log.touch()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(runtime)}
    env.update(SWAY_ENV, XDG_RUNTIME_DIR=str(runtime))
    command = [*_as_unprivileged(runtime), "sway", "--config", str(config)]
    with log.open("wb") as out:
        sway = subprocess.Popen(command, env=env, stdout=out, stderr=out, cwd=runtime)
    try:

        def socket() -> Path | None:
            if sway.poll() is not None:
                raise AssertionError(f"sway exited: {log.read_text(errors='replace')[-2000:]}")
            found = [p for p in runtime.glob("wayland-*") if not p.name.endswith(".lock")]
            return found[0] if found else None

        yield wait_until(socket, timeout=20, what="sway's Wayland socket")
    finally:
        stop(sway)
        shutil.rmtree(runtime, ignore_errors=True)


def type_key(socket: Path) -> None:
    """A Shift tap through sway's virtual-keyboard protocol: input, as a user's."""
    env = dict(os.environ, WAYLAND_DISPLAY=str(socket))
    subprocess.run(["wtype", "-k", "Shift_L"], env=env, check=True, timeout=10)


class IdleNotifyServer:
    """The ext_idle_notifier_v1 stand-in, running; ``lines`` is what it printed so far."""

    def __init__(self, process: subprocess.Popen[str], socket: Path) -> None:
        self.process = process
        self.socket = socket
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.strip())

    def user_input(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("input\n")
        self.process.stdin.flush()

    def saw(self, line: str) -> bool:
        return line in self.lines


@contextmanager
def idle_notify_server() -> Iterator[IdleNotifyServer]:
    runtime = Path(tempfile.mkdtemp(prefix="pa-wl-"))
    script = Path(__file__).with_name("idle_notify_server.py")
    process = subprocess.Popen(
        [sys.executable, str(script), str(runtime), "wayland-idle"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    server = IdleNotifyServer(process, runtime / "wayland-idle")
    try:
        wait_until(lambda: server.lines, timeout=20, what="the compositor to listen")
        yield server
    finally:
        stop(process)
        shutil.rmtree(runtime, ignore_errors=True)

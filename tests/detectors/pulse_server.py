"""A private PulseAudio server (null sink + null source) and real parecord clients."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import wait_until


@dataclass
class PulseServer:
    home: Path
    socket: Path
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)
    daemon: subprocess.Popen[bytes] | None = None

    @property
    def server(self) -> str:
        return f"unix:{self.socket}"

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            HOME=str(self.home), XDG_RUNTIME_DIR=str(self.home / "run"), PULSE_SERVER=self.server
        )
        return env

    def pactl(self, *args: str) -> str:
        return subprocess.run(
            ["pactl", *args], env=self.env, check=True, capture_output=True, text=True, timeout=10
        ).stdout

    def record(self, *args: str) -> subprocess.Popen[bytes]:
        """A real ``parecord`` writing to /dev/null (default device: the null source)."""
        process = subprocess.Popen(
            ["parecord", "--raw", *args, "/dev/null"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.children.append(process)
        return process

    def source_outputs(self) -> int:
        return len(self.pactl("list", "short", "source-outputs").splitlines())

    def start_daemon(self) -> None:
        """Start (or restart) the server on the same socket."""
        self.daemon = subprocess.Popen(
            [
                "pulseaudio",
                "-n",
                "--daemonize=no",
                "--system=false",
                "--exit-idle-time=-1",
                "--disallow-exit",
                "--use-pid-file=false",
                "--disable-shm=true",
                "--log-target=stderr",
                "-L",
                "module-null-sink sink_name=nullsink",
                "-L",
                "module-null-source source_name=nullsrc",
                "-L",
                f"module-native-protocol-unix socket={self.socket} auth-anonymous=1",
            ],
            env={**self.env, "PULSE_SERVER": ""},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: self.socket.exists(), timeout=10, what="pulseaudio socket")
        wait_until(lambda: "nullsrc" in self._sources(), timeout=10, what="null source")
        self.pactl("set-default-source", "nullsrc")

    def stop_daemon(self) -> None:
        if self.daemon is not None:
            stop_process(self.daemon)
            self.daemon = None

    def _sources(self) -> str:
        try:
            return self.pactl("list", "short", "sources")
        except subprocess.CalledProcessError:
            return ""


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextlib.contextmanager
def pulse_server() -> Iterator[PulseServer]:
    # A short path: Unix socket names are limited to ~108 bytes.
    home = Path(tempfile.mkdtemp(prefix="pa-"))
    (home / "run").mkdir(mode=0o700)
    pulse = PulseServer(home=home, socket=home / "native")
    try:
        pulse.start_daemon()
        yield pulse
    finally:
        for child in pulse.children:
            stop_process(child)
        pulse.stop_daemon()
        shutil.rmtree(home, ignore_errors=True)

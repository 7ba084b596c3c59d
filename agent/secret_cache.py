"""The running agent's secrets: read from the keyring by a short-lived helper process.

Importing keyring and its Secret Service stack (secretstorage, cryptography) costs a
resident process some 25 MB, for a handful of reads a day. So the agent asks a child
process (``presence-agent _read-secrets``, not a documented command) for every secret
its backends may need, at start and whenever ``presence-agent secret set`` says one
changed, and keeps the values in memory. A read also never blocks the event loop on a
keyring round trip: after the batch, :meth:`SecretCache.get` is a dictionary lookup.

The values travel over a pipe between two processes of the same user, never through
a file or the command line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable

from agent.logs import register_secret
from agent.secrets import NoKeyringError

Pair = tuple[str, str]

#: How long the helper may take (it may have to wait for a keyring to unlock).
HELPER_TIMEOUT = 30.0


def helper_command() -> list[str]:
    """The agent's own command line, whether installed from source or frozen."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "_read-secrets"]
    return [sys.executable, "-m", "agent", "_read-secrets"]


class SecretCache:
    """``get(backend, field)`` answered from memory, filled in batches by the helper."""

    def __init__(self, command: list[str] | None = None) -> None:
        self._command = command or helper_command()
        self._values: dict[Pair, str | None] = {}
        self._error: str | None = None

    def load(self, pairs: Iterable[Pair]) -> None:
        """Read these secrets now (all at once: one helper process)."""
        wanted = sorted(set(pairs))
        if not wanted:
            return
        request = json.dumps([list(pair) for pair in wanted])
        try:
            done = subprocess.run(
                self._command,
                input=request,
                capture_output=True,
                text=True,
                timeout=HELPER_TIMEOUT,
                check=False,
            )
            reply = json.loads(done.stdout) if done.returncode == 0 else None
            if reply is None:
                reply = {"error": f"could not read the keyring (helper exit {done.returncode})"}
        except (OSError, subprocess.TimeoutExpired, ValueError) as error:
            reply = {"error": f"could not read the keyring ({type(error).__name__}: {error})"}
        if not isinstance(reply, dict):
            reply = {"error": "could not read the keyring (unexpected helper reply)"}
        self._error = str(reply["error"]) if "error" in reply else None
        values = reply.get("values")
        if not isinstance(values, list) or len(values) != len(wanted):
            values = [None] * len(wanted)
        for pair, value in zip(wanted, values, strict=True):
            if isinstance(value, str) and value:
                register_secret(value)
                self._values[pair] = value
            else:
                self._values[pair] = None

    def forget(self) -> None:
        """Drop every value (a secret changed; the next :meth:`load` reads afresh)."""
        self._values.clear()
        self._error = None

    def get(self, backend: str, field: str) -> str | None:
        pair = (backend, field)
        if pair not in self._values:
            self.load([pair])
        if self._error is not None and self._values.get(pair) is None:
            raise NoKeyringError(self._error)
        return self._values.get(pair)


def serve_helper() -> int:
    """The helper: read ``[[backend, field], …]`` on stdin, print their values as JSON."""
    from agent.secrets import SecretStore

    try:
        pairs = [(str(b), str(f)) for b, f in json.loads(sys.stdin.read() or "[]")]
        store = SecretStore()
        values = [store.get(backend, field) for backend, field in pairs]
    except NoKeyringError as error:
        print(json.dumps({"error": str(error)}))
        return 0
    except (ValueError, TypeError) as error:
        print(json.dumps({"error": f"bad request: {error}"}))
        return 0
    print(json.dumps({"values": values}))
    return 0

"""Where config, data, logs and the IPC socket live, per OS, overridable for tests.

Nothing is looked up at import time: callers build a :class:`Paths` when they need one.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "presence-agent"


@dataclass(frozen=True)
class Paths:
    config_file: Path
    data_dir: Path
    log_dir: Path
    runtime_dir: Path
    policy_file: Path

    @property
    def socket_path(self) -> Path:
        """The local IPC endpoint (a Unix socket; a named pipe name on Windows)."""
        return self.runtime_dir / "agent.sock"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "agent.log"

    @property
    def outbox_file(self) -> Path:
        return self.data_dir / "outbox.sqlite3"

    @property
    def journal_file(self) -> Path:
        return self.data_dir / "journal.jsonl"

    @property
    def state_file(self) -> Path:
        """Machine state (manual override, pause, pinned location) apart from user settings."""
        return self.data_dir / "state.json"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @classmethod
    def from_environment(cls, config_override: str | os.PathLike[str] | None = None) -> Paths:
        """Paths from platformdirs, each overridable by a ``PRESENCE_AGENT_*`` variable."""
        import platformdirs

        env = os.environ
        config = config_override or env.get("PRESENCE_AGENT_CONFIG")
        config_file = (
            Path(config)
            if config
            else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"
        )
        data_dir = Path(
            env.get("PRESENCE_AGENT_DATA_DIR")
            or platformdirs.user_data_dir(APP_NAME, appauthor=False)
        )
        log_dir = Path(
            env.get("PRESENCE_AGENT_LOG_DIR")
            or platformdirs.user_log_dir(APP_NAME, appauthor=False)
        )
        runtime = env.get("PRESENCE_AGENT_RUNTIME_DIR")
        if not runtime:
            runtime = (
                platformdirs.user_runtime_dir(APP_NAME, appauthor=False)
                if sys.platform.startswith("linux")
                else str(data_dir / "run")
            )
        policy = env.get("PRESENCE_AGENT_POLICY_FILE") or "/etc/presence-agent/policy.toml"
        return cls(
            config_file=config_file,
            data_dir=data_dir,
            log_dir=log_dir,
            runtime_dir=Path(runtime),
            policy_file=Path(policy),
        )

"""``presence-agent config check`` on hostile files: exit 2 and a line per problem, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import run_cli


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("x = " + "[" * 5000 + "]" * 5000, ":1 tables and arrays nested deeper than 32 levels"),
        ("x = " + "{a = " * 3000 + "1" + "}" * 3000, ":1 tables and arrays nested deeper"),
        ("[idle]\naway_after = nan\n", ":2 idle.away_after: must be a finite number"),
        ('[delivery]\nretry_cap = "0s"\n', ":2 delivery.retry_cap: must be between 2s and 1d"),
    ],
)
def test_config_check_reports_and_exits_2(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    done = run_cli("config", "check", str(path), timeout=30)
    assert done.returncode == 2, done.stderr
    assert f"{path}{says}" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr

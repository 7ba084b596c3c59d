"""Reading what the headless agent's ``local`` backend journalled (one JSON object a line)."""

from __future__ import annotations

import json
from typing import Any

from agent.config.paths import Paths


def journal(paths: Paths) -> list[dict[str, Any]]:
    try:
        text = paths.journal_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def statuses(paths: Paths) -> list[str]:
    return [entry["status"] for entry in journal(paths)]

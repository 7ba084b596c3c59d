"""The agent's rotating log file, with every secret masked before it is written.

Two layers of redaction run on every record of every handler we install:

1. exact values: :mod:`agent.secrets` registers each secret it reads with
   :func:`register_secret`, and any occurrence of it is replaced by ``***``;
2. patterns: ``Authorization:`` headers, ``X-Auth-Token``-style headers,
   ``token=``/``password=``-style pairs (also as JSON) and JWTs, so a secret that
   never went through the store (a token a server sent back) is masked too.

The registered values are process-wide on purpose: a secret must be masked in
whatever logger or handler a record reaches, so the set cannot belong to one object.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
import threading
from pathlib import Path

from agent.config.paths import Paths

MASK = "***"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_secrets: set[str] = set()
_lock = threading.Lock()

_PATTERNS = (
    # Authorization: Bearer xyz / Basic xyz / SoTicket xyz
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:\w+\s+)?)([^\s'\",;}]+)"),
    # X-Auth-Token: xyz, SO-AppToken: xyz, X-Signature: sha256=...
    re.compile(
        r"(?i)((?:x-auth-token|so-apptoken|x-signature|x-api-key)['\"]?\s*[:=]\s*['\"]?)([^\s'\",;}]+)"
    ),
    # token=xyz, "password": "xyz", client_secret: xyz, api_key=xyz
    re.compile(
        r"(?i)(\b[\w-]*(?:token|password|passwd|secret|api[_-]?key)['\"]?\s*[:=]\s*['\"]?)"
        r"([^\s'\",;}&]+)"
    ),
    # JSON Web Tokens wherever they appear
    re.compile(r"()(eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*)"),
)


def register_secret(value: str) -> None:
    """Mask ``value`` in every log record from now on (short values would mask noise)."""
    if len(value) >= 4:
        with _lock:
            _secrets.add(value)


# A plain word in prose ("api_token: secrets are never read…"), not a credential.
_ORDINARY_WORD = re.compile(r"[A-Za-z][a-z]{0,15}")


def redact(text: str) -> str:
    """``text`` with registered secrets and credential-looking values replaced by ``***``."""
    with _lock:
        values = sorted(_secrets, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(_masked, text)
    return text


def _masked(match: re.Match[str]) -> str:
    """The match with its value masked, unless it is already, or is a word of a sentence.

    ``password=hunter`` and ``"token": "abc"`` are assignments: always masked. After a
    bare colon (``api_token: secrets are…``) a plain word is prose and stays.
    """
    key, value = match.group(1), match.group(2)
    if value == MASK:
        return match.group(0)
    prose = (
        match.re is _PATTERNS[2]  # headers (Authorization: Bearer x) are always values
        and ":" in key
        and "=" not in key
        and not any(q in key for q in "'\"")
    )
    if prose and _ORDINARY_WORD.fullmatch(value):
        return match.group(0)
    return key + MASK


class RedactingFilter(logging.Filter):
    """Renders the record's message and traceback once, redacted, before any handler formats."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _AgentFileHandler(logging.handlers.RotatingFileHandler):
    """Marks the handler we installed, so :func:`setup_logging` can run twice safely."""


def setup_logging(paths: Paths, level: str = "info", console: bool = True) -> Path:
    """Log to ``paths.log_file`` (rotating, 0600, redacted) and to stderr; returns the file.

    Calling it again only changes the level (the tray and the headless runner both call it).
    """
    root = logging.getLogger()
    root.setLevel(_level(level))
    if any(isinstance(h, _AgentFileHandler) for h in root.handlers):
        return paths.log_file
    paths.log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    redacting = RedactingFilter()
    handler = _AgentFileHandler(
        paths.log_file, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    _restrict(paths.log_file)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(redacting)
    root.addHandler(handler)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        stream.addFilter(redacting)
        root.addHandler(stream)
    return paths.log_file


def set_level(level: str) -> None:
    """Apply ``general.log_level`` after a config (re)load."""
    logging.getLogger().setLevel(_level(level))


def _level(name: str) -> int:
    return {
        "debug": logging.DEBUG,
        "info": logging.INFO,
        "warning": logging.WARNING,
        "error": logging.ERROR,
    }.get(name.lower(), logging.INFO)


def _restrict(path: Path) -> None:
    if os.name == "posix":
        os.chmod(path, 0o600)

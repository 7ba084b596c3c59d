from __future__ import annotations

import logging
import stat
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent import logs
from agent.config.paths import Paths


@pytest.fixture
def agent_log(agent_paths: Paths) -> Iterator[logging.Logger]:
    root = logging.getLogger()
    before = list(root.handlers)
    logs.setup_logging(agent_paths, level="debug", console=False)
    yield logging.getLogger("agent.test")
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()


def test_registered_values_and_credential_patterns_are_masked(
    agent_paths: Paths, agent_log: logging.Logger
) -> None:
    logs.register_secret("registered-value-123")
    agent_log.info("sending with %s", "registered-value-123")
    agent_log.debug("headers {'Authorization': 'Bearer abc.def.ghi', 'X-Auth-Token': 'tok99'}")
    agent_log.debug("POST /token body=grant_type=x&client_secret=cs-777&api_key=ak-888")
    agent_log.debug('{"password": "pw-555", "token": "t-666"}')
    agent_log.debug("jwt eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig-part")
    try:
        raise RuntimeError("failed with registered-value-123")
    except RuntimeError:
        agent_log.exception("boom")
    text = agent_paths.log_file.read_text()
    for value in ("registered-value-123", "abc.def.ghi", "tok99", "cs-777", "ak-888", "pw-555"):
        assert value not in text, value
    assert "t-666" not in text and "eyJzdWIi" not in text
    assert "sending with ***" in text and "boom" in text
    assert stat.S_IMODE(agent_paths.log_file.stat().st_mode) == 0o600


def test_setup_twice_keeps_one_file_handler(agent_paths: Paths, agent_log: logging.Logger) -> None:
    logs.setup_logging(agent_paths, level="warning", console=False)
    agent_log.warning("once")
    assert agent_paths.log_file.read_text().count("once") == 1
    assert logging.getLogger().level == logging.WARNING


def test_redaction_masks_values_never_the_words_of_a_message() -> None:
    problem = "backends[0].api_token: secrets are never read from the config file"
    assert logs.redact(problem) == problem
    assert logs.redact("password: hunter2 token=abc") == "password: *** token=***"
    assert logs.redact("Authorization: Bearer abcdef") == "Authorization: Bearer ***"


def test_plain_text_is_untouched() -> None:
    assert logs.redact("status changed to busy (rule:activeCall)") == (
        "status changed to busy (rule:activeCall)"
    )


@settings(max_examples=200, deadline=None)
@given(
    secret=st.text(min_size=4, max_size=40).filter(lambda s: s.strip() == s and "*" not in s),
    before=st.text(max_size=20),
    after=st.text(max_size=20),
)
def test_a_registered_secret_never_survives_redaction(secret: str, before: str, after: str) -> None:
    logs.register_secret(secret)
    assert secret not in logs.redact(before + secret + after)

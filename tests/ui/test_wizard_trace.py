"""Cancel takes back exactly what the wizard wrote: the file (or its old text) and the secrets."""

from __future__ import annotations

import uuid

from agent.config.paths import Paths
from agent.secrets import SecretStore
from agent.ui.wizard_trace import WizardTrace

LOCAL = '[[backends]]\nname = "local"\ntype = "local"\n'


def webhook(name: str) -> str:
    return f'[[backends]]\nname = "{name}"\ntype = "webhook"\nbase_url = "http://127.0.0.1:9/"\n'


def test_a_file_the_wizard_created_is_removed_with_its_secrets(agent_paths: Paths) -> None:
    name = f"w{uuid.uuid4().hex[:6]}"
    trace = WizardTrace()
    assert not trace.touched
    result = trace.save(agent_paths, webhook(name), [(name, "signing_secret", "s3")])
    assert not result.problems and agent_paths.config_file.exists()
    assert trace.save(agent_paths, webhook(name) + "\n", []).written  # tested twice
    trace.undo(agent_paths)
    assert not agent_paths.config_file.exists()
    assert SecretStore().get(name, "signing_secret") is None
    assert not trace.touched


def test_a_file_that_was_there_gets_its_old_text_back(agent_paths: Paths) -> None:
    agent_paths.config_file.write_text(LOCAL, encoding="utf-8")
    trace = WizardTrace()
    trace.save(agent_paths, webhook("hook"), [])
    trace.undo(agent_paths)
    assert agent_paths.config_file.read_text(encoding="utf-8") == LOCAL


def test_a_refused_file_leaves_nothing_to_undo(agent_paths: Paths) -> None:
    trace = WizardTrace()
    result = trace.save(agent_paths, '[idle]\naway_after = "soon"\n', [])
    assert result.problems and not trace.touched and not agent_paths.config_file.exists()

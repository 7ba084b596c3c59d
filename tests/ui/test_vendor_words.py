"""The words the wizard and settings show for backends, fields and failed tests."""

from __future__ import annotations

from agent.backends.registry import BACKEND_TYPES
from agent.ui.settings.backend_fields import option_fields, secret_fields
from agent.ui.vendor_words import (
    FIELDS,
    probe_words,
    setup_problem,
    url_problem,
    vendor_name,
)


def test_every_backend_and_field_has_words() -> None:
    for kind in BACKEND_TYPES:
        assert vendor_name(kind) != kind or kind == "essentry"
        for field in option_fields(kind):
            assert field.key in FIELDS, (kind, field.key)
        for secret in secret_fields(kind):
            assert secret in FIELDS, (kind, secret)
    for words in FIELDS.values():
        assert "_" not in words.label and len(words.help) <= 56  # one line beside the field


def test_url_problems_in_words() -> None:
    assert url_problem("") == "Enter the server address."
    assert url_problem("api.audian.com") == "Enter a web address starting with https://"
    assert "plain http" in url_problem("http://api.audian.com/v2")
    assert url_problem("http://127.0.0.1:8080/x") == ""
    assert url_problem("https://api.audian.com:8443/v2") == ""
    assert "password" in url_problem("https://ada:secret@api.audian.com/")


def test_loader_problems_name_the_form_field_not_the_file() -> None:
    problem = "/home/ada/.config/presence-agent/config.toml:2 backends[0].base_url: required"
    assert setup_problem(problem) == "Server address is required. Click Back and fill it in."
    words = setup_problem("config.toml:4 backends[0].account_id: must be text")
    assert words == "Account ID: must be text. Click Back to correct it."


def test_failed_tests_say_what_to_click_without_commands() -> None:
    missing = probe_words(
        "misconfigured",
        "no signing_secret stored for webhook: run `presence-agent secret set webhook "
        "signing_secret`",
        "Webhook",
        "hooks.example.com:443",
        ["Signing secret"],
    )
    assert missing == "The Signing secret is missing. Click Back and enter it, then test again."
    for status in ("reachable", "unauthorised", "unreachable", "misconfigured"):
        text = probe_words(status, "run `x`", "Audian", "api.audian.com:8443", ["API token"])
        assert "`" not in text and "presence-agent" not in text and "lick " in text

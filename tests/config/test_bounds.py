"""Bounds on the config file: every case of issue 16, each with a problem naming the key.

And the property: any text at all gives a config or a ConfigError, never another
exception (no RecursionError, OverflowError or ValueError escaping), and fast.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.config.bounds import MAX_ENTRIES, MAX_FILE_BYTES
from agent.config.loader import ConfigError, load_file
from agent.config.policy import PolicyData, TomlPolicyReader
from agent.config_checks import CHECKS
from tests.config.toml_syntax import PUNCTUATION

URL = 'base_url = "https://hooks.example.com/presence"'


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_file(path, PolicyData(), "alice", CHECKS)
    return caught.value.problems


def one_problem(tmp_path: Path, text: str) -> str:
    (problem,) = problems_of(tmp_path, text)
    return problem


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 5000 + "]" * 5000,
        "x = " + "{a = " * 3000 + "1" + "}" * 3000,
        "[idle]\n" + "a." * 5000 + "b = 1",
        "[" + ".".join(["t"] * 2000) + "]\nx = 1",
    ],
    ids=["arrays", "inline-tables", "dotted-keys", "table-header"],
)
def test_deep_nesting_is_a_problem_not_a_recursion_error(tmp_path: Path, text: str) -> None:
    problem = one_problem(tmp_path, text)
    assert "config.toml" in problem and "nested deeper than 32 levels" in problem


def test_a_file_over_1_mib_is_refused_unread(tmp_path: Path) -> None:
    text = "# padding\n" * (MAX_FILE_BYTES // 10 + 1)
    assert "larger than 1024 KB" in one_problem(tmp_path, text)


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("idle.away_after", "inf", "finite number"),
        ("idle.away_after", "nan", "finite number"),
        ("call.hold_after", "nan", "finite number"),
        ("idle.away_after", '"8d"', "between 1s and 7d"),
        ("delivery.retry_cap", '"9999999999999999999999d"', "longer than a year"),
        ("delivery.retry_cap", '"0s"', "between 2s and 1d"),
        ("delivery.reassert_every", '"1ms"', "between 1m and 7d"),
        ("delivery.max_queue", str(2**63 + 1), "between 1 and 100000"),
        ("delivery.max_queue", "0", "between 1 and 100000"),
        ("location.stable_for", "1e400", "finite number"),
    ],
)
def test_numbers_and_durations_are_finite_and_in_range(
    tmp_path: Path, setting: str, value: str, says: str
) -> None:
    section, key = setting.split(".")
    problem = one_problem(tmp_path, f"[{section}]\n{key} = {value}\n")
    assert f"config.toml:2 {setting}: " in problem and says in problem, problem


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://hooks.example.com/\\r\\nX-Evil: 1", "carriage return"),
        ("https://hooks.example.com/a\\nb", "line feed"),
        ("https://hooks example.com/", "a space"),
        ("https://hooks.example.com/<script>", "'<'"),
        ("https://hooks.example.com:99999/", "not a valid URL"),
        ("https://-bad-.example.com/", "invalid host name"),
        ("https://" + "a" * 3000 + ".com/", "longer than 2048"),
    ],
)
def test_urls_with_invalid_characters_are_refused(tmp_path: Path, url: str, says: str) -> None:
    text = f'[[backends]]\nname = "hook"\ntype = "webhook"\nbase_url = "{url}"\nuser_id = "u"\n'
    problem = one_problem(tmp_path, text)
    assert "backends[0].base_url:" in problem and says in problem, problem


@pytest.mark.parametrize("table", sorted(MAX_ENTRIES))
def test_entry_counts_are_limited(tmp_path: Path, table: str) -> None:
    limit = MAX_ENTRIES[table]
    entry = {
        "backends": 'name = "b{i}"\ntype = "local"',
        "calendars": 'name = "c{i}"\nurl = "https://cal.example.com/{i}.ics"',
        "locations": 'id = "l{i}"\nsubnet = ["10.0.0.0/8"]',
        "rules": 'condition = "afterHours"\nset_status = "away"',
    }[table]
    text = "".join(f"[[{table}]]\n{entry.format(i=i)}\n" for i in range(limit + 5))
    problem = one_problem(tmp_path, text)
    assert f"{table}[{limit}]: at most {limit} {table} entries; the other 5" in problem


def test_100000_backends_are_refused_quickly_and_small(tmp_path: Path) -> None:
    text = "".join(f'[[backends]]\nname = "b{i}"\ntype = "local"\n' for i in range(100_000))
    started = time.monotonic()
    problem = one_problem(tmp_path, text)
    assert "larger than 1024 KB" in problem
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('bearer = "abc123"', "bearer"),
        ('signingSecret = "abc123"', "signingSecret"),
        ('auth_header = "Bearer abcdefghijkl"', "auth_header"),
        ('custom = "Bearer abcdefghijkl"', "custom"),
        ('note = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc"', "note"),
        ('access_key = "AKIA1234"', "access_key"),
    ],
)
def test_secret_like_keys_and_values_are_refused_like_known_ones(
    tmp_path: Path, line: str, key: str
) -> None:
    text = f'[[backends]]\nname = "hook"\ntype = "webhook"\n{URL}\nuser_id = "u"\n{line}\n'
    problem = one_problem(tmp_path, text)
    assert f"config.toml:6 backends[0].{key}: secrets are never read from the config" in problem


def test_a_rule_naming_a_missing_location_is_a_problem(tmp_path: Path) -> None:
    text = '[[rules]]\ncondition = "location"\nlocation = "nowhere"\nset_status = "busy"\n'
    problem = one_problem(tmp_path, text)
    assert "rules[0].location: no [[locations]] entry has id 'nowhere'" in problem


def test_an_unknown_hidden_menu_item_is_a_problem(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, '[ui]\nhidden_menu_items = ["quit", "status.busy", "bogus"]\n')
    assert "ui.hidden_menu_items[2]: unknown menu item 'bogus'" in problem


def test_a_calendar_file_that_does_not_exist_is_a_problem(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, '[[calendars]]\nname = "c"\npath = "/nonexistent/cal.ics"\n')
    assert "calendars[0].path: no such file: /nonexistent/cal.ics" in problem


def test_policy_file_nesting_and_size_are_bounded(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[enforced]\nx = " + "[" * 5000 + "]" * 5000)
    (problem,) = TomlPolicyReader(policy).read().problems
    assert "nested deeper than 32 levels" in problem and "ignored" in problem
    policy.write_text("# x\n" * (MAX_FILE_BYTES // 4 + 1))
    (problem,) = TomlPolicyReader(policy).read().problems
    assert "larger than 1024 KB" in problem


_TOML_BITS = st.sampled_from(
    [
        "[idle]\n",
        "[delivery]\n",
        "[[backends]]\n",
        "[[locations]]\n",
        "[[rules]]\n",
        "[ui]\n",
        'name = "x"\n',
        'type = "webhook"\n',
        'type = "local"\n',
        "away_after = ",
        "retry_cap = ",
        "max_queue = ",
        'base_url = "',
        "https://h.example.com/",
        "\\r\\n",
        '"\n',
        "inf\n",
        "nan\n",
        "1e400\n",
        str(2**70) + "\n",
        '"0s"\n',
        '"99999999999d"\n',
        *PUNCTUATION,
        'id = "hq"\n',
        'subnet = "10.0.0.0/8"\n',
        'condition = "location"\n',
        'location = "x"\n',
        'set_status = "busy"\n',
        "bearer = 1\n",
        'hidden_menu_items = ["zz"]\n',
        "version = 99\n",
    ]
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bits=st.lists(_TOML_BITS, max_size=40), noise=st.text(max_size=30), partial=st.booleans())
def test_any_file_gives_a_config_or_clear_problems(
    tmp_path: Path, bits: list[str], noise: str, partial: bool
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("".join(bits) + noise, encoding="utf-8")
    try:
        loaded = load_file(path, PolicyData(), "alice", CHECKS, partial=partial)
    except ConfigError as error:
        assert error.problems and all(str(path) in problem for problem in error.problems)
        return
    assert partial or not loaded.problems
    for problem in loaded.problems:
        assert str(path) in problem

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

from agent.config import schema
from agent.config.locate import key_lines, line_of

TEXT = """# comment
title = "x"
[user]
id = "u"   # trailing comment
"quoted key" = 1
[schedule]
days = [
  "mon",
  "tue",
]
start = "09:00"
notes = \"\"\"
fake = "not a key"
\"\"\"
end = "17:00"

[[backends]]
name = "a"
inline = { x = 1, y = 2 }
[backends.extra]
z = 3
[[backends]]
name = "b"
a.b.c = true
"""


def test_key_lines_follow_tables_arrays_and_multiline_values() -> None:
    lines = key_lines(TEXT)
    assert lines["title"] == 2
    assert lines["user.id"] == 4
    assert lines["user.quoted key"] == 5
    assert lines["schedule.days"] == 7
    assert lines["schedule.start"] == 11
    assert "schedule.fake" not in lines
    assert lines["schedule.end"] == 15
    assert lines["backends[0]"] == 17
    assert lines["backends[0].inline"] == 19
    assert lines["backends[0].extra.z"] == 21
    assert lines["backends[1].name"] == 23
    assert lines["backends[1].a.b.c"] == 24
    assert line_of(lines, "backends[0].inline.x") == 19
    assert line_of(lines, "schedule.days[1]") == 7
    assert line_of(lines, "nowhere.at.all") is None


def test_readme_documents_every_setting() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    reference = readme[readme.index("### Reference") :]
    missing = []
    for section in dataclasses.fields(schema.Config):
        hint = typing.get_type_hints(schema.Config)[section.name]
        inner = typing.get_args(hint)[0] if typing.get_origin(hint) is tuple else hint
        title = f"[[{section.name}]]" if typing.get_origin(hint) is tuple else f"[{section.name}]"
        if not dataclasses.is_dataclass(inner):
            if f"`{section.name}`" not in reference:
                missing.append(section.name)
            continue
        if f"`{title}`" not in reference:
            missing.append(title)
        missing += [
            f"{title} {field.name}"
            for field in dataclasses.fields(inner)
            if field.name != "options" and f"| `{field.name}` |" not in reference
        ]
    assert not missing, f"README's configuration reference lacks: {missing}"

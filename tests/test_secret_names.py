"""Secret names are a public contract: the keyring items people and scripts already have."""

from __future__ import annotations

from agent.secret_names import (
    CALENDAR_URL_FIELD,
    calendar_owner,
    is_calendar_owner,
    keyring_user,
    secret_command,
)


def test_the_names_people_already_use() -> None:
    assert calendar_owner("work") == "calendar:work"
    assert is_calendar_owner("calendar:work") and not is_calendar_owner("audian")
    assert keyring_user("audian", "api_token") == "audian/api_token"
    assert keyring_user(calendar_owner("work"), CALENDAR_URL_FIELD) == "calendar:work/url"
    assert secret_command("calendar:work", "url") == "presence-agent secret set calendar:work url"

"""Outlook's display-name TZIDs -> IANA zones, and the table they come from."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, timedelta, timezone
from pathlib import Path

import pytest

from agent.detectors.calendar_zones import windows_id, zone_for_tzid

ROOT = Path(__file__).resolve().parents[2]
WINE_TZRES = Path("/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/tzres.dll")


@pytest.mark.parametrize(
    ("tzid", "iana"),
    [
        ("(UTC-05:00) Eastern Time (US & Canada)", "America/New_York"),
        ('"(UTC-05:00) Eastern Time (US & Canada)"', "America/New_York"),
        ("(GMT+10:00) Canberra, Melbourne, Sydney", "Australia/Sydney"),  # pre-Vista form
        ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"),
        ("(UTC-03:00) Brasília", "America/Sao_Paulo"),  # accented as Outlook writes it
        ("(UTC) Coordinated Universal Time", "Etc/UTC"),
        ("Eastern Standard Time", "America/New_York"),  # a Windows id
    ],
)
def test_display_names_and_windows_ids_map_to_iana(tzid: str, iana: str) -> None:
    assert str(zone_for_tzid(tzid)) == iana


def test_same_places_different_offset_picks_the_matching_zone() -> None:
    assert windows_id("(UTC-06:00) Central Time (US & Canada)") == "Central Standard Time"
    assert windows_id("(UTC-05:00) Eastern Time (US & Canada)") == "Eastern Standard Time"


def test_unknown_names_with_an_offset_get_that_offset_and_others_nothing() -> None:
    assert zone_for_tzid("(GMT +01:00)") == timezone(timedelta(hours=1))
    assert zone_for_tzid("(UTC-03:30) Somewhere New") == timezone(-timedelta(hours=3, minutes=30))
    assert zone_for_tzid("(GMT)") is UTC
    assert zone_for_tzid("Custom zone") is None
    assert zone_for_tzid("(UTC+99:00) Nowhere") is None


@pytest.mark.skipif(not WINE_TZRES.exists(), reason="Wine's tzres.dll is not installed")
def test_the_table_is_what_the_generator_makes() -> None:
    generated = subprocess.run(
        [sys.executable, str(ROOT / "packaging/zones/generate_zone_names.py"), str(WINE_TZRES)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    table = (ROOT / "agent/detectors/calendar_zone_names.py").read_text(encoding="utf-8")
    assert generated == table


def test_every_display_name_reaches_an_iana_zone() -> None:
    from agent.detectors.calendar_zone_names import DISPLAY_NAMES

    assert len(DISPLAY_NAMES) > 130
    missing = [name for name in DISPLAY_NAMES if zone_for_tzid(name) is None]
    assert missing == []

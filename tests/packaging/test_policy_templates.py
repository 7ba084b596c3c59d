"""Every policy file is generated from the key list and checked against it."""

from __future__ import annotations

import plistlib
import re
import shutil
import subprocess
import tomllib
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import policy_templates as templates
import pytest

from agent.config.policy_keys import POLICY_KEYS, PolicyType

NS = {"p": "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"}
NAMES = {key.name for key in POLICY_KEYS}
SECRET_NAMES = {key.name for key in POLICY_KEYS if key.secret}


def test_admx_has_every_key_in_both_tiers_under_the_policy_path() -> None:
    root = ET.fromstring(templates.admx())
    policies = root.findall("p:policies/p:policy", NS)
    enforced = {p.get("valueName"): p for p in policies if p.get("name") == p.get("valueName")}
    recommended = {
        p.get("valueName"): p
        for p in policies
        if p.get("name") == f"{p.get('valueName')}Recommended"
    }
    assert set(enforced) == NAMES
    assert set(recommended) == NAMES
    for policy in enforced.values():
        assert policy.get("key") == r"SOFTWARE\Policies\PresenceAgent"
    for policy in recommended.values():
        assert policy.get("key") == r"SOFTWARE\Policies\PresenceAgent\Recommended"
    for key in POLICY_KEYS:
        policy = enforced[key.name]
        if key.type is PolicyType.ENUM:
            values = [v.text for v in policy.findall(".//p:enum/p:item/p:value/p:string", NS)]
            assert values == list(key.choices)
        if key.type is PolicyType.BOOLEAN:
            assert policy.find("p:enabledValue", NS) is not None


def test_every_string_and_presentation_the_admx_uses_is_defined_in_the_adml() -> None:
    admx = templates.admx()
    adml = ET.fromstring(templates.adml())
    strings = {s.get("id") for s in adml.findall(".//p:stringTable/p:string", NS)}
    presentations = {p.get("id") for p in adml.findall(".//p:presentationTable/p:presentation", NS)}
    used_strings = set(re.findall(r"\$\(string\.([A-Za-z0-9_]+)\)", admx))
    used_presentations = set(re.findall(r"\$\(presentation\.([A-Za-z0-9_]+)\)", admx))
    assert used_strings <= strings, used_strings - strings
    assert used_presentations <= presentations, used_presentations - presentations
    # Every presentation's controls refer to an element of the same id in the ADMX.
    root = ET.fromstring(admx)
    element_ids = {e.get("id") for e in root.iter() if e.get("id")}
    for presentation in adml.findall(".//p:presentationTable/p:presentation", NS):
        for control in presentation:
            assert control.get("refId") in element_ids


def _payload(profile_bytes: bytes) -> dict[str, Any]:
    profile = plistlib.loads(profile_bytes)
    assert profile["PayloadType"] == "Configuration"
    uuid.UUID(profile["PayloadUUID"])
    (payload,) = profile["PayloadContent"]
    assert payload["PayloadType"] == "com.presenceagent.agent"
    uuid.UUID(payload["PayloadUUID"])
    assert payload["PayloadUUID"] != profile["PayloadUUID"]
    assert templates.EXAMPLE_NOTE in profile["PayloadDisplayName"]
    assert f"<!-- {templates.EXAMPLE_NOTE}".encode() in profile_bytes
    return dict(payload)


def test_settings_profile_recommends_every_example_and_enforces_nothing() -> None:
    payload = _payload(templates.mobileconfig())
    enforced = {k for k in payload if not k.startswith("Payload") and k != "Defaults"}
    assert enforced == set()  # example values are never locked as shipped
    assert set(payload["Defaults"]) == NAMES - SECRET_NAMES
    for key in POLICY_KEYS:
        if key.secret:
            continue
        value = payload["Defaults"][key.name]
        expected = {
            PolicyType.BOOLEAN: bool,
            PolicyType.INTEGER: int,
            PolicyType.STRING_LIST: list,
            PolicyType.TABLE: dict,
            PolicyType.TABLE_LIST: list,
        }.get(key.type, str)
        assert isinstance(value, expected), key.name
        if key.choices:
            assert value in key.choices
    assert templates.mobileconfig() == templates.mobileconfig()  # stable UUIDs


def test_credentials_profile_is_user_scoped_and_holds_only_credentials() -> None:
    profile = plistlib.loads(templates.credentials_mobileconfig())
    assert profile["PayloadScope"] == "User"
    payload = _payload(templates.credentials_mobileconfig())
    assert {k for k in payload if not k.startswith("Payload")} == SECRET_NAMES
    assert plistlib.loads(templates.mobileconfig())["PayloadScope"] == "System"


def uncomment(text: str) -> str:
    """The example with every example line switched on (``#Key = …``, ``#[table]``)."""
    return re.sub(r"^#(?=[\[A-Za-z])", "", text, flags=re.MULTILINE)


def test_example_policy_names_every_key_and_parses_when_uncommented() -> None:
    text = templates.example_policy_toml()
    for key in POLICY_KEYS:
        assert f"# {key.name}: " in text
        if key.secret:
            assert f"{key.name} =" not in text and f".{key.name}]" not in text
    data = tomllib.loads(uncomment(text))
    assert set(data["enforced"]) == NAMES - SECRET_NAMES
    user = tomllib.loads(uncomment(templates.example_user_policy_toml()))
    assert set(user["enforced"]) == SECRET_NAMES


def test_launch_agent_runs_the_agent_at_login() -> None:
    plist = plistlib.loads(templates.launch_agent_plist())
    assert plist["Label"] == "com.presenceagent.agent"
    assert plist["RunAtLoad"] is True
    assert plist["ProgramArguments"][1:] == ["run", "--autostart"]


def _msi_table(msi: Path, table: str) -> list[list[str]]:
    out = subprocess.run(
        ["msiinfo", "export", str(msi), table], capture_output=True, text=True, check=True
    ).stdout
    return [line.split("\t") for line in out.splitlines()[3:]]


@pytest.mark.skipif(shutil.which("wixl") is None, reason="msitools' wixl is not installed")
def test_msi_tables_follow_the_key_list(tmp_path: Path) -> None:
    """Compile the WiX source with wixl (a stand-in payload, never shipped) and read it back."""
    import build_packages

    bundle = tmp_path / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "presence-agent").write_bytes(b"stand-in executable")
    (bundle / "_internal" / "library.so").write_bytes(b"stand-in library")
    msi = build_packages.wixl_msi(bundle, tmp_path / "tables-check.msi")

    properties = dict(row[:2] for row in _msi_table(msi, "Property"))
    secure = properties["SecureCustomProperties"].split(";")
    registry = {row[3]: row for row in _msi_table(msi, "Registry")}
    components = {row[0]: row for row in _msi_table(msi, "Component")}
    assert templates.MSI_KEYS and not any(key.secret for key in templates.MSI_KEYS)
    for key in templates.MSI_KEYS:
        prop = templates.msi_property(key)
        assert prop in secure
        row = registry[key.name]
        assert row[1] == "2"  # HKLM
        assert row[2] == r"SOFTWARE\Policies\PresenceAgent"
        assert prop in row[4]
        # written only when the property is given; selected on uninstall so it is removed
        assert components[row[5]][4] == templates.policy_condition(key)
    run = registry["PresenceAgent"]
    assert run[2] == r"SOFTWARE\Microsoft\Windows\CurrentVersion\Run"
    assert "presence-agent.exe" in run[4] and "--autostart" in run[4]
    features = {row[0] for row in _msi_table(msi, "Feature")}
    assert features == {"Main", "AutoStart"}
    feature_components = {(row[0], row[1]) for row in _msi_table(msi, "FeatureComponents")}
    assert ("AutoStart", run[5]) in feature_components
    shortcuts = _msi_table(msi, "Shortcut")
    assert [row[2] for row in shortcuts] == ["Presence Agent"]
    assert shortcuts[0][4] == "[INSTALLDIR]presence-agent.exe"
    files = {row[2] for row in _msi_table(msi, "File")}
    assert {"presence-agent.exe", "library.so"} <= files


def test_packaging_readme_lists_every_key_as_the_key_list_says() -> None:
    readme = (Path(__file__).resolve().parents[2] / "packaging" / "README.md").read_text()
    assert templates.markdown_key_table() in readme


def test_the_msi_build_refuses_a_payload_that_is_not_windows(tmp_path: Path) -> None:
    import build_packages

    bundle = tmp_path / "bundle"
    bundle.mkdir()
    with pytest.raises(SystemExit, match="no Windows payload"):
        build_packages.build_msi(bundle)
    (bundle / "presence-agent.exe").write_bytes(b"\x7fELF" + bytes(200))  # the Linux bundle
    with pytest.raises(SystemExit, match="not a Windows x64"):
        build_packages.build_msi(bundle)
    stub = bytearray(512)  # a PE header for 32-bit x86 (machine 0x14c)
    stub[:2], stub[0x3C:0x40] = b"MZ", (0x80).to_bytes(4, "little")
    stub[0x80:0x86] = b"PE\0\0" + (0x14C).to_bytes(2, "little")
    (bundle / "presence-agent.exe").write_bytes(bytes(stub))
    with pytest.raises(SystemExit, match="not a Windows x64"):
        build_packages.build_msi(bundle)
    assert not list(tmp_path.rglob("*.msi"))

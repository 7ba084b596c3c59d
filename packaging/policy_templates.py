"""Every policy file IT deploys, generated from the one key list (agent.config.policy_keys).

ADMX/ADML for Group Policy, the WiX source whose public ``PA_*`` properties write the
policy values, the macOS ``.mobileconfig`` and LaunchAgent, and the example
``/etc/presence-agent/policy.toml``. Nothing here is written by hand per key, so the
templates cannot drift from what the agent reads.
"""

from __future__ import annotations

import plistlib
import re
import uuid
from pathlib import Path
from xml.sax.saxutils import escape

from agent.config.policy_keys import POLICY_KEYS, PolicyKey, PolicyType

POLICY_REGISTRY_KEY = r"SOFTWARE\Policies\PresenceAgent"
RECOMMENDED_SUBKEY = "Recommended"
MAC_DOMAIN = "com.presenceagent.agent"
PROPERTY_PREFIX = "PA_"
#: The fixed UpgradeCode keeps every MSI version one product, so upgrades replace it.
UPGRADE_CODE = "6C1C4B8E-3F0B-4C33-9F55-5D3B1B1E7A21"
_NAMESPACE = uuid.UUID("a9d7c1f6-5b3e-4d8e-9a52-0e4f7d2b9c10")


def msi_property(key: PolicyKey) -> str:
    """The MSI public property for a key, Tailscale-style: BackendUrl -> PA_BACKENDURL."""
    return PROPERTY_PREFIX + key.name.upper()


PROPERTIES = [msi_property(key) for key in POLICY_KEYS]


def stable_uuid(name: str) -> str:
    """A UUID that is the same in every build, so profiles and components keep their ids."""
    return str(uuid.uuid5(_NAMESPACE, name)).upper()


def markdown_key_table() -> str:
    """The table of keys and MSI properties that packaging/README.md carries (checked by a test)."""
    rows = [
        "| Policy key | MSI property | Type | Drives | Meaning |",
        "|---|---|---|---|---|",
    ]
    for key in POLICY_KEYS:
        kind = key.type.value + (" (" + " / ".join(key.choices) + ")" if key.choices else "")
        meaning = key.meaning.replace("|", "/")
        rows.append(
            f"| `{key.name}` | `{msi_property(key)}` | {kind} | `{key.setting}` | {meaning} |"
        )
    return "\n".join(rows) + "\n"


# -- Group Policy -----------------------------------------------------------------


def admx() -> str:
    policies = []
    for tier, key_path, category in (
        ("", POLICY_REGISTRY_KEY, "PresenceAgent"),
        ("Recommended", f"{POLICY_REGISTRY_KEY}\\{RECOMMENDED_SUBKEY}", "PresenceAgentRecommended"),
    ):
        for key in POLICY_KEYS:
            policies.append(_admx_policy(key, tier, key_path, category))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<policyDefinitions xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" schemaVersion="1.0" '
        'xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions">\n'
        "  <policyNamespaces>\n"
        '    <target prefix="presenceagent" namespace="PresenceAgent.Policies.PresenceAgent" />\n'
        '    <using prefix="windows" namespace="Microsoft.Policies.Windows" />\n'
        "  </policyNamespaces>\n"
        '  <resources minRequiredRevision="1.0" />\n'
        "  <categories>\n"
        '    <category name="PresenceAgent" displayName="$(string.PresenceAgent)" />\n'
        '    <category name="PresenceAgentRecommended" '
        'displayName="$(string.PresenceAgentRecommended)" />\n'
        "  </categories>\n"
        "  <policies>\n" + "".join(policies) + "  </policies>\n"
        "</policyDefinitions>\n"
    )


def _admx_policy(key: PolicyKey, tier: str, key_path: str, category: str) -> str:
    name = f"{key.name}{tier}"
    head = (
        f'    <policy name="{name}" class="Both" displayName="$(string.{key.name})" '
        f'explainText="$(string.{key.name}_Help)" key="{escape(key_path)}" '
        f'valueName="{key.name}"'
    )
    tail = (
        f'      <parentCategory ref="{category}" />\n'
        '      <supportedOn ref="windows:SUPPORTED_Windows_10_0" />\n'
    )
    if key.type is PolicyType.BOOLEAN:
        return (
            f"{head}>\n{tail}"
            '      <enabledValue><decimal value="1" /></enabledValue>\n'
            '      <disabledValue><decimal value="0" /></disabledValue>\n'
            "    </policy>\n"
        )
    if key.type is PolicyType.INTEGER:
        element = f'<decimal id="{key.name}" valueName="{key.name}" />'
    elif key.type is PolicyType.ENUM:
        items = "".join(
            f'<item displayName="$(string.{key.name}_{_ident(choice)})">'
            f"<value><string>{escape(choice)}</string></value></item>"
            for choice in key.choices
        )
        element = f'<enum id="{key.name}" valueName="{key.name}" required="true">{items}</enum>'
    else:
        element = f'<text id="{key.name}" valueName="{key.name}" required="true" />'
    return (
        f'{head} presentation="$(presentation.{key.name})">\n{tail}'
        f"      <elements>{element}</elements>\n"
        "    </policy>\n"
    )


def adml() -> str:
    strings = [
        ("PresenceAgent", "Presence Agent"),
        ("PresenceAgentRecommended", "Presence Agent (recommended: the user may change)"),
    ]
    presentations = []
    for key in POLICY_KEYS:
        strings.append((key.name, _title(key.name)))
        help_text = key.meaning
        if key.type is PolicyType.STRING_LIST:
            help_text += " Separate several values with commas."
        if key.type is PolicyType.DURATION:
            help_text += ' Written like "90s", "5m" or "1h".'
        strings.append((f"{key.name}_Help", help_text))
        for choice in key.choices:
            strings.append((f"{key.name}_{_ident(choice)}", choice))
        if key.type is PolicyType.BOOLEAN:
            continue
        if key.type is PolicyType.INTEGER:
            control = f'<decimalTextBox refId="{key.name}">{_title(key.name)}</decimalTextBox>'
        elif key.type is PolicyType.ENUM:
            control = f'<dropdownList refId="{key.name}">{_title(key.name)}</dropdownList>'
        else:
            control = (
                f'<textBox refId="{key.name}"><label>{_title(key.name)}</label>'
                f"<defaultValue>{escape(key.example)}</defaultValue></textBox>"
            )
        presentations.append(f'      <presentation id="{key.name}">{control}</presentation>\n')
    string_lines = "".join(
        f'      <string id="{ident}">{escape(text)}</string>\n' for ident, text in strings
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<policyDefinitionResources xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" schemaVersion="1.0" '
        'xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions">\n'
        "  <displayName>Presence Agent</displayName>\n"
        "  <description>Policies for Presence Agent</description>\n"
        "  <resources>\n"
        "    <stringTable>\n" + string_lines + "    </stringTable>\n"
        "    <presentationTable>\n" + "".join(presentations) + "    </presentationTable>\n"
        "  </resources>\n"
        "</policyDefinitionResources>\n"
    )


def _ident(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)


def _title(name: str) -> str:
    words = []
    for ch in name:
        if ch.isupper() and words:
            words.append(" ")
        words.append(ch)
    return "".join(words)


# -- macOS ------------------------------------------------------------------------


def _plist_value(key: PolicyKey) -> object:
    example = key.example
    if key.type is PolicyType.BOOLEAN:
        return example.lower() == "true"
    if key.type is PolicyType.INTEGER:
        return int(example or 0)
    if key.type is PolicyType.STRING_LIST:
        return [part.strip() for part in example.split(",") if part.strip()]
    return example


def mobileconfig() -> bytes:
    """A configuration profile with every key at its example value (edit before use).

    Enforced keys sit at the payload's top level; ``Defaults`` holds recommended ones,
    which the agent reads from the managed preferences plist the profile installs.
    """
    settings: dict[str, object] = {key.name: _plist_value(key) for key in POLICY_KEYS}
    settings["Defaults"] = {"IdleAwayAfter": "5m"}
    payload = {
        "PayloadType": MAC_DOMAIN,
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{MAC_DOMAIN}.settings",
        "PayloadUUID": stable_uuid("mobileconfig-payload"),
        "PayloadDisplayName": "Presence Agent settings",
        "PayloadEnabled": True,
        **settings,
    }
    profile = {
        "PayloadContent": [payload],
        "PayloadDisplayName": "Presence Agent",
        "PayloadDescription": "Managed settings for Presence Agent",
        "PayloadIdentifier": f"{MAC_DOMAIN}.profile",
        "PayloadOrganization": "Your organization",
        "PayloadScope": "System",
        "PayloadType": "Configuration",
        "PayloadUUID": stable_uuid("mobileconfig-profile"),
        "PayloadVersion": 1,
    }
    return plistlib.dumps(profile)


def launch_agent_plist() -> bytes:
    """The LaunchAgent (``/Library/LaunchAgents``) that starts the agent at log-in."""
    return plistlib.dumps(
        {
            "Label": MAC_DOMAIN,
            "ProgramArguments": [
                "/Applications/Presence Agent.app/Contents/MacOS/presence-agent",
                "run",
                "--autostart",
            ],
            "RunAtLoad": True,
            "KeepAlive": False,
            "LimitLoadToSessionType": "Aqua",
            "ProcessType": "Interactive",
        }
    )


# -- Linux ------------------------------------------------------------------------


def example_policy_toml() -> str:
    lines = [
        "# /etc/presence-agent/policy.toml: settings IT manages on this machine.",
        "# [enforced] values are locked for the user; [recommended] ones are defaults the",
        "# user may change. Keys (all optional), generated from the agent's key list:",
        "#",
    ]
    for key in POLICY_KEYS:
        kind = key.type.value + (f" ({' | '.join(key.choices)})" if key.choices else "")
        lines.append(f"# {key.name}: {kind}. {key.meaning}")
    lines += ["", "[enforced]"]
    for key in POLICY_KEYS:
        lines.append(f"# {key.name} = {_toml_value(key)}")
    lines += ["", "[recommended]", '# IdleAwayAfter = "5m"', ""]
    return "\n".join(lines)


def _toml_value(key: PolicyKey) -> str:
    value = _plist_value(key)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return f'"{value}"'


# -- Windows installer --------------------------------------------------------------


def wix_source(bundle: Path, version: str) -> str:
    """A per-machine WiX product: the bundle's files, one policy value per PA_ property.

    Each policy value sits in its own component whose condition is "the property was
    given", so a plain install writes no policy and ``msiexec /i ... PA_BACKENDURL=...``
    writes exactly the values IT passes.
    """
    directories, file_components = _wix_tree(bundle)
    properties = "".join(
        f'    <Property Id="{msi_property(key)}" Secure="yes" />\n' for key in POLICY_KEYS
    )
    policy_components = "".join(_wix_policy_component(key) for key in POLICY_KEYS)
    policy_refs = "".join(f'      <ComponentRef Id="Policy{key.name}" />\n' for key in POLICY_KEYS)
    file_refs = "".join(f'      <ComponentRef Id="{cid}" />\n' for cid in file_components)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="Presence Agent" Language="1033" Version="{version}"
           Manufacturer="Presence Agent" UpgradeCode="{UPGRADE_CODE}">
    <Package InstallerVersion="500" Compressed="yes" InstallScope="perMachine" Platform="x64"
             Description="Presence Agent" Comments="Keeps presence systems up to date" />
    <Media Id="1" Cabinet="agent.cab" EmbedCab="yes" />
    <MajorUpgrade DowngradeErrorMessage="A newer Presence Agent is already installed." />
{properties}    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="Presence Agent">
{directories}        </Directory>
      </Directory>
      <Directory Id="ProgramMenuFolder">
        <Directory Id="ProgramMenuDir" Name="Presence Agent">
          <Component Id="StartMenuShortcut" Guid="{stable_uuid("shortcut")}" Win64="yes">
            <Shortcut Id="AgentShortcut" Name="Presence Agent"
                      Target="[INSTALLDIR]presence-agent.exe" Arguments="run"
                      WorkingDirectory="INSTALLDIR" />
            <RemoveFolder Id="RemoveProgramMenuDir" On="uninstall" />
            <RegistryValue Root="HKCU" Key="Software\\PresenceAgent" Name="StartMenuShortcut"
                           Type="integer" Value="1" KeyPath="yes" />
          </Component>
        </Directory>
      </Directory>
      <Component Id="AutoStartRun" Guid="{stable_uuid("autostart")}" Win64="yes">
        <RegistryValue Root="HKLM" Key="SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run"
                       Name="PresenceAgent" Type="string"
                       Value="&quot;[INSTALLDIR]presence-agent.exe&quot; run --autostart"
                       KeyPath="yes" />
      </Component>
{policy_components}    </Directory>
    <Feature Id="Main" Title="Presence Agent" Level="1" Absent="disallow">
{file_refs}      <ComponentRef Id="StartMenuShortcut" />
{policy_refs}    </Feature>
    <Feature Id="AutoStart" Title="Start at log-in" Level="1">
      <ComponentRef Id="AutoStartRun" />
    </Feature>
  </Product>
</Wix>
"""


def wixl_source(source: str) -> str:
    """The same source without what msitools' wixl cannot read (restored by :func:`msi_patches`).

    wixl 0.101 rejects ``Component/Condition`` and ignores ``Property/@Secure``.
    """
    source = re.sub(r"\s*<Condition>[^<]*</Condition>", "", source)
    return source.replace(' Secure="yes"', "").replace(' Platform="x64"', "")


def msi_patches(secure_already: str) -> list[str]:
    """SQL for msibuild that puts back the component conditions and secure properties."""
    queries = [
        f"UPDATE Component SET Condition = '{policy_condition(key)}' "
        f"WHERE Component = 'Policy{key.name}'"
        for key in POLICY_KEYS
    ]
    secure = ";".join([p for p in secure_already.split(";") if p] + PROPERTIES)
    queries.append(
        f"UPDATE Property SET Value = '{secure}' WHERE Property = 'SecureCustomProperties'"
    )
    return queries


def policy_condition(key: PolicyKey) -> str:
    """Install a policy value when its property is given; always select it on uninstall.

    Without ``REMOVE~="ALL"`` the condition is false at ``msiexec /x`` (no property given
    then), the component is disabled and Windows Installer leaves its value behind (seen
    under Wine's msiexec). Uninstall removes only the components that were installed.
    """
    return f'{msi_property(key)} OR REMOVE~="ALL"'


def _wix_policy_component(key: PolicyKey) -> str:
    prop = msi_property(key)
    value_type = "integer" if key.type in (PolicyType.BOOLEAN, PolicyType.INTEGER) else "string"
    return (
        f'      <Component Id="Policy{key.name}" Guid="{stable_uuid("policy-" + key.name)}" '
        'Win64="yes">\n'
        f"        <Condition>{escape(policy_condition(key))}</Condition>\n"
        f'        <RegistryValue Root="HKLM" Key="{POLICY_REGISTRY_KEY}" Name="{key.name}" '
        f'Type="{value_type}" Value="[{prop}]" KeyPath="yes" />\n'
        "      </Component>\n"
    )


def _wix_tree(bundle: Path) -> tuple[str, list[str]]:
    """Directory/Component/File elements for every file in the bundle."""
    components: list[str] = []

    def walk(folder: Path, depth: int) -> str:
        pad = "  " * depth
        out = []
        files = sorted(p for p in folder.iterdir() if p.is_file())
        for path in files:
            rel = path.relative_to(bundle).as_posix()
            cid = "C" + stable_uuid("file-" + rel).replace("-", "")[:30]
            name = "presence-agent.exe" if rel == "presence-agent" else path.name
            components.append(cid)
            out.append(
                f'{pad}<Component Id="{cid}" Guid="{stable_uuid("file-" + rel)}" Win64="yes">'
                f'<File Id="F{cid[1:]}" Name="{escape(name)}" Source="{escape(rel)}" '
                'KeyPath="yes" /></Component>\n'
            )
        for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
            rel = sub.relative_to(bundle).as_posix()
            did = "D" + stable_uuid("dir-" + rel).replace("-", "")[:30]
            out.append(f'{pad}<Directory Id="{did}" Name="{escape(sub.name)}">\n')
            out.append(walk(sub, depth + 1))
            out.append(f"{pad}</Directory>\n")
        return "".join(out)

    return walk(bundle, 5), components

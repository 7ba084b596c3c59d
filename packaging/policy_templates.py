"""Every policy file IT deploys, generated from the one key list (agent.config.policy_keys).

ADMX/ADML for Group Policy, the WiX source whose public ``PA_*`` properties write the
policy values, the macOS ``.mobileconfig`` profiles (settings; per-user credentials)
and LaunchAgent, and the example ``/etc/presence-agent/policy.toml`` (and the per-user
``users/<user>.toml`` for credentials). Nothing here is written by hand per key, so
the templates cannot drift from what the agent reads.

Structured keys follow the browsers' convention: JSON text in a REG_SZ value, a
dictionary or array in the profile, a TOML table or array of tables on Linux.
Credential keys (``secret``) have no MSI property (a command line shows up in process
lists and installer logs) and sit only in the per-user templates.
"""

from __future__ import annotations

import json
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
#: The longest JSON text Group Policy editors accept for a structured key.
STRUCTURED_MAX_LENGTH = 65535
_NAMESPACE = uuid.UUID("a9d7c1f6-5b3e-4d8e-9a52-0e4f7d2b9c10")


def msi_property(key: PolicyKey) -> str:
    """The MSI public property for a key, Tailscale-style: BackendUrl -> PA_BACKENDURL."""
    return PROPERTY_PREFIX + key.name.upper()


#: The keys the MSI can write: all but credentials (see the module docstring).
MSI_KEYS = tuple(key for key in POLICY_KEYS if not key.secret)
PROPERTIES = [msi_property(key) for key in MSI_KEYS]


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
        prop = f"`{msi_property(key)}`" if key in MSI_KEYS else "—"
        rows.append(f"| `{key.name}` | {prop} | {kind} | `{key.setting}` | {meaning} |")
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
    elif key.structured:  # JSON text: far longer than a text box's default 1023
        element = (
            f'<text id="{key.name}" valueName="{key.name}" required="true" '
            f'maxLength="{STRUCTURED_MAX_LENGTH}" />'
        )
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
            help_text += ' Separate several values with commas, or write a JSON array ["a", "b"].'
        if key.structured:
            help_text += " Written as JSON on one line."
        if key.secret:
            help_text += (
                " A credential: prefer User Configuration (HKCU). Any Group Policy value is "
                "stored in the GPO's Registry.pol on SYSVOL, which every domain user can read."
            )
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
            default = "" if key.secret else escape(key.example)
            control = (
                f'<textBox refId="{key.name}"><label>{_title(key.name)}</label>'
                f"<defaultValue>{default}</defaultValue></textBox>"
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


def example_value(key: PolicyKey) -> object:
    """The key's example as the native value a profile or TOML file holds."""
    example = key.example
    if key.type is PolicyType.BOOLEAN:
        return example.lower() == "true"
    if key.type is PolicyType.INTEGER:
        return int(example or 0)
    if key.structured:
        return json.loads(example)
    if key.type is PolicyType.STRING_LIST:
        if example.startswith("["):
            return json.loads(example)
        return [part.strip() for part in example.split(",") if part.strip()]
    return example


EXAMPLE_NOTE = "EXAMPLE VALUES: edit before deploying"


def mobileconfig() -> bytes:
    """The settings profile: every key at its example value as a *recommended* default.

    Nothing is enforced as shipped (the values are examples, and a recommended value
    only fills in what the user has not set); each key carries a comment. To enforce a
    key, move it out of ``Defaults`` to the payload's top level. Credentials are not
    here: see :func:`credentials_mobileconfig`.
    """
    defaults = {key.name: example_value(key) for key in POLICY_KEYS if not key.secret}
    return _profile(
        "settings",
        "Presence Agent settings",
        "System",
        {"Defaults": defaults},
        "Example values, all recommended (the user may change them). To lock a setting, "
        "move its key out of Defaults to this payload's top level.",
    )


def credentials_mobileconfig() -> bytes:
    """A user-scoped profile with the credential keys (enforced: rotated when IT changes them)."""
    secrets = {key.name: example_value(key) for key in POLICY_KEYS if key.secret}
    return _profile(
        "credentials",
        "Presence Agent credentials",
        "User",
        secrets,
        "Credentials the agent moves into the user's login keychain at start. Replace "
        "REPLACE-ME; deploy per user.",
    )


def _profile(
    name: str, title: str, scope: str, settings: dict[str, object], description: str
) -> bytes:
    payload = {
        "PayloadType": MAC_DOMAIN,
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{MAC_DOMAIN}.{name}",
        "PayloadUUID": stable_uuid(f"mobileconfig-{name}-payload"),
        "PayloadDisplayName": f"{title} ({EXAMPLE_NOTE})",
        "PayloadEnabled": True,
        **settings,
    }
    profile = {
        "PayloadContent": [payload],
        "PayloadDisplayName": f"{title} ({EXAMPLE_NOTE})",
        "PayloadDescription": description,
        "PayloadIdentifier": f"{MAC_DOMAIN}.{name}.profile",
        "PayloadOrganization": "Your organization",
        "PayloadScope": scope,
        "PayloadType": "Configuration",
        "PayloadUUID": stable_uuid(f"mobileconfig-{name}-profile"),
        "PayloadVersion": 1,
    }
    text = plistlib.dumps(profile).decode()
    comment = f"<!-- {EXAMPLE_NOTE}. {description} -->\n"
    return text.replace("<plist ", comment + "<plist ", 1).encode()


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
    """``/etc/presence-agent/policy.toml``: every key but credentials, commented out."""
    lines = [
        "# /etc/presence-agent/policy.toml: settings IT manages on this machine.",
        "# [enforced] values are locked for the user; [recommended] ones are defaults the",
        "# user may change. Keys (all optional), generated from the agent's key list:",
        "#",
    ]
    for key in POLICY_KEYS:
        kind = key.type.value + (f" ({' | '.join(key.choices)})" if key.choices else "")
        lines.append(f"# {key.name}: {kind}. {key.meaning}")
    lines += [
        "#",
        "# Credentials (BackendSecrets, CalendarUrlSecrets) do not belong in this file,",
        "# which every local user can read: put them in users/<user>.toml (see",
        "# policy-user.toml beside this example).",
        "#",
        "# Lines that start with '#' and no space are examples: remove the '#' to use one.",
        "",
        "[enforced]",
    ]
    keys = [key for key in POLICY_KEYS if not key.secret]
    lines += [
        f"#{key.name} = {toml_value(example_value(key))}" for key in keys if not key.structured
    ]
    lines += _toml_tables("enforced", [key for key in keys if key.structured])
    lines += ["", "[recommended]", '#IdleAwayAfter = "5m"', ""]
    return "\n".join(lines)


def example_user_policy_toml() -> str:
    """``/etc/presence-agent/users/<user>.toml``: one user's policy, credentials above all."""
    lines = [
        "# /etc/presence-agent/users/<user>.toml: policy for one user, read after",
        "# policy.toml (it wins key by key). Make it readable by that user (and root) only:",
        "#   install -D -m 0600 policy-user.toml /etc/presence-agent/users/<user>.toml",
        "#   setfacl -m u:<user>:r /etc/presence-agent/users/<user>.toml",
        "# The agent moves the credentials below into the user's keyring at start.",
        "# Lines that start with '#' and no space are examples: remove the '#' to use one.",
        "",
        "[enforced]",
    ]
    lines += _toml_tables("enforced", [key for key in POLICY_KEYS if key.secret])
    return "\n".join(lines) + "\n"


def _toml_tables(tier: str, keys: list[PolicyKey]) -> list[str]:
    lines: list[str] = []
    for key in keys:
        value = example_value(key)
        lines.append("")
        if isinstance(value, list):
            for entry in value:
                lines.append(f"#[[{tier}.{key.name}]]")
                lines += [f"#{name} = {toml_value(item)}" for name, item in entry.items()]
        else:
            assert isinstance(value, dict)
            lines.append(f"#[{tier}.{key.name}]")
            lines += [f"#{_toml_key(name)} = {toml_value(item)}" for name, item in value.items()]
    return lines


def toml_value(value: object) -> str:
    """A TOML value (inline tables for nested dictionaries)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{" + items + "}"
    return json.dumps(str(value), ensure_ascii=False)


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


# -- Windows installer --------------------------------------------------------------


def wix_source(bundle: Path, version: str) -> str:
    """A per-machine WiX product: the bundle's files, one policy value per PA_ property.

    Each policy value sits in its own component whose condition is "the property was
    given", so a plain install writes no policy and ``msiexec /i ... PA_BACKENDURL=...``
    writes exactly the values IT passes.
    """
    directories, file_components = _wix_tree(bundle)
    properties = "".join(
        f'    <Property Id="{msi_property(key)}" Secure="yes" />\n' for key in MSI_KEYS
    )
    policy_components = "".join(_wix_policy_component(key) for key in MSI_KEYS)
    policy_refs = "".join(f'      <ComponentRef Id="Policy{key.name}" />\n' for key in MSI_KEYS)
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
        for key in MSI_KEYS
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

"""THE list of managed-policy keys: the contract with IT.

Everything that reads or writes policy is generated from :data:`POLICY_KEYS`: the
Linux/Windows/macOS readers in :mod:`agent.config.policy`, and (in ``packaging/``)
the example ``policy.toml``, the MSI properties, the ADMX/ADML templates and the
``.mobileconfig`` profile, so they can never drift apart.

``setting`` is the dotted config path a key drives. Two pseudo-entries stand for
the one backend and the one calendar IT can define: ``backends[managed].<field>``
is the ``[[backends]]`` entry whose name is ``BackendName`` (default: the
``BackendType``), ``calendars[managed].<field>`` the calendar named ``organization``.
Keys starting with ``backends[managed].options.`` fill the type-specific options.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from agent.config.schema import CHOICES


class PolicyType(StrEnum):
    """How a value is written in each store.

    Registry: STRING/DURATION/ENUM are REG_SZ, BOOLEAN/INTEGER are REG_DWORD,
    STRING_LIST is REG_MULTI_SZ (a REG_SZ with commas is accepted too). A DURATION is
    text like "5m" (a number means seconds). plist/TOML use their native types.
    """

    STRING = "string"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    DURATION = "duration"
    ENUM = "enum"
    STRING_LIST = "string-list"


@dataclass(frozen=True)
class PolicyKey:
    name: str
    type: PolicyType
    setting: str
    meaning: str
    choices: tuple[str, ...] = ()
    example: str = ""


MANAGED_BACKEND = "backends[managed]"
MANAGED_CALENDAR = "calendars[managed]"
MANAGED_CALENDAR_NAME = "organization"

POLICY_KEYS: tuple[PolicyKey, ...] = (
    PolicyKey(
        "ManagedByOrganizationName",
        PolicyType.STRING,
        "general.managed_by",
        'Organisation name shown as "Managed by <name>" next to locked settings.',
        example="Example Corp",
    ),
    PolicyKey(
        "LockSettings",
        PolicyType.BOOLEAN,
        "general.lock_settings",
        "When true the user cannot change any setting in the tray app.",
        example="true",
    ),
    PolicyKey(
        "AutoStart",
        PolicyType.ENUM,
        "general.autostart",
        "Start the agent at log-in: always, never, or let the user decide.",
        choices=CHOICES["general.autostart"],
        example="always",
    ),
    PolicyKey(
        "LogLevel",
        PolicyType.ENUM,
        "general.log_level",
        "Detail of the agent's log file.",
        choices=CHOICES["general.log_level"],
        example="info",
    ),
    PolicyKey(
        "ProxyUrl",
        PolicyType.STRING,
        "general.proxy_url",
        "HTTP(S) proxy for every backend and calendar request (empty: direct).",
        example="http://proxy.example.com:3128",
    ),
    PolicyKey(
        "AdoptRemoteStatus",
        PolicyType.BOOLEAN,
        "general.adopt_remote_status",
        "At start-up, take over a busy/dnd/invisible status set on another device.",
        example="true",
    ),
    PolicyKey(
        "OfflineOnExit",
        PolicyType.BOOLEAN,
        "general.offline_on_exit",
        "Report offline when the user quits, logs out or shuts down.",
        example="true",
    ),
    PolicyKey(
        "HiddenMenuItems",
        PolicyType.STRING_LIST,
        "ui.hidden_menu_items",
        "Tray menu items to hide (e.g. settings, pause, quit, invisible).",
        example="quit",
    ),
    PolicyKey(
        "Notifications",
        PolicyType.BOOLEAN,
        "ui.notifications",
        "Show a desktop notification when the status changes.",
        example="false",
    ),
    PolicyKey(
        "UserId",
        PolicyType.STRING,
        "user.id",
        "The user's id in the presence systems; {username} expands to the OS user name.",
        example="{username}",
    ),
    PolicyKey(
        "UserEmailTemplate",
        PolicyType.STRING,
        "user.email",
        "The user's email; {username} expands to the OS user name, so one package serves a fleet.",
        example="{username}@example.com",
    ),
    PolicyKey(
        "IdleAwayAfter",
        PolicyType.DURATION,
        "idle.away_after",
        'Idle time after which the user shows as away (e.g. "5m").',
        example="10m",
    ),
    PolicyKey(
        "LockIsAway",
        PolicyType.BOOLEAN,
        "idle.lock_is_away",
        "A locked screen means away.",
        example="true",
    ),
    PolicyKey(
        "WorkingHoursStart",
        PolicyType.STRING,
        "schedule.start",
        'Start of working hours, "HH:MM".',
        example="08:00",
    ),
    PolicyKey(
        "WorkingHoursEnd",
        PolicyType.STRING,
        "schedule.end",
        'End of working hours, "HH:MM".',
        example="18:00",
    ),
    PolicyKey(
        "WorkingDays",
        PolicyType.STRING_LIST,
        "schedule.days",
        "Working days (mon, tue, wed, thu, fri, sat, sun).",
        example="mon,tue,wed,thu,fri",
    ),
    PolicyKey(
        "LocationMode",
        PolicyType.ENUM,
        "location.mode",
        "Location detection: off, site (building only) or full (building and floor).",
        choices=CHOICES["location.mode"],
        example="site",
    ),
    PolicyKey(
        "CameraCountsAsCall",
        PolicyType.BOOLEAN,
        "call.camera",
        "An active camera counts as being on a call.",
        example="true",
    ),
    PolicyKey(
        "BackendName",
        PolicyType.STRING,
        f"{MANAGED_BACKEND}.name",
        "Name of the managed backend (keyring secrets are stored under it); default: its type.",
        example="audian",
    ),
    PolicyKey(
        "BackendType",
        PolicyType.ENUM,
        f"{MANAGED_BACKEND}.type",
        "Type of the managed backend.",
        choices=("local", "webhook", "audian", "calven", "superoffice", "cord", "essentry"),
        example="audian",
    ),
    PolicyKey(
        "BackendUrl",
        PolicyType.STRING,
        f"{MANAGED_BACKEND}.base_url",
        "Base URL of the managed backend (https; http only to 127.0.0.1/localhost).",
        example="https://api.audian.com:8443/v2",
    ),
    PolicyKey(
        "BackendEnabled",
        PolicyType.BOOLEAN,
        f"{MANAGED_BACKEND}.enabled",
        "Whether the managed backend receives updates.",
        example="true",
    ),
    PolicyKey(
        "BackendAccountId",
        PolicyType.STRING,
        f"{MANAGED_BACKEND}.options.account_id",
        "Account id for the managed backend (Audian).",
        example="acme",
    ),
    PolicyKey(
        "BackendAuth",
        PolicyType.STRING,
        f"{MANAGED_BACKEND}.options.auth",
        "Authentication mode of the managed backend (Calven, SuperOffice).",
        example="bearer",
    ),
    PolicyKey(
        "BackendUsername",
        PolicyType.STRING,
        f"{MANAGED_BACKEND}.options.username",
        "User name for basic authentication; {username} expands to the OS user name.",
        example="{username}",
    ),
    PolicyKey(
        "BackendSourceId",
        PolicyType.STRING,
        f"{MANAGED_BACKEND}.options.source_id",
        "Source id the managed backend knows this agent by (Calven).",
        example="presence-agent",
    ),
    PolicyKey(
        "CalendarUrl",
        PolicyType.STRING,
        f"{MANAGED_CALENDAR}.url",
        "An https ICS calendar URL; {username} expands to the OS user name.",
        example="https://calendar.example.com/{username}.ics",
    ),
)

# Values of these keys may contain {username}, expanded from the OS user name.
TEMPLATED = frozenset({"UserId", "UserEmailTemplate", "BackendUsername", "CalendarUrl"})


def by_name() -> dict[str, PolicyKey]:
    return {key.name: key for key in POLICY_KEYS}

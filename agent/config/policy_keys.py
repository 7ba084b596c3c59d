"""THE list of managed-policy keys: the contract with IT.

Everything that reads or writes policy is generated from :data:`POLICY_KEYS`: the
Linux/Windows/macOS readers in :mod:`agent.config.policy`, and (in ``packaging/``)
the example ``policy.toml``, the MSI properties, the ADMX/ADML templates and the
``.mobileconfig`` profile, so they can never drift apart.

``setting`` is the dotted config path a key drives. Structured keys follow the
browsers' convention for managed policy: a JSON string in the registry, a dictionary
or array in the macOS profile, a TOML table or array of tables on Linux.
``Backends``, ``Locations`` and ``Calendars`` are arrays of entries merged with the
user's own by their ``identity`` field (``name``/``id``); ``Rules`` replaces the
user's rules as a whole (their order is their meaning).

Two pseudo-entries stand for the single backend and calendar the older flat keys
define: ``backends[managed].<field>`` is the ``[[backends]]`` entry whose name is
``BackendName`` (default: the ``BackendType``), ``calendars[managed].<field>`` the
calendar named ``organization``. Keys starting with ``backends[managed].options.``
fill the type-specific options.

``secret`` keys drive no setting: the agent moves their values into the user's
keyring at start (:mod:`agent.secret_provisioning`), and never prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from agent.config.schema import CHOICES


class PolicyType(StrEnum):
    """How a value is written in each store.

    Registry: STRING/DURATION/ENUM are REG_SZ, BOOLEAN/INTEGER are REG_DWORD,
    STRING_LIST is REG_MULTI_SZ (a REG_SZ with commas, or a JSON array, is accepted
    too). TABLE and TABLE_LIST are JSON text in a REG_SZ (a REG_MULTI_SZ is read as its
    lines joined). A DURATION is text like "5m" (a number means seconds). plist/TOML
    use their native types: a dictionary / TOML table, an array of them.
    """

    STRING = "string"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    DURATION = "duration"
    ENUM = "enum"
    STRING_LIST = "string-list"
    TABLE = "table"
    TABLE_LIST = "table-list"


@dataclass(frozen=True)
class PolicyKey:
    name: str
    type: PolicyType
    setting: str
    meaning: str
    choices: tuple[str, ...] = ()
    example: str = ""
    identity: str = ""
    """For a TABLE_LIST: the field that matches a policy entry to the user's entry."""
    secret: bool = False
    """Carries credentials: imported into the keyring, never shown or logged."""

    @property
    def structured(self) -> bool:
        return self.type in (PolicyType.TABLE, PolicyType.TABLE_LIST)


MANAGED_BACKEND = "backends[managed]"
MANAGED_CALENDAR = "calendars[managed]"
MANAGED_CALENDAR_NAME = "organization"
KEYRING = "(keyring)"
"""The ``setting`` of secret keys: their values go to the keyring, not the configuration."""
BACKEND_SECRETS = "BackendSecrets"
"""``{backend: {field: value}}``."""
CALENDAR_URL_SECRETS = "CalendarUrlSecrets"
"""``{calendar: url}``."""

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
        "NotifyAutomatic",
        PolicyType.BOOLEAN,
        "ui.notify_automatic",
        "Also notify for automatic (rule) changes, not only manual ones.",
        example="false",
    ),
    PolicyKey(
        "PresetMessages",
        PolicyType.STRING_LIST,
        "ui.preset_messages",
        "Quick status messages offered in the tray.",
        example='["In a meeting", "Commuting", "Working remotely"]',
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
        "UserDisplayName",
        PolicyType.STRING,
        "user.display_name",
        "Name shown in the tray and sent where a backend wants one.",
        example="{username}",
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
        "WorkingHoursTimeZone",
        PolicyType.STRING,
        "schedule.timezone",
        "IANA time zone of the working hours (e.g. Europe/Oslo); empty: the machine's zone.",
        example="Europe/Oslo",
    ),
    PolicyKey(
        "WorkingHoursEnabled",
        PolicyType.BOOLEAN,
        "schedule.enabled",
        "When false, the user is always inside working hours.",
        example="true",
    ),
    PolicyKey(
        "Rules",
        PolicyType.TABLE_LIST,
        "rules",
        "Status rules, first match wins; each has condition, set_status and optionally "
        "message, after, location. Replaces the user's rules as a whole.",
        example='[{"condition": "activeCall", "set_status": "busy", "message": "On a call"}, '
        '{"condition": "locked", "set_status": "away"}, '
        '{"condition": "idle", "set_status": "away", "after": "10m"}]',
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
        "LocationStableFor",
        PolicyType.DURATION,
        "location.stable_for",
        "How long a detected location must hold before it counts.",
        example="30s",
    ),
    PolicyKey(
        "Locations",
        PolicyType.TABLE_LIST,
        "locations",
        "Office locations recognised from the network; each has id and optionally type, "
        "name, parent, bssid, gateway_mac, subnet, dns_suffix, ssid. Merged by id.",
        example='[{"id": "oslo-hq", "name": "Oslo HQ", "subnet": ["10.1.0.0/16"], '
        '"dns_suffix": ["oslo.example.com"]}, {"id": "oslo-hq-4", "type": "level", '
        '"parent": "oslo-hq", "name": "4th floor", "subnet": ["10.1.4.0/24"]}]',
        identity="id",
    ),
    PolicyKey(
        "CameraCountsAsCall",
        PolicyType.BOOLEAN,
        "call.camera",
        "An active camera counts as being on a call.",
        example="true",
    ),
    PolicyKey(
        "CallMinDuration",
        PolicyType.DURATION,
        "call.min_duration",
        "Microphone or camera use shorter than this is not a call.",
        example="2s",
    ),
    PolicyKey(
        "CallHoldAfter",
        PolicyType.DURATION,
        "call.hold_after",
        "A call is held this long after capture stops.",
        example="15s",
    ),
    PolicyKey(
        "CallIgnoreApps",
        PolicyType.STRING_LIST,
        "call.ignore_apps",
        "Apps whose microphone or camera use never counts as a call.",
        example='["dictation"]',
    ),
    PolicyKey(
        "CallMeetingApps",
        PolicyType.STRING_LIST,
        "call.meeting_apps",
        "Apps whose microphone or camera use counts as a call.",
        example='["zoom", "teams", "webex", "slack", "chrome", "firefox"]',
    ),
    PolicyKey(
        "DeliveryRetryCap",
        PolicyType.DURATION,
        "delivery.retry_cap",
        "Longest wait between retries of a failed delivery.",
        example="5m",
    ),
    PolicyKey(
        "DeliveryReassertEvery",
        PolicyType.DURATION,
        "delivery.reassert_every",
        "The current state is sent again to state backends this often.",
        example="1h",
    ),
    PolicyKey(
        "DeliveryMaxQueue",
        PolicyType.INTEGER,
        "delivery.max_queue",
        "Most queued messages per backend.",
        example="1000",
    ),
    PolicyKey(
        "Calendars",
        PolicyType.TABLE_LIST,
        "calendars",
        "Calendars; each has name and one of path, url or url_secret (the URL, with its "
        "token, comes from CalendarUrlSecrets), and optionally refresh, user_email. Merged "
        "by name.",
        example='[{"name": "work", "url_secret": true, "refresh": "5m"}]',
        identity="name",
    ),
    PolicyKey(
        CALENDAR_URL_SECRETS,
        PolicyType.TABLE,
        KEYRING,
        "Calendar URLs that carry a token, by calendar name; moved into each user's "
        "keyring at start. {username} expands to the OS user name.",
        example='{"work": "https://calendar.example.com/{username}.ics?token=REPLACE-ME"}',
        secret=True,
    ),
    PolicyKey(
        "Backends",
        PolicyType.TABLE_LIST,
        "backends",
        "Presence systems to update; each has name, type, base_url, enabled and the "
        "type's own options (see the README). Merged by name.",
        example='[{"name": "audian", "type": "audian", '
        '"base_url": "https://api.audian.com:8443/v2", "account_id": "acc_1234567890", '
        '"dnd_endpoint": true, "forward_when_away": "+1-555-9999"}, '
        '{"name": "cord", "type": "cord", "base_url": "https://api.cord.example", '
        '"project_id": "p-42", "user_id": "{username}"}]',
        identity="name",
    ),
    PolicyKey(
        BACKEND_SECRETS,
        PolicyType.TABLE,
        KEYRING,
        "Backend credentials by backend name and field (e.g. audian: api_token); moved "
        "into each user's keyring at start. {username} expands to the OS user name.",
        example='{"audian": {"api_token": "REPLACE-ME"}}',
        secret=True,
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

# Values of these keys may contain {username}, expanded from the OS user name (in
# structured keys, in every string they hold).
TEMPLATED = frozenset(
    {"UserId", "UserEmailTemplate", "UserDisplayName", "BackendUsername", "CalendarUrl"}
    | {key.name for key in POLICY_KEYS if key.structured}
)


def by_name() -> dict[str, PolicyKey]:
    return {key.name: key for key in POLICY_KEYS}

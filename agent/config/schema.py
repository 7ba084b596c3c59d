"""The typed settings the agent runs on.

Every section is a frozen dataclass with defaults. The loader builds them from the
TOML file generically from these type hints, so adding a setting means adding a
field here (with a default and a ``metadata={"doc": ...}``) and nothing else.
Durations are stored as seconds (``float``) and written in the file as "5m".
Fields whose metadata has ``"duration": True`` accept that syntax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1
CHOICES: dict[str, tuple[str, ...]] = {
    "general.autostart": ("always", "never", "user-decides"),
    "general.log_level": ("debug", "info", "warning", "error"),
    "location.mode": ("off", "site", "full"),
}
"""Settings that take one word of a fixed set: checked at load, offered as-is in IT's policy."""


def _dur(default: float, doc: str) -> Any:
    return field(default=default, metadata={"duration": True, "doc": doc})


@dataclass(frozen=True)
class UserSettings:
    id: str = ""
    email: str = ""
    display_name: str = ""


@dataclass(frozen=True)
class IdleSettings:
    away_after: float = _dur(300.0, "idle time after which the user is away")
    lock_is_away: bool = True


@dataclass(frozen=True)
class ScheduleSettings:
    """Working hours; outside them the ``afterHours`` condition holds."""

    timezone: str = ""  # IANA name; empty means the machine's zone
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: str = "09:00"
    end: str = "17:00"
    enabled: bool = True


@dataclass(frozen=True)
class RuleSettings:
    """One ``[[rules]]`` entry: first match wins."""

    condition: str
    set_status: str
    message: str = ""
    after: float | None = field(default=None, metadata={"duration": True})
    location: str = ""


@dataclass(frozen=True)
class CallSettings:
    min_duration: float = _dur(2.0, "capture shorter than this is ignored")
    hold_after: float = _dur(15.0, "a call is held this long after capture stops")
    ignore_apps: tuple[str, ...] = ()
    meeting_apps: tuple[str, ...] = (
        "zoom",
        "teams",
        "ms-teams",
        "webex",
        "slack",
        "firefox",
        "chrome",
        "chromium",
        "msedge",
        "safari",
    )
    camera: bool = True


@dataclass(frozen=True)
class LocationEntry:
    """One ``[[locations]]`` entry; the matchers are its own keys."""

    id: str
    type: str = "building"
    name: str = ""
    parent: str = ""
    bssid: tuple[str, ...] = ()
    gateway_mac: tuple[str, ...] = ()
    subnet: tuple[str, ...] = ()
    dns_suffix: tuple[str, ...] = ()
    ssid: tuple[str, ...] = ()


@dataclass(frozen=True)
class LocationSettings:
    mode: str = "full"  # off | site | full
    stable_for: float = _dur(30.0, "a location must hold this long before it counts")


@dataclass(frozen=True)
class CalendarEntry:
    """One ``[[calendars]]`` entry: a local ICS file or an https URL.

    A URL with a secret token in it is not written here: ``url_secret = true`` makes
    the agent read it from the keyring (``calendar:<name>/url``).
    """

    name: str
    path: str = ""
    url: str = ""
    url_secret: bool = False
    refresh: float = _dur(600.0, "how often a URL calendar is fetched")
    user_email: str = ""


@dataclass(frozen=True)
class BackendEntry:
    """One ``[[backends]]`` entry; ``options`` holds the type-specific keys."""

    name: str
    type: str
    base_url: str = ""
    enabled: bool = True
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliverySettings:
    retry_cap: float = _dur(300.0, "longest wait between retries")
    reassert_every: float = _dur(3600.0, "state is re-sent to state backends this often")
    max_queue: int = 1000


@dataclass(frozen=True)
class UiSettings:
    notifications: bool = False
    notify_automatic: bool = False
    hidden_menu_items: tuple[str, ...] = ()
    preset_messages: tuple[str, ...] = (
        "In a meeting",
        "Commuting",
        "Out sick",
        "Working remotely",
        "Focusing",
    )


@dataclass(frozen=True)
class GeneralSettings:
    log_level: str = "info"
    proxy_url: str = ""
    autostart: str = "user-decides"  # always | never | user-decides
    managed_by: str = ""
    lock_settings: bool = False
    adopt_remote_status: bool = True  # take over a status set on another device at start
    offline_on_exit: bool = True  # report "offline" on quit, log-out and shutdown


@dataclass(frozen=True)
class Config:
    """The whole effective configuration (file + policy + defaults)."""

    user: UserSettings = field(default_factory=UserSettings)
    idle: IdleSettings = field(default_factory=IdleSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    rules: tuple[RuleSettings, ...] = ()
    call: CallSettings = field(default_factory=CallSettings)
    location: LocationSettings = field(default_factory=LocationSettings)
    locations: tuple[LocationEntry, ...] = ()
    calendars: tuple[CalendarEntry, ...] = ()
    backends: tuple[BackendEntry, ...] = (BackendEntry(name="local", type="local"),)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    ui: UiSettings = field(default_factory=UiSettings)
    general: GeneralSettings = field(default_factory=GeneralSettings)
    version: int = SCHEMA_VERSION

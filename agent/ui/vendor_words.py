"""What a person reads about each backend type: its name, an example and a line per field.

The settings form and the wizard show these; the file keeps the type ids and keys. No
Qt here, so the words are tested on their own. Examples come from each vendor's
public API documentation (see /work/shared/api-docs in the project notes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class FieldWords:
    label: str
    help: str
    example: str = ""


VENDOR_NAMES: dict[str, str] = {
    "local": "Only this computer",
    "webhook": "Webhook (your own server)",
    "audian": "Audian",
    "calven": "Calven",
    "superoffice": "SuperOffice",
    "cord": "Cord",
    "essentry": "essentry",
}

SERVER_EXAMPLES: dict[str, str] = {
    "webhook": "https://hooks.example.com/presence",
    "audian": "https://api.audian.com:8443/v2",
    "calven": "https://api.calven.com/v1",
    "superoffice": "https://online.superoffice.com/Cust12345",
    "cord": "https://api.cord.com/v1",
    "essentry": "https://app.essentry.com/api/v2",
}

FIELDS: dict[str, FieldWords] = {
    "base_url": FieldWords("Server address", "The web address of the presence service."),
    "account_id": FieldWords(
        "Account ID", "Your organization's account, from the admin portal.", "acc_1234567890"
    ),
    "user_id": FieldWords("User ID", "Empty: the user ID from your profile.", "user_123456"),
    "dnd_endpoint": FieldWords(
        "Phone do-not-disturb", "Silence your phone line during Do not disturb."
    ),
    "forward_when_away": FieldWords(
        "Forward calls when away",
        "While you're Away, calls go to this number.",
        "+47 22 33 44 55",
    ),
    "source_id": FieldWords("Source ID", "The ID Calven gave this integration.", "src_42"),
    "auth": FieldWords("Sign-in method", "How Presence Agent signs in; ask your administrator."),
    "token_url": FieldWords(
        "Token address", "Where sign-in tokens come from (empty: the default).", ""
    ),
    "username": FieldWords("User name", "The name you sign in with.", "ada.lovelace"),
    "source_user_id": FieldWords("Source user ID", "Your ID in the source system.", ""),
    "user_email": FieldWords("Email", "The email address the service knows you by.", ""),
    "present_statuses": FieldWords(
        "Counts as present", "Statuses that count as in the office, comma-separated."
    ),
    "project_id": FieldWords("Project ID", "The Cord project of your organization.", "proj_1"),
    "group_id": FieldWords("Group ID", "The Cord group to show you in.", "staff"),
    "durable": FieldWords("Keep after sign-out", "Keep your status when you sign out of Cord."),
    "location_template": FieldWords("Location fields", "What Cord is told about your location."),
    "location_id": FieldWords("Location ID", "The essentry site you work at.", "1042"),
    "entrance_id": FieldWords("Entrance ID", "The entrance you check in through.", "7"),
    "company_domains": FieldWords(
        "Company email domains", "Domains of your colleagues (comma-separated).", "example.com"
    ),
    "ignore_missing_invitations": FieldWords(
        "Ignore missing invitations", "Skip meetings that have no essentry invitation."
    ),
    "location_filter": FieldWords("Only these locations", "Location IDs to report (empty: all)."),
    "path": FieldWords("Journal file", "Where changes are written (empty: the default)."),
    "enabled": FieldWords("Enabled", "Send updates to this service."),
    "api_token": FieldWords("API token", "The token from your Audian profile page."),
    "signing_secret": FieldWords("Signing secret", "Your server checks each request with it."),
    "api_key": FieldWords("API key", "The key from your administrator."),
    "client_secret": FieldWords("Client secret", "The secret from your administrator."),
    "hmac_secret": FieldWords("Signing secret", "Used to sign requests, if your admin set one."),
    "password": FieldWords("Password", "Your password for this service."),
    "token": FieldWords("Token", "An access token, if you were given one instead."),
    "app_token": FieldWords("Application token", "The token of the SuperOffice app."),
    "project_secret": FieldWords("Project secret", "The secret of your Cord project."),
    "agent_token": FieldWords("Agent token", "The token for this app from essentry."),
}


def vendor_name(kind: str) -> str:
    return VENDOR_NAMES.get(kind, kind)


def field_words(key: str) -> FieldWords:
    """Words for ``key``; an unknown key reads as its words ("dnd_endpoint" -> "Dnd endpoint")."""
    words = FIELDS.get(key)
    if words is not None:
        return words
    return FieldWords(key.replace("_", " ").capitalize(), "")


def url_problem(text: str) -> str:
    """Why ``text`` is not a usable server address, in words; "" when it is fine.

    The rule is the backends' own (https, or http to this computer only); only the
    words differ, for a person filling in a form.
    """
    from agent.backends.http import is_loopback
    from agent.backends.http import url_problem as rule

    text = text.strip()
    if not text:
        return "Enter the server address."
    if rule(text) is None:
        return ""
    parts = urlsplit(text)
    if parts.scheme == "http" and parts.hostname and not is_loopback(parts.hostname):
        return "Use https:// — plain http is only allowed to this computer."
    if parts.username or parts.password:
        return "Leave the password out of the address; enter it below instead."
    return "Enter a web address starting with https://"


_PROBLEM_KEY = re.compile(r"backends\[\d+\]\.(\w+):\s*(.*)$")


def setup_problem(problem: str) -> str:
    """A loader problem about the wizard's backend, in the form's words (no file, no key)."""
    found = _PROBLEM_KEY.search(problem)
    if found is None:
        return "These settings could not be used. Click Back and check each field."
    key, message = found.groups()
    label = field_words(key).label
    if message.startswith("required"):
        return f"{label} is required. Click Back and fill it in."
    message = message.split(";")[0].split(": run `")[0].strip()
    return f"{label}: {message}. Click Back to correct it."


def probe_words(
    status: str,
    detail: str,
    vendor: str,
    address: str,
    secret_labels: list[str],
    in_wizard: bool = True,
) -> str:
    """What a failed (or passed) connection test means and what to click next.

    ``in_wizard``: the fields are one page back; in Settings they are right above.
    """
    secret = " or ".join(secret_labels) or "sign-in details"
    back = "Click Back and " if in_wizard else ""
    fields = "click Back" if in_wizard else "see above"
    if status == "reachable":
        return f"Connected: {vendor} at {address} answered." + (
            " Click Next to continue." if in_wizard else ""
        )
    if status == "unauthorised":
        return (
            f"{vendor} at {address} did not accept your {secret}. "
            f"{back}{'e' if in_wizard else 'E'}nter it again, then test again."
        )
    if status == "unreachable":
        return (
            f"Could not reach {address}. Check that this computer is online (or on your "
            f"company's VPN) and that the server address is right ({fields}), then test again."
        )
    if "stored" in detail or "secret" in detail:
        return (
            f"The {secret} is missing. {back}{'e' if in_wizard else 'E'}nter it, then test again."
        )
    return (
        f"{vendor} did not accept these settings. {back}{'c' if in_wizard else 'C'}heck each "
        "field, or ask your administrator for the right values."
    )

"""Names of the tray menu items IT can hide with ``[ui] hidden_menu_items``: config vocabulary.

The policy key ``HiddenMenuItems`` takes these names; the module has no Qt import so
the policy tooling can read the list without a display. A status may also be named
without its prefix ("invisible"); "dnd" hides both the status and "Do not disturb for".
"""

from __future__ import annotations

MENU_ITEMS: dict[str, str] = {
    "status.available": "the Available status",
    "status.busy": "the Busy status",
    "status.away": "the Away status",
    "status.dnd": "the Do not disturb status",
    "status.invisible": "the Appear offline status",
    "status.offline": "the Offline status",
    "message": "Set a status message…",
    "dnd": "Do not disturb for",
    "pause": "Keep my current status for",
    "location": "I'm at",
    "meeting": "the current or next meeting",
    "recent": "Recent changes",
    "settings": "Settings…",
    "logs": "Open logs folder",
    "quit": "Quit",
}

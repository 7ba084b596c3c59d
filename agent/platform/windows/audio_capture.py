"""Core Audio capture sessions in the active state, with the recording process.

Uses ``pycaw`` (comtypes) when installed: every active capture endpoint's
``IAudioSessionManager2`` session list, keeping sessions in
``AudioSessionStateActive``. Without it the call detector falls back to the
ConsentStore.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Protocol

_E_CAPTURE = 1
_DEVICE_STATE_ACTIVE = 1
_SESSION_ACTIVE = 1


@dataclass(frozen=True)
class AudioSession:
    pid: int
    process_name: str
    active: bool


class SessionLister(Protocol):
    def capture_sessions(self) -> list[AudioSession]: ...


class PycawSessionLister:
    """The real Core Audio session enumeration (Windows only)."""

    def __init__(self) -> None:
        self._pycaw: Any = importlib.import_module("pycaw.pycaw")
        self._comtypes: Any = importlib.import_module("comtypes")

    def capture_sessions(self) -> list[AudioSession]:
        import psutil

        pycaw, comtypes = self._pycaw, self._comtypes
        comtypes.CoInitialize()
        try:
            enumerator = pycaw.AudioUtilities.GetDeviceEnumerator()
            devices = enumerator.EnumAudioEndpoints(_E_CAPTURE, _DEVICE_STATE_ACTIVE)
            sessions = []
            for i in range(devices.GetCount()):
                manager = (
                    devices.Item(i)
                    .Activate(pycaw.IAudioSessionManager2._iid_, comtypes.CLSCTX_ALL, None)
                    .QueryInterface(pycaw.IAudioSessionManager2)
                )
                listing = manager.GetSessionEnumerator()
                for j in range(listing.GetCount()):
                    control = listing.GetSession(j).QueryInterface(pycaw.IAudioSessionControl2)
                    pid = int(control.GetProcessId())
                    try:
                        name = psutil.Process(pid).name() if pid else ""
                    except psutil.Error:
                        name = ""
                    active = control.GetState() == _SESSION_ACTIVE
                    sessions.append(AudioSession(pid=pid, process_name=name, active=active))
            return sessions
        finally:
            comtypes.CoUninitialize()


def active_capture_sessions(lister: SessionLister | None = None) -> list[AudioSession]:
    """Capture sessions recording now; pid 0 is the system's own (never a call)."""
    lister = lister or PycawSessionLister()
    return [s for s in lister.capture_sessions() if s.active and s.pid != 0]

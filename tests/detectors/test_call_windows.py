"""Windows microphone/camera readers with an injected registry and session lister."""

from __future__ import annotations

from agent.platform.windows.audio_capture import AudioSession, active_capture_sessions
from agent.platform.windows.consent_store import CONSENT_ROOT, apps_in_use
from tests.platform.windows.fake_registry import FakeRegistry


def test_consent_store_lists_apps_using_the_capability_now() -> None:
    mic = CONSENT_ROOT + "\\microphone"
    consent_keys = {
        mic + "\\Microsoft.SkypeApp_kzf8qxf38zg5c": {
            "LastUsedTimeStart": 133000,
            "LastUsedTimeStop": 0,
        },
        mic + "\\Microsoft.WindowsSoundRecorder_8wekyb3d8bbwe": {
            "LastUsedTimeStart": 133000,
            "LastUsedTimeStop": 133500,
        },
        mic + "\\NonPackaged": {},
        mic + "\\NonPackaged\\C:#Program Files#Zoom#bin#Zoom.exe": {
            "LastUsedTimeStart": 134000,
            "LastUsedTimeStop": 0,
        },
        mic + "\\NonPackaged\\C:#Tools#never-used.exe": {},
        CONSENT_ROOT + "\\webcam\\NonPackaged\\C:#Windows#Hello.exe": {
            "LastUsedTimeStart": 1,
            "LastUsedTimeStop": 0,
        },
    }
    registry = FakeRegistry({("HKCU", path): values for path, values in consent_keys.items()})
    assert apps_in_use("microphone", registry) == ["Microsoft.SkypeApp", "Zoom.exe"]
    assert apps_in_use("webcam", registry) == ["Hello.exe"]
    assert apps_in_use("location", registry) == []


class FakeLister:
    def capture_sessions(self) -> list[AudioSession]:
        return [
            AudioSession(pid=0, process_name="", active=True),  # system sounds
            AudioSession(pid=42, process_name="Teams.exe", active=True),
            AudioSession(pid=43, process_name="Discord.exe", active=False),
        ]


def test_core_audio_sessions_keep_active_process_sessions() -> None:
    assert active_capture_sessions(FakeLister()) == [AudioSession(42, "Teams.exe", True)]

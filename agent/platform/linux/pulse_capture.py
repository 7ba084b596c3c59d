"""Who records from a microphone, read from PulseAudio (or PipeWire's pulse server).

The listener subscribes to PulseAudio's source and source-output events and re-reads
the capture streams after each burst of events; nothing is polled. ``pulsectl`` is
blocking, so the listener runs on its own thread.

Threading: ``on_change`` and ``on_lost`` are called on the listener thread; callers
hand the values over to their own loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_INVALID_INDEX = 2**32 - 1

# Volume meters (pavucontrol, GNOME Settings, plasma-pa) open peak-detect streams on
# every source; PulseAudio marks them with the "peaks" resampler, and their names vary.
_METER_NAMES = ("peak detect", "plasmapa-volumemeter", "volumemeter", "volume meter")


@dataclass(frozen=True)
class CaptureStream:
    """One recording stream, as plain values."""

    app: str
    binary: str
    media_name: str
    from_monitor: bool
    corked: bool
    peak_meter: bool
    has_client: bool


def is_real_capture(stream: CaptureStream) -> bool:
    """False for streams that are not a person speaking into a microphone.

    Recordings of a monitor source (what the speakers play), volume meters, corked
    (paused) streams and PulseAudio's own module streams (loopback, echo cancel: no
    client) never mean a call.
    """
    return (
        stream.has_client
        and not stream.from_monitor
        and not stream.corked
        and not stream.peak_meter
    )


def _stream_from(output: Any, monitor_sources: set[int]) -> CaptureStream:
    props: dict[str, str] = dict(output.proplist)
    media_name = props.get("media.name", output.name or "")
    meter = (
        getattr(output, "resample_method", "") == "peaks"
        or media_name.strip().lower() in _METER_NAMES
        or props.get("application.id", "") == "org.PulseAudio.pavucontrol"
    )
    client = output.client
    return CaptureStream(
        app=props.get("application.name", ""),
        binary=props.get("application.process.binary", ""),
        media_name=media_name,
        from_monitor=output.source in monitor_sources,
        corked=bool(output.corked),
        peak_meter=meter,
        has_client=client is not None and client != _INVALID_INDEX,
    )


def read_captures(pulse: Any) -> list[CaptureStream]:
    """Every source output of a connected ``pulsectl.Pulse``."""
    monitors = {
        source.index
        for source in pulse.source_list()
        if source.monitor_of_sink not in (None, _INVALID_INDEX)
    }
    return [_stream_from(output, monitors) for output in pulse.source_output_list()]


class PulseCaptureListener:
    """Runs a PulseAudio event subscription on a thread and reports capture streams.

    ``on_change`` gets the full list of capture streams after every change (and once
    at connect). ``on_lost`` gets a message when the connection fails or drops; the
    listener then ends and the caller decides when to try again.
    """

    def __init__(
        self,
        on_change: Callable[[list[CaptureStream]], None],
        on_lost: Callable[[str], None],
        server: str | None = None,
    ) -> None:
        self._on_change = on_change
        self._on_lost = on_lost
        self._server = server
        self._pulse: Any = None
        self._lock = threading.Lock()  # guards _pulse: never wake a closed mainloop
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="pulse-capture", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Blocks until the thread ends (call it off the event loop)."""
        self._stopping.set()
        thread = self._thread
        while thread is not None and thread.is_alive():
            with self._lock:
                if self._pulse is not None:
                    # event_listen_stop races with event_listen starting: repeat until it ends.
                    self._pulse.event_listen_stop()
            thread.join(0.05)

    def _run(self) -> None:
        import pulsectl

        try:
            pulse = pulsectl.Pulse("presence-agent", server=self._server, connect=False)
        except Exception as error:  # libpulse missing or broken
            self._on_lost(f"PulseAudio client library unusable: {error}")
            return
        self._pulse = pulse
        try:
            pulse.connect(autospawn=False, wait=False)

            def wake(_event: Any) -> None:
                raise pulsectl.PulseLoopStop

            pulse.event_mask_set("source", "source_output")
            pulse.event_callback_set(wake)
            while not self._stopping.is_set():
                self._on_change(read_captures(pulse))
                pulse.event_listen()
        except pulsectl.PulseDisconnected:
            if not self._stopping.is_set():
                self._on_lost("PulseAudio connection lost")
        except pulsectl.PulseError as error:
            if not self._stopping.is_set():
                self._on_lost(f"cannot reach PulseAudio: {error}")
        except Exception as error:  # never end silently: the caller waits for news
            if not self._stopping.is_set():
                self._on_lost(f"PulseAudio listener failed: {error!r}")
        finally:
            with self._lock:
                self._pulse = None
            pulse.close()

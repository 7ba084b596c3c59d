"""Microphone sources: which apps record right now, per OS.

Threading: a source's ``on_change``/``on_lost`` callbacks are always called on the
asyncio loop that called ``start``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from agent.detectors.call_apps import Capture

if TYPE_CHECKING:
    from agent.platform.linux.pulse_capture import CaptureStream, PulseCaptureListener

log = logging.getLogger(__name__)

OnChange = Callable[[list[Capture]], None]
OnLost = Callable[[str], None]


class MicSource(Protocol):
    """A source of "who is recording"; ``start`` raises when it cannot work here."""

    name: str

    async def start(self, on_change: OnChange, on_lost: OnLost) -> None: ...

    async def stop(self) -> None: ...


class PulseMicSource:
    """PulseAudio / PipeWire-pulse source outputs, pushed by server events.

    When the server goes away the source reports it and reconnects with a growing
    delay (PulseAudio is restarted with the session, or by the user).
    """

    name = "pulseaudio"

    def __init__(
        self, server: str | None = None, retry_max: float = 60.0, connect_timeout: float = 5.0
    ) -> None:
        self._server = server
        self._connect_timeout = connect_timeout
        self._retry_max = retry_max
        self._retry = 2.0
        self._listener: PulseCaptureListener | None = None
        self._reconnect: asyncio.TimerHandle | None = None
        self._stopped = False

    async def start(self, on_change: OnChange, on_lost: OnLost) -> None:
        loop = asyncio.get_running_loop()
        first: asyncio.Future[None] = loop.create_future()
        self._stopped = False

        def changed(captures: list[Capture]) -> None:
            self._retry = 2.0
            if not first.done():
                first.set_result(None)
            on_change(captures)

        def lost(message: str) -> None:
            if not first.done():
                first.set_exception(OSError(message))
                return
            on_lost(message)
            if not self._stopped:
                self._reconnect = loop.call_later(self._retry, self._connect, changed, lost)
                self._retry = min(self._retry * 2, self._retry_max)

        self._connect(changed, lost)
        try:
            async with asyncio.timeout(self._connect_timeout):
                await first
        except TimeoutError:
            await self.stop()
            raise OSError("PulseAudio did not answer in time") from None

    def _connect(self, changed: OnChange, lost: OnLost) -> None:
        from agent.platform.linux.pulse_capture import PulseCaptureListener, is_real_capture

        loop = asyncio.get_running_loop()

        def on_streams(streams: list[CaptureStream]) -> None:
            captures = [Capture(app=s.app, binary=s.binary) for s in streams if is_real_capture(s)]
            loop.call_soon_threadsafe(changed, captures)

        def on_gone(message: str) -> None:
            loop.call_soon_threadsafe(lost, message)

        listener = PulseCaptureListener(
            on_change=on_streams,
            on_lost=on_gone,
            server=self._server,
        )
        self._listener = listener
        listener.start()

    async def stop(self) -> None:
        self._stopped = True
        if self._reconnect is not None:
            self._reconnect.cancel()
        listener = self._listener
        self._listener = None
        if listener is not None:
            await asyncio.to_thread(listener.stop)


class PollingMicSource:
    """A source read by a blocking call every few seconds (Windows, macOS).

    These OS interfaces offer no change notification we can use without a native
    helper; the read is cheap (a few registry keys or property reads).
    """

    def __init__(self, name: str, read: Callable[[], list[Capture]], interval: float = 3.0):
        self.name = name
        self._read = read
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self, on_change: OnChange, on_lost: OnLost) -> None:
        captures = await asyncio.to_thread(self._read)  # raises: this source cannot work
        on_change(captures)
        self._task = asyncio.create_task(self._poll(captures, on_change, on_lost))

    async def _poll(self, last: list[Capture], on_change: OnChange, on_lost: OnLost) -> None:
        failing = False
        while True:
            await asyncio.sleep(self._interval)
            try:
                captures = await asyncio.to_thread(self._read)
            except Exception as error:
                if not failing:
                    log.warning("%s: %s", self.name, error)
                    on_lost(f"{self.name} failed: {error}")
                failing = True
                continue
            if failing or captures != last:
                on_change(captures)
            failing = False
            last = captures

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

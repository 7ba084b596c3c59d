"""Last-resort idle time: a pynput listener that only notes *that* input happened.

It never looks at which key or where: the callbacks ignore their arguments. A global
input hook is a privacy and endpoint-security red flag, so the selector only reaches
this when no native source works.

Threading: pynput calls back on its own threads; they only store a timestamp.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


class InputActivityIdle:
    """Seconds since pynput last saw any keyboard or mouse event."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._last = monotonic()
        self._listeners: list[Any] = []

    @classmethod
    async def open(cls) -> InputActivityIdle:
        source = cls()
        try:
            await asyncio.to_thread(source._start)
        except BaseException:
            await source.close()
            raise
        return source

    def _start(self) -> None:
        from pynput import keyboard, mouse

        for listener in (
            mouse.Listener(on_move=self.noted, on_click=self.noted, on_scroll=self.noted),
            keyboard.Listener(on_press=self.noted, on_release=self.noted),
        ):
            self._listeners.append(listener)
            listener.start()
            listener.wait()
            if not listener.running:
                raise RuntimeError("pynput could not start its input listener")

    def noted(self, *_event: Any) -> None:
        """Any input at all: remember when, and nothing else."""
        self._last = self._monotonic()

    async def idle_seconds(self) -> float:
        if not all(listener.running for listener in self._listeners):
            raise RuntimeError("the pynput input listener stopped")
        return max(0.0, self._monotonic() - self._last)

    async def close(self) -> None:
        await asyncio.to_thread(self._stop)

    def _stop(self) -> None:
        for listener in self._listeners:
            listener.stop()
        for listener in self._listeners:
            # On X11 pynput may leave one of two record listeners blocked after stop()
            # (its stop races the record thread on one Xlib connection); they are
            # daemon threads, so do not wait long for them.
            listener.join(1.0)

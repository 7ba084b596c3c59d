"""Cocoa notifications on a run-loop thread of our own (the headless agent has no main loop).

``observe`` is the only function here that calls PyObjC; sources take it as a parameter
so tests can fire notifications by hand.

Threading: callbacks run on the observer thread; they must hand results to the asyncio
loop with ``loop.call_soon_threadsafe``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

DISTRIBUTED = "distributed"
WORKSPACE = "workspace"

Callbacks = Mapping[str, Callable[[], None]]
Observe = Callable[[str, Callbacks], Callable[[], None]]  # (center, callbacks) -> stop


def observe(center: str, callbacks: Callbacks) -> Callable[[], None]:
    """Call ``callbacks[name]`` for each named notification; returns a function that stops."""
    started = threading.Event()
    stopping = threading.Event()
    state: dict[str, Any] = {}

    def run() -> None:
        try:
            from AppKit import NSWorkspace
            from CoreFoundation import (
                CFRunLoopGetCurrent,
                CFRunLoopRunInMode,
                kCFRunLoopDefaultMode,
            )
            from Foundation import NSDistributedNotificationCenter

            if center == DISTRIBUTED:
                notification_center = NSDistributedNotificationCenter.defaultCenter()
            else:
                notification_center = NSWorkspace.sharedWorkspace().notificationCenter()
            tokens = [
                notification_center.addObserverForName_object_queue_usingBlock_(
                    name, None, None, lambda _note, call=call: call()
                )
                for name, call in callbacks.items()
            ]
            state["run_loop"] = CFRunLoopGetCurrent()
        except Exception as exc:  # no PyObjC, no window server: the probe fails
            state["error"] = exc
            started.set()
            return
        started.set()
        while not stopping.is_set():  # sleeps until a notification or CFRunLoopStop
            CFRunLoopRunInMode(kCFRunLoopDefaultMode, 1e9, False)
        for token in tokens:
            notification_center.removeObserver_(token)

    thread = threading.Thread(target=run, name=f"macos-{center}-notifications", daemon=True)
    thread.start()
    started.wait(5)
    if "error" in state:
        raise OSError(f"cannot observe {center} notifications: {state['error']}")

    def stop() -> None:
        from CoreFoundation import CFRunLoopStop

        stopping.set()
        CFRunLoopStop(state["run_loop"])
        thread.join(5)

    return stop

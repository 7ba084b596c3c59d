"""A minimal Wayland compositor that offers ``ext_idle_notifier_v1`` (pywayland's server side).

Debian 12's sway (1.7) only has ``org_kde_kwin_idle``, so this stands in for a newer
compositor (wlroots >= 0.17, KWin 6): it advertises ``wl_seat`` and
``ext_idle_notifier_v1`` version 2 and keeps the protocol's timers the way wlroots
does, each notification idle once its timeout has passed since it was created or since
the last input. "Input" is a line ``input`` on stdin (the test's keyboard). It prints
one line per protocol event it sends and per notification made, for the test to wait on:

    python tests/platform/idle_notify_server.py <runtime dir> <socket name>
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from pywayland.protocol.ext_idle_notify_v1 import ExtIdleNotificationV1, ExtIdleNotifierV1
from pywayland.protocol.wayland import WlSeat
from pywayland.server import Display, EventLoop


def _new_id_request(message: Any) -> None:
    """Work around pywayland 0.4.19 parsing a request's new_id as a client-side proxy.

    Server-side, libwayland hands the new object's id (``wl_argument.n``); the
    notifier's two requests are (new_id, uint timeout, object seat).
    """
    message.c_to_arguments = lambda args: [args[0].n, args[1].u, None]


def _dispatch_requests(resource: Any) -> None:
    """Work around pywayland 0.4.19 never dispatching a client's requests to a resource.

    It registers its dispatcher with a NULL "implementation", which libwayland passes
    back as the first argument where pywayland expects its handle to the resource.
    """
    from pywayland._ffi import lib

    lib.wl_resource_set_dispatcher(
        resource._ptr,
        lib.dispatcher_func,
        resource._handle,
        resource._handle,
        lib.resource_destroy_func,
    )


@dataclass
class Notification:
    resource: Any
    timeout: float
    since: float
    idle: bool = False
    input_only: bool = False

    def due(self, last_input: float) -> float:
        return max(self.since, last_input) + self.timeout


class IdleNotifyCompositor:
    def __init__(self, display: Display) -> None:
        self.display = display
        self.notifications: list[Notification] = []
        self.last_input = time.monotonic()
        self.bound: set[Any] = set()  # pywayland frees what is not referenced
        notifier = ExtIdleNotifierV1.global_class(display, 2)
        notifier.bind_func = self._bound
        seat = WlSeat.global_class(display, 1)
        seat.bind_func = self._keep
        self.globals = [seat, notifier]
        for message in ExtIdleNotifierV1.requests[1:]:
            _new_id_request(message)

    def _keep(self, resource: Any) -> None:
        _dispatch_requests(resource)
        self.bound.add(resource)
        resource.dispatcher.destructor = self.bound.discard

    def _bound(self, resource: Any) -> None:
        self._keep(resource)
        resource.dispatcher["destroy"] = lambda r: r.destroy()
        resource.dispatcher["get_idle_notification"] = self._notify
        resource.dispatcher["get_input_idle_notification"] = lambda r, new_id, timeout, seat: (
            self._notify(r, new_id, timeout, seat, True)
        )

    def _notify(
        self, manager: Any, new_id: int, timeout: int, _seat: Any, input_only: bool = False
    ) -> None:
        resource = ExtIdleNotificationV1.resource_class(
            _client_of(manager), manager.version, new_id
        )
        note = Notification(resource, timeout / 1000.0, time.monotonic(), input_only=input_only)
        _dispatch_requests(resource)
        resource.dispatcher["destroy"] = lambda r: r.destroy()
        resource.dispatcher.destructor = lambda r: self._forget(note)
        self.notifications.append(note)
        say(f"notification {timeout} {'input' if input_only else 'any'}")

    def _forget(self, note: Notification) -> None:
        """The client destroyed it, or went away."""
        self.notifications.remove(note)
        note.resource._ptr = None
        say(f"destroyed {round(note.timeout * 1000)}")

    def user_input(self) -> None:
        self.last_input = time.monotonic()
        for note in self.notifications:
            if note.idle:
                note.idle = False
                note.resource.resumed()
                say(f"resumed {round(note.timeout * 1000)}")
        self.display.flush_clients()

    def tick(self) -> float | None:
        """Send what is due; seconds until the next timer (None: none running)."""
        now = time.monotonic()
        waits = []
        for note in self.notifications:
            if note.idle:
                continue
            due = note.due(self.last_input)
            if due <= now:
                note.idle = True
                note.resource.idled()
                say(f"idled {round(note.timeout * 1000)}")
            else:
                waits.append(due - now)
        self.display.flush_clients()
        return min(waits) if waits else None


def _client_of(resource: Any) -> Any:
    from pywayland._ffi import lib

    return lib.wl_resource_get_client(resource._ptr)


def say(line: str) -> None:
    print(line, flush=True)


def main() -> int:
    runtime_dir, socket = sys.argv[1], sys.argv[2]
    os.environ["XDG_RUNTIME_DIR"] = runtime_dir
    display = Display()
    display.add_socket(socket)
    compositor = IdleNotifyCompositor(display)
    loop = display.get_event_loop()
    commands = os.fdopen(sys.stdin.fileno(), "rb", buffering=0)
    stopping = False

    def command(_fd: int, _mask: int, _data: Any) -> int:
        nonlocal stopping
        line = commands.readline()
        if not line:
            stopping = True  # the test closed our stdin: done
        elif line.strip() == b"input":
            compositor.user_input()
        return 0

    loop.add_fd(sys.stdin.fileno(), command, EventLoop.FdMask.WL_EVENT_READABLE, None)
    say(f"listening {os.path.join(runtime_dir, socket)}")
    while not stopping:
        wait = compositor.tick()
        loop.dispatch(-1 if wait is None else max(1, int(wait * 1000) + 1))
        display.flush_clients()
    return 0


if __name__ == "__main__":
    sys.exit(main())

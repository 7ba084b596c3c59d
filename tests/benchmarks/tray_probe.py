"""Is a process's icon embedded (and mapped) in trayer's panel? Asked over X11.

The XEmbed tray protocol reparents the icon window into the tray host; Qt sets
``_NET_WM_PID`` on it. So "icon shown" = a viewable window under trayer's panel
carrying the process's pid. Polling this through python-xlib costs far less than
running ``xwininfo -root -tree`` every few milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Self


class TrayProbe:
    """One X connection; use as a context manager."""

    def __init__(self) -> None:
        from Xlib import X, display

        self._x = X
        self._display = display.Display()
        self._root = self._display.screen().root
        self._pid_atom = self._display.intern_atom("_NET_WM_PID")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._display.close()

    def _panel(self) -> Any:
        for window in self._root.query_tree().children:
            try:
                wm_class = window.get_wm_class()
            except Exception:
                continue  # windows come and go while we look
            if wm_class and wm_class[0] == "panel":
                return window
        return None

    def host_ready(self) -> bool:
        return self._panel() is not None

    def _descendants(self, window: Any) -> Iterator[Any]:
        try:
            children = window.query_tree().children
        except Exception:
            return
        for child in children:
            yield child
            yield from self._descendants(child)

    def icon_shown(self, pid: int) -> bool:
        """True once a viewable window of ``pid`` sits inside the tray panel."""
        panel = self._panel()
        if panel is None:
            return False
        for window in self._descendants(panel):
            try:
                prop = window.get_full_property(self._pid_atom, self._x.AnyPropertyType)
                if prop is None or int(prop.value[0]) != pid:
                    continue
                if window.get_attributes().map_state == self._x.IsViewable:
                    return True
            except Exception:
                continue
        return False

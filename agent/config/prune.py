"""Drop just the part of a parsed config that a problem is in.

An agent starting up with one bad value must not run without the company's backends:
a problem in a ``[[backends]]`` (or locations, calendars, rules) entry drops that
entry; one anywhere else drops that key, which then takes its default.
"""

from __future__ import annotations

import re
from typing import Any

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def prune(data: dict[str, Any], keys: list[str]) -> None:
    """Remove from ``data`` what each dotted ``key`` (``backends[2].base_url``) points into.

    Every key is resolved against ``data`` as it was on entry (removals happen last),
    so indexes in ``keys`` all refer to the same, original arrays.
    """
    drops: dict[tuple[int, Any], tuple[Any, Any]] = {}
    for key in keys:
        target = _target(data, key)
        if target is not None:
            drops[(id(target[0]), target[1])] = target
    # Highest index first, so removing one entry does not shift another still to go.
    for container, slot in sorted(drops.values(), key=_order, reverse=True):
        if isinstance(container, list):
            if slot < len(container):
                del container[slot]
        else:
            container.pop(slot, None)


def _order(drop: tuple[Any, Any]) -> tuple[int, int]:
    container, slot = drop
    return (id(container), slot if isinstance(slot, int) else -1)


def _target(data: dict[str, Any], key: str) -> tuple[Any, Any] | None:
    """The (container, slot) to remove for ``key``: a table in an array, else a key."""
    steps = [name or int(index) for name, index in _STEP.findall(key)]
    node: Any = data
    last: tuple[Any, Any] | None = None
    for step in steps:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return None  # already gone (cut off by a count limit)
            if isinstance(node[step], dict):
                return node, step  # an entry of an array of tables: drop it whole
            return last  # an item of a plain array: drop the array (it takes its default)
        if not isinstance(node, dict):
            break
        if step not in node:
            if step == "options":
                continue  # backend options sit in the entry itself
            break
        last = (node, step)
        node = node[step]
    return last

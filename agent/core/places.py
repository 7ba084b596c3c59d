"""The configured places and how they nest (a level's ``parent`` is its building)."""

from __future__ import annotations

from agent.config.schema import LocationEntry
from agent.core.model import Location
from agent.core.saved_state import Pin

_MAX_DEPTH = 8  # guards against a parent cycle in a hand-written config


class Places:
    def __init__(self, entries: tuple[LocationEntry, ...]) -> None:
        self._entries = {entry.id: entry for entry in entries}
        self._ids: dict[str, frozenset[str]] = {}

    def ids(self, place: Location | None) -> frozenset[str]:
        """The place's id and those of every place containing it; empty for remote."""
        if place is None:
            return frozenset()
        found = self._ids.get(place.id)
        if found is None:
            found = frozenset(self._chain(place.id))
            self._ids[place.id] = found
        return found

    def site(self, place: Location) -> Location:
        """The outermost configured place containing ``place`` (the building of a level)."""
        outer = [place_id for place_id in self._chain(place.id)[1:] if place_id in self._entries]
        if not outer:
            return place
        entry = self._entries[outer[-1]]
        return Location(entry.id, entry.type, entry.name or entry.id)

    def refresh_pin(self, pin: Pin) -> Pin | None:
        """The pin with its place as configured now; dropped if the place was removed."""
        if not self._entries:
            return pin
        entry = self._entries.get(pin.location.id)
        if entry is None:
            return None
        return Pin(Location(entry.id, entry.type, entry.name or entry.id), pin.network)

    def _chain(self, place_id: str) -> list[str]:
        chain = [place_id]
        entry = self._entries.get(place_id)
        while entry is not None and entry.parent and len(chain) < _MAX_DEPTH:
            if entry.parent in chain:
                break
            chain.append(entry.parent)
            entry = self._entries.get(entry.parent)
        return chain

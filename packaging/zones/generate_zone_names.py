"""Regenerate ``agent/detectors/calendar_zone_names.py``: Outlook display names -> Windows ids.

Outlook and Exchange sometimes name a time zone by its Windows display name
("(UTC-05:00) Eastern Time (US & Canada)") instead of its id ("Eastern Standard
Time"). CLDR's windowsZones table (shipped by ``icalendar``) maps ids to IANA zones;
this table adds display name -> id. Its source is Windows' own list as Wine
reproduces it in ``tzres.dll`` (the English string table: for each zone the standard
name, which is the registry key, then the daylight name, then the display name).

    apt-get install libwine
    python packaging/zones/generate_zone_names.py \\
        /usr/lib/x86_64-linux-gnu/wine/x86_64-windows/tzres.dll \\
        > agent/detectors/calendar_zone_names.py
"""

from __future__ import annotations

import json
import re
import struct
import sys
from pathlib import Path

RT_STRING = 6
ENGLISH_US = 0x409
#: Registry keys whose standard name differs from the key.
KEY_FOR_NAME = {"Coordinated Universal Time": "UTC"}


def _sections(image: bytes) -> list[tuple[int, int, int]]:
    """(virtual address, size, file offset) of each section."""
    pe = struct.unpack_from("<I", image, 0x3C)[0]
    count = struct.unpack_from("<H", image, pe + 6)[0]
    optional_size = struct.unpack_from("<H", image, pe + 20)[0]
    table = pe + 24 + optional_size
    found = []
    for index in range(count):
        base = table + 40 * index
        size, address, _raw_size, raw = struct.unpack_from("<IIII", image, base + 8)
        found.append((address, size, raw))
    return found


def _offset(sections: list[tuple[int, int, int]], rva: int) -> int:
    for address, size, raw in sections:
        if address <= rva < address + max(size, 1):
            return raw + rva - address
    raise ValueError(f"address {rva:#x} is in no section")


def _entries(image: bytes, at: int) -> list[tuple[int, int]]:
    named, ids = struct.unpack_from("<HH", image, at + 12)
    return [struct.unpack_from("<II", image, at + 16 + 8 * i) for i in range(named + ids)]


def string_table(dll: Path) -> dict[int, str]:
    """The English (US) strings of a PE file's resources, by id."""
    image = dll.read_bytes()
    sections = _sections(image)
    pe = struct.unpack_from("<I", image, 0x3C)[0]
    magic = struct.unpack_from("<H", image, pe + 24)[0]
    directories = pe + 24 + (112 if magic == 0x20B else 96)
    resource_rva = struct.unpack_from("<I", image, directories + 2 * 8)[0]
    root = _offset(sections, resource_rva)
    strings: dict[int, str] = {}
    for type_id, type_at in _entries(image, root):
        if type_id != RT_STRING:
            continue
        for block_id, block_at in _entries(image, root + (type_at & 0x7FFFFFFF)):
            for language, data_at in _entries(image, root + (block_at & 0x7FFFFFFF)):
                if language != ENGLISH_US:
                    continue
                rva, size = struct.unpack_from("<II", image, root + data_at)
                position = _offset(sections, rva)
                for slot in range(16):
                    length = struct.unpack_from("<H", image, position)[0]
                    text = image[position + 2 : position + 2 + 2 * length].decode("utf-16-le")
                    position += 2 + 2 * length
                    if text:
                        strings[(block_id - 1) * 16 + slot] = text
    return strings


def display_names(strings: dict[int, str]) -> dict[str, str]:
    """Display name -> Windows zone id (the key of the registry's Time Zones entry)."""
    names: dict[str, str] = {}
    for number, text in sorted(strings.items()):
        if not re.match(r"\(UTC[+-]?[0-9:]*\) ", text):
            continue
        standard = strings.get(number - 2, "").split("#")[-1]
        if standard:
            names[text] = KEY_FOR_NAME.get(standard, standard)
    return names


def main(argv: list[str]) -> int:
    names = display_names(string_table(Path(argv[1])))
    print('"""Windows time zone display names -> Windows zone ids. Generated: do not edit.')
    print()
    print("Made by packaging/zones/generate_zone_names.py from Wine's tzres.dll (Windows'")
    print("own list of display names as Wine reproduces it; LGPL-2.1+ data).")
    print('"""')
    print()
    print("DISPLAY_NAMES: dict[str, str] = {")
    for display, key in sorted(names.items(), key=lambda item: item[1]):
        print(f"    {json.dumps(display)}: {json.dumps(key)},")
    print("}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Signal sources (idle, lock, sleep, call, meeting, location) chosen at run time."""

"""Presence Agent: knows whether its user is available and tells the presence systems."""

__version__ = "0.1.0"

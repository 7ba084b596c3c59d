"""Thin wrappers around OS calls; each returns plain values and is replaceable in tests."""

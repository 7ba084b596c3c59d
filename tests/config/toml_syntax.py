"""TOML's structural characters, for the property tests that build arbitrary files from pieces."""

PUNCTUATION = ["[", "]", "{", "}", "a = ", ".", "=", ",", "#", "\n"]

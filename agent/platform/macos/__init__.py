"""OS calls for macos."""

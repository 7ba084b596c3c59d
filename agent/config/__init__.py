"""Settings: paths, typed schema, loading, validation and the IT policy overlay."""

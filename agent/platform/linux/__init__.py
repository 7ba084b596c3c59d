"""OS calls for linux."""

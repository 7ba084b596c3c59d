"""OS calls for windows."""

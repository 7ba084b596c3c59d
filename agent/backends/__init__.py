"""One module per presence API, each a thin mapping from a change to HTTP."""

"""Tables of the log domain (filled in by the log work)."""

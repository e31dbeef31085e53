"""Tables of the access domain (filled in by the access work)."""

"""CSV templates shipped with loadwatch (read them with :mod:`importlib.resources`)."""

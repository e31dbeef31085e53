"""Registering the risk engine's derived columns in the shared glossary.

:func:`ensure_column` defines a column through :func:`loadwatch.columns.define` unless the
glossary already holds it with the same unit (a reader or the simulator may have registered
the same quantity first); a clash of units is an error.
"""

from __future__ import annotations

from loadwatch.columns import GLOSSARY, define


def ensure_column(name: str, unit: str, meaning: str, source: str = "") -> str:
    """Return ``name`` after making sure the glossary defines it with ``unit``."""
    existing = GLOSSARY.get(name)
    if existing is None:
        return define(name, unit, meaning, source)
    if existing.unit != unit:
        raise ValueError(f"column {name!r} is defined with unit {existing.unit!r}, not {unit!r}")
    return name

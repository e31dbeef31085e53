"""Display units: kilometres or miles. Conversion only; no metric is computed here."""

from __future__ import annotations

import math

KM_PER_MILE = 1.609344
UNITS: tuple[str, ...] = ("km", "mi")


def per_km(unit: str) -> float:
    """How many ``unit`` make one kilometre (1 for km, 0.621... for miles)."""
    if unit not in UNITS:
        raise ValueError(f"unknown distance unit {unit!r}; use one of {UNITS}")
    return 1.0 if unit == "km" else 1.0 / KM_PER_MILE


def distance(km: float | None, unit: str, digits: int = 1) -> str:
    """``km`` written in ``unit``, e.g. ``"16.5 km"`` or ``"10.3 mi"``; a dash when unknown."""
    if km is None or (isinstance(km, float) and math.isnan(km)):
        return "-"
    return f"{km * per_km(unit):.{digits}f} {unit}"


def pace(speed_mps: float | None, unit: str) -> str:
    """Pace ``m:ss /km`` (or ``/mi``) from a speed in m/s; a dash when not moving."""
    if speed_mps is None or not speed_mps > 0 or math.isnan(speed_mps):
        return "-"
    seconds = 1000.0 / speed_mps / per_km(unit)
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d} /{unit}"


def duration(seconds: float | None) -> str:
    """``h:mm:ss`` (or ``m:ss`` under an hour); a dash when unknown."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"

"""Columns the simulator adds to its activities frame (stream-derived values per session).

The names are those of the risk engine's stream metrics (``risk.session``), so the risk
engine can run on a simulated squad without streams. Whichever module is imported first
registers a name in :data:`loadwatch.columns.GLOSSARY`; the other checks the unit agrees.
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


UP_VERT_M = ensure_column("up_vert_m", "m", "uphill vertical: sum of rises of the smoothed "
                          "altitude with 2 m hysteresis", "SCIENCE.md 4.2")
DOWN_VERT_M = ensure_column("down_vert_m", "m", "downhill vertical: sum of drops of the smoothed "
                            "altitude with 2 m hysteresis", "SCIENCE.md 4.2")
TIME_UP_10PCT_S = ensure_column("time_up_10pct_s", "s", "moving time on grades steeper than +10 %",
                                "SCIENCE.md 4.2")
TIME_DOWN_10PCT_S = ensure_column("time_down_10pct_s", "s",
                                  "moving time on grades steeper than -10 %", "SCIENCE.md 4.2")
TIME_ABOVE_THRESHOLD_S = ensure_column("time_above_threshold_s", "s",
                                       "moving time faster than the athlete's threshold speed",
                                       "SCIENCE.md 9 (intensity flags)")
DISTANCE_ABOVE_THRESHOLD_M = ensure_column("distance_above_threshold_m", "m",
                                           "distance covered faster than the threshold speed",
                                           "SCIENCE.md 9 (intensity flags)")
FLAT_STEADY_SPEED_MPS = ensure_column(
    "flat_steady_speed_mps", "m/s", "speed of the flat, steady easy-paced part of a run "
    "(simulator ground truth for the cadence baseline)", "SCIENCE.md 6.3")
FLAT_STEADY_CADENCE_SPM = ensure_column(
    "flat_steady_cadence_spm", "steps/min", "cadence of the flat, steady easy-paced part of a "
    "run (simulator ground truth for the cadence baseline)", "SCIENCE.md 6.3")
FLAT_STEADY_TIME_S = ensure_column(
    "flat_steady_time_s", "s", "moving time of the flat, steady easy-paced part of a run "
    "(0 when the route is not flat)", "SCIENCE.md 6.3")

STREAM_DERIVED: tuple[str, ...] = (
    UP_VERT_M, DOWN_VERT_M, TIME_UP_10PCT_S, TIME_DOWN_10PCT_S, TIME_ABOVE_THRESHOLD_S,
    DISTANCE_ABOVE_THRESHOLD_M, FLAT_STEADY_SPEED_MPS, FLAT_STEADY_CADENCE_SPM, FLAT_STEADY_TIME_S,
)

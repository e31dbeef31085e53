"""Columns the simulator adds to its activities frame (stream-derived values per session).

The names are those of the risk engine's stream metrics (:mod:`risk.session`), so the risk
engine can run on a simulated squad without streams; the flat-steady summary columns are the
per-run inputs of the overstride baseline (:mod:`risk.overstride`).
"""

from __future__ import annotations

from risk.session import (
    DISTANCE_ABOVE_THRESHOLD_M,
    DOWN_VERT_M,
    TIME_ABOVE_THRESHOLD_S,
    TIME_DOWN_10PCT_S,
    TIME_UP_10PCT_S,
    UP_VERT_M,
)
from risk.vocabulary import ensure_column

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

"""The column vocabulary: every column name the project produces, with unit and meaning.

Names are defined once here and imported everywhere else. ``GLOSSARY`` maps each name to a
:class:`Column` (unit, meaning, source); tests hold every produced frame against it.
Conventions (DESIGN.md section 12): snake_case full words, SI units at activity level with the
unit as suffix, ``_au`` for arbitrary units, ``_frac`` for fractions, ``is_*``/``has_*`` for
booleans.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One entry of the glossary."""

    name: str
    unit: str
    meaning: str
    source: str = ""


GLOSSARY: dict[str, Column] = {}


def _col(name: str, unit: str, meaning: str, source: str = "") -> str:
    if name in GLOSSARY:
        raise ValueError(f"column {name!r} defined twice")
    GLOSSARY[name] = Column(name, unit, meaning, source)
    return name


# Identity
ATHLETE = _col("athlete", "", "athlete name (unique per store)")
ACTIVITY_ID = _col("activity_id", "", "store id of the activity")
SOURCE = _col("source", "", "where the kept record came from: strava_api, strava_export, file, "
               "csv, manual")
SOURCE_ID = _col("source_id", "", "id of the activity within its source")
NAME = _col("name", "", "activity title")
SPORT_TYPE = _col("sport_type", "", "Strava sport_type value (Run, TrailRun, VirtualRun, Ride, "
                   "...)")
DEVICE = _col("device", "", "recording device, when known")
FILE_NAME = _col("file_name", "", "original file name, when imported from a file")

# Time
START_TIME_UTC = _col("start_time_utc", "UTC", "start of the activity, timezone-aware UTC")
START_TIME_LOCAL = _col("start_time_local", "local", "start of the activity, naive local wall time")
TIMEZONE = _col("timezone", "", "IANA zone or fixed UTC offset of the local time")
LOCAL_DATE = _col("local_date", "date", "local calendar day the activity counts for")

# Activity summary
DISTANCE_M = _col("distance_m", "m", "distance")
MOVING_TIME_S = _col("moving_time_s", "s", "time in motion, pauses excluded")
ELAPSED_TIME_S = _col("elapsed_time_s", "s", "wall-clock duration including pauses")
ELEVATION_GAIN_M = _col("elevation_gain_m", "m", "total ascent after smoothing")
AVG_SPEED_MPS = _col("avg_speed_mps", "m/s", "distance / moving time")
AVG_HEART_RATE_BPM = _col("avg_heart_rate_bpm", "1/min", "mean heart rate")
MAX_HEART_RATE_BPM = _col("max_heart_rate_bpm", "1/min", "maximum heart rate")
AVG_CADENCE_SPM = _col("avg_cadence_spm", "steps/min",
                       "mean cadence in steps per minute (both legs)")
PERCEIVED_EXERTION = _col("perceived_exertion", "CR-10", "session RPE on Foster's CR-10 scale",
                          "Foster 2001")
RELATIVE_EFFORT = _col("relative_effort", "au", "Strava relative effort, when exported")
IS_MANUAL = _col("is_manual", "bool", "entered by hand, no recorded file")
HAS_STREAMS = _col("has_streams", "bool", "sample streams are stored")

# Streams (one row per sample)
TIME_S = _col("time_s", "s", "seconds since the start of the activity")
ALTITUDE_M = _col("altitude_m", "m", "altitude")
HEART_RATE_BPM = _col("heart_rate_bpm", "1/min", "heart rate sample")
CADENCE_SPM = _col("cadence_spm", "steps/min", "cadence sample in steps per minute")
SPEED_MPS = _col("speed_mps", "m/s", "speed sample")
GRADE_PCT = _col("grade_pct", "%", "gradient sample in percent")
IS_MOVING = _col("is_moving", "bool", "sample counts as moving")

STREAM_COLUMNS: tuple[str, ...] = (
    TIME_S, DISTANCE_M, ALTITUDE_M, HEART_RATE_BPM, CADENCE_SPM, SPEED_MPS, GRADE_PCT, IS_MOVING,
)

RUNNING_SPORT_TYPES: frozenset[str] = frozenset({"Run", "TrailRun", "VirtualRun"})
SOURCES: tuple[str, ...] = ("strava_api", "strava_export", "file", "csv", "manual")


def define(name: str, unit: str, meaning: str, source: str = "") -> str:
    """Register a further column (used by ``risk`` modules for their derived columns)."""
    return _col(name, unit, meaning, source)


def undefined(columns: list[str] | tuple[str, ...]) -> list[str]:
    """Return the names in ``columns`` that the glossary does not define."""
    return [c for c in columns if c not in GLOSSARY]

"""Helpers shared by the rule modules: column checks, day keys, windows, episodes, wording."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from loadwatch.columns import RUNNING_SPORT_TYPES
from risk.errors import FrameContractError

#: Percentages are compared after rounding to this many decimals, so that 11.0 km against
#: 10.0 km is exactly 10 % (reference band) and not 10.000000000000009 %.
PCT_DECIMALS = 6
#: Rolling sums are rounded to this many decimals: pandas' online sums leave residues such as
#: 3.5e-15 km after a window empties, which must read as zero, not as a tiny positive base.
ROLLING_DECIMALS = 9


#: Plain words and unit for each load measure of the context metrics (messages only).
MEASURE_WORDS: dict[str, tuple[str, str]] = {
    "distance_km": ("running distance", "km"), "duration_min": ("running time", "min"),
    "gap_distance_km": ("grade-adjusted distance", "km"), "up_vert_m": ("uphill vertical", "m"),
    "srpe_au": ("session-RPE load", "AU"), "trimp_au": ("TRIMP", "AU"),
    "hrss_au": ("HRSS", "AU"), "rtss_au": ("rTSS", "AU"),
}


def measure_words(measure: str) -> tuple[str, str]:
    """``(plain name, unit)`` of a load measure (the column name itself when unknown)."""
    return MEASURE_WORDS.get(measure, (measure, measure.rsplit("_", 1)[-1]))


def require(frame: pd.DataFrame, columns: Iterable[str], frame_name: str, fix: str) -> None:
    """Raise :class:`FrameContractError` naming the missing columns and the fix."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise FrameContractError(
            f"the {frame_name} frame lacks column(s) {', '.join(missing)}; {fix}")


def as_day(values: pd.Series) -> pd.Series:
    """Local dates (date objects, strings or timestamps) as midnight timestamps."""
    return pd.to_datetime(values).dt.normalize()


def to_date(value: Any) -> dt.date:
    return pd.Timestamp(value).date()


def run_sessions(sessions: pd.DataFrame) -> pd.DataFrame:
    """Runs only (Run, TrailRun, VirtualRun), sorted by athlete and start, with helper columns.

    Adds ``day_ts`` (local date as timestamp), ``start_ts`` (start time as naive UTC timestamp,
    falling back to local start, then local date) and ``run_km`` (distance in km).
    """
    require(sessions, ("athlete", "local_date"), "sessions",
            "build it with risk.sessions.session_frame")
    if "is_run" in sessions.columns:
        runs = sessions[sessions["is_run"].fillna(False).astype(bool)]
    else:
        require(sessions, ("sport_type",), "sessions", "it needs is_run or sport_type")
        runs = sessions[sessions["sport_type"].isin(RUNNING_SPORT_TYPES)]
    runs = runs.copy()
    runs["day_ts"] = as_day(runs["local_date"])
    runs["start_ts"] = _start_times(runs)
    if "distance_km" in runs.columns:
        runs["run_km"] = pd.to_numeric(runs["distance_km"], errors="coerce")
    elif "distance_m" in runs.columns:
        runs["run_km"] = pd.to_numeric(runs["distance_m"], errors="coerce") / 1000.0
    else:
        raise FrameContractError("the sessions frame lacks distance_km (or distance_m); "
                                 "build it with risk.sessions.session_frame")
    if "activity_id" not in runs.columns:
        runs["activity_id"] = pd.NA
    runs = runs.sort_values(["athlete", "start_ts"], kind="stable").reset_index(drop=True)
    return runs


def _start_times(runs: pd.DataFrame) -> pd.Series:
    if "start_time_utc" in runs.columns and runs["start_time_utc"].notna().all():
        return pd.to_datetime(runs["start_time_utc"], utc=True).dt.tz_convert(None)
    if "start_time_local" in runs.columns and runs["start_time_local"].notna().all():
        return pd.to_datetime(runs["start_time_local"])
    return runs["day_ts"]


def prior_window(frame: pd.DataFrame, column: str, days: float, how: str = "max") -> pd.Series:
    """Per athlete, ``how`` of ``column`` over rows starting in ``(start - days, start)``.

    ``frame`` must be sorted by athlete and ``start_ts`` with a default index (see
    :func:`run_sessions`). Rows that start at the same instant do not see each other.
    """
    if frame.empty:
        return pd.Series(dtype="float64", index=frame.index)
    values = frame[["athlete", "start_ts", column]].copy()
    values[column] = pd.to_numeric(values[column], errors="coerce").astype("float64")
    rolled = values.groupby("athlete", sort=False).rolling(
        pd.Timedelta(days=days), on="start_ts", closed="neither")[column]
    result = getattr(rolled, how)()
    return pd.Series(result.to_numpy(), index=frame.index)


def daily_sorted(daily: pd.DataFrame) -> pd.DataFrame:
    """The daily frame sorted by athlete and day, with ``day_ts`` and a default index."""
    require(daily, ("athlete", "local_date"), "daily", "build it with risk.daily.daily_frame")
    frame = daily.copy()
    frame["day_ts"] = as_day(frame["local_date"])
    return frame.sort_values(["athlete", "day_ts"], kind="stable").reset_index(drop=True)


def trailing(frame: pd.DataFrame, column: str, days: int, how: str = "sum") -> pd.Series:
    """Per athlete, ``how`` of ``column`` over the calendar days ``(day - days, day]``."""
    if frame.empty:
        return pd.Series(dtype="float64", index=frame.index)
    values = frame[["athlete", "day_ts", column]].copy()
    values[column] = pd.to_numeric(values[column], errors="coerce").astype("float64")
    rolled = values.groupby("athlete", sort=False).rolling(
        pd.Timedelta(days=days), on="day_ts", min_periods=1)[column]
    result = pd.Series(getattr(rolled, how)().to_numpy(), index=frame.index)
    return result.round(ROLLING_DECIMALS)


def history_days(frame: pd.DataFrame) -> pd.Series:
    """Days since the athlete's first row (0 on the first day)."""
    first = frame.groupby("athlete", sort=False)["day_ts"].transform("min")
    return (frame["day_ts"] - first).dt.days


def episode_starts(frame: pd.DataFrame, condition: pd.Series) -> pd.Series:
    """True on the first day of each run of consecutive days where ``condition`` holds."""
    cond = condition.fillna(False).astype(bool)
    previous = cond.groupby(frame["athlete"], sort=False).shift(1, fill_value=False)
    return cond & ~previous.astype(bool)


def streak_lengths(frame: pd.DataFrame, condition: pd.Series) -> pd.Series:
    """Per athlete, how many consecutive rows up to and including this one meet ``condition``."""
    cond = condition.fillna(False).astype(bool)
    breaks = (~cond).groupby(frame["athlete"], sort=False).cumsum()
    return cond.astype(int).groupby([frame["athlete"], breaks], sort=False).cumsum()


def pct_change(value: float, reference: float) -> float:
    """``100 (value - reference) / reference``, rounded to :data:`PCT_DECIMALS`."""
    return round(100.0 * (value - reference) / reference, PCT_DECIMALS)


def exceeds(value: float, reference: float, factor: float) -> bool:
    """``value > factor * reference``, judged on the rounded percentage change."""
    if reference <= 0 or not math.isfinite(value) or not math.isfinite(reference):
        return False
    return pct_change(value, reference) > round(100.0 * (factor - 1.0), PCT_DECIMALS)


def exceeds_array(values: pd.Series, reference: pd.Series, factor: float) -> pd.Series:
    """Vector form of :func:`exceeds` (False where the reference is not positive)."""
    ref = reference.where(reference > 0)
    pct = (100.0 * (values - ref) / ref).round(PCT_DECIMALS)
    return (pct > round(100.0 * (factor - 1.0), PCT_DECIMALS)).fillna(False).astype(bool)


def km(value: float) -> str:
    return f"{value:.1f} km"


def pct(value: float) -> str:
    return f"{value:.0f} %"


def as_int_id(value: object) -> int | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else int(number)

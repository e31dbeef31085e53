"""Helpers shared by the rule modules: column checks, day keys, windows, episodes, wording."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.indexers import BaseIndexer

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
    falling back to local start, then local date), ``run_km`` (distance in km) and
    ``athlete_code`` (athletes numbered in name order). A frame this function returned is
    recognised and handed back as a shallow copy (no second sort), so that
    :func:`risk.flags.compute_flags` prepares the runs once for every rule.
    """
    if _is_prepared(sessions, RUN_HELPERS, "start_ts"):
        return sessions.copy(deep=False)
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
    return _sorted_by_athlete(runs, "start_ts")


#: Helper columns of :func:`run_sessions` and :func:`daily_sorted`.
RUN_HELPERS: tuple[str, ...] = ("day_ts", "start_ts", "run_km", "athlete_code")
DAILY_HELPERS: tuple[str, ...] = ("day_ts", "athlete_code")


def _sorted_by_athlete(frame: pd.DataFrame, time_column: str) -> pd.DataFrame:
    """``frame`` stably sorted by athlete name then ``time_column``, default index, with
    ``athlete_code`` (0, 1, ... in name order)."""
    athletes = frame["athlete"].to_numpy(dtype=object)  # plain objects: read by every rule
    codes, _ = pd.factorize(athletes, sort=True)
    times = frame[time_column].to_numpy(dtype="datetime64[ns]").view("int64")
    order = np.lexsort((times, codes))
    if np.array_equal(order, np.arange(len(order))):  # already in order: no copy
        out = frame.reset_index(drop=True)
    else:
        out = frame.take(order).reset_index(drop=True)
        athletes = athletes[order]
    out["athlete"] = pd.Series(athletes, dtype=object, copy=False)
    out["athlete_code"] = codes[order]
    return out


def _is_prepared(frame: pd.DataFrame, helpers: tuple[str, ...], time_column: str) -> bool:
    """Whether ``frame`` already has ``helpers``, a default index and the athlete/time order."""
    if not all(c in frame.columns for c in helpers):
        return False
    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        return False
    codes = frame["athlete_code"].to_numpy()
    times = frame[time_column].to_numpy(dtype="datetime64[ns]").view("int64")
    same = codes[1:] == codes[:-1]
    return bool(np.all(codes[1:] >= codes[:-1]) and np.all(times[1:][same] >= times[:-1][same]))


def _start_times(runs: pd.DataFrame) -> pd.Series:
    if "start_time_utc" in runs.columns and runs["start_time_utc"].notna().all():
        return pd.to_datetime(runs["start_time_utc"], utc=True).dt.tz_convert(None)
    if "start_time_local" in runs.columns and runs["start_time_local"].notna().all():
        return pd.to_datetime(runs["start_time_local"])
    return runs["day_ts"]


def prior_window(frame: pd.DataFrame, column: str, days: float, how: str = "max") -> pd.Series:
    """Per athlete, ``how`` (``max`` or ``sum``) of ``column`` over rows starting in
    ``(start - days, start)``.

    ``frame`` must come from :func:`run_sessions` (sorted by athlete and ``start_ts``, default
    index). Rows that start at the same instant do not see each other; NaN values are skipped
    and a window without any value gives NaN (as pandas' time-based rolling windows do).
    Window bounds come from ``searchsorted`` on (athlete, start time); maxima from a sparse
    table of range maxima, sums from cumulative sums: no per-athlete loop.
    """
    if frame.empty:
        return pd.Series(dtype="float64", index=frame.index)
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64")
    lo, hi = window_bounds(frame, days)
    valid = ~np.isnan(values)
    counts = np.concatenate(([0], np.cumsum(valid)))
    seen = counts[hi] - counts[lo]
    if how == "max":
        result = range_max(np.where(valid, values, -np.inf), lo, hi)
    elif how == "sum":
        sums = np.concatenate(([0.0], np.cumsum(np.where(valid, values, 0.0),
                                                dtype=np.longdouble)))
        result = (sums[hi] - sums[lo]).astype("float64")
    else:
        raise ValueError(f"prior_window: how must be 'max' or 'sum', not {how!r}")
    return pd.Series(np.where(seen > 0, result, np.nan), index=frame.index)


def window_bounds(frame: pd.DataFrame, days: float) -> tuple[np.ndarray, np.ndarray]:
    """``(lo, hi)`` row bounds of each run's window ``(start - days, start)`` of its athlete."""
    codes = frame["athlete_code"].to_numpy(dtype="int64")
    times = frame["start_ts"].to_numpy(dtype="datetime64[ns]").view("int64")
    span = int(pd.Timedelta(days=days).value)
    unit = next(u for u in (10**9, 10**6, 10**3, 1) if not np.any(times % u) and not span % u)
    times, span = (times - times.min()) // unit, span // unit
    width = int(times.max()) + span + 1
    if (int(codes.max()) + 1) * width < 2**62:
        key = codes * width + times
        return (np.searchsorted(key, key - span, side="right"),
                np.searchsorted(key, key, side="left"))
    lo, hi = np.empty(len(times), dtype="int64"), np.empty(len(times), dtype="int64")
    edges = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True])
    for first, stop in itertools.pairwise(edges):
        own = times[first:stop]
        lo[first:stop] = first + np.searchsorted(own, own - span, side="right")
        hi[first:stop] = first + np.searchsorted(own, own, side="left")
    return lo, hi


def range_max(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``max(values[lo[i]:hi[i]])`` for every ``i`` (``-inf`` for an empty range).

    A sparse table: level ``k`` holds the maxima of ranges of ``2**k`` values; each query is
    the larger of two overlapping power-of-two ranges.
    """
    result = np.full(len(lo), -np.inf)
    length = hi - lo
    nonempty = length > 0
    if not nonempty.any():
        return result
    levels = [values]
    while 2 ** len(levels) <= length.max():
        step = 2 ** (len(levels) - 1)
        previous = levels[-1]
        levels.append(np.maximum(previous[:-step], previous[step:]))
    lo_n, hi_n, len_n = lo[nonempty], hi[nonempty], length[nonempty]
    level = np.floor(np.log2(len_n)).astype(int)
    out = np.empty(len(lo_n))
    for k in np.unique(level):
        pick = level == k
        table = levels[k]
        out[pick] = np.maximum(table[lo_n[pick]], table[hi_n[pick] - 2 ** k])
    result[nonempty] = out
    return result


def daily_sorted(daily: pd.DataFrame) -> pd.DataFrame:
    """The daily frame sorted by athlete and day, with ``day_ts``, ``athlete_code`` and a
    default index. A frame this function returned is handed back as a shallow copy."""
    if _is_prepared(daily, DAILY_HELPERS, "day_ts"):
        return daily.copy(deep=False)
    require(daily, ("athlete", "local_date"), "daily", "build it with risk.daily.daily_frame")
    frame = daily.copy(deep=False)
    frame["day_ts"] = as_day(frame["local_date"])
    return _sorted_by_athlete(frame, "day_ts")


def _day_numbers(frame: pd.DataFrame) -> np.ndarray:
    return frame["day_ts"].to_numpy(dtype="datetime64[D]").astype("int64")


def _codes(frame: pd.DataFrame) -> np.ndarray:
    if "athlete_code" in frame.columns:
        return frame["athlete_code"].to_numpy(dtype="int64")
    return pd.factorize(frame["athlete"])[0].astype("int64")


def athlete_spans(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(first rows, stop rows, athletes)`` of the stretches of consecutive rows of one
    athlete (one stretch per athlete in the frames of :func:`run_sessions` and
    :func:`daily_sorted`)."""
    codes = _codes(frame)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else codes
    stops = np.r_[starts[1:], len(codes)].astype("int64")
    return starts, stops, [str(name) for name in frame["athlete"].to_numpy()[starts]]


def _group_starts(codes: np.ndarray) -> np.ndarray:
    """Per row, the position of the first row of its athlete (rows grouped by athlete)."""
    new = np.ones(len(codes), dtype=bool)
    new[1:] = codes[1:] != codes[:-1]
    return np.maximum.accumulate(np.where(new, np.arange(len(codes)), 0))


def _values(frame: pd.DataFrame, column: str | pd.Series | np.ndarray) -> np.ndarray:
    """A column (by name) or row-aligned values as float64, non-numbers as NaN."""
    series = frame[column] if isinstance(column, str) else pd.Series(np.asarray(column))
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def trailing(frame: pd.DataFrame, column: str | pd.Series | np.ndarray, days: int,
             how: str = "sum", skip: int = 0) -> pd.Series:
    """Per athlete, ``how`` of a column (name, or values aligned with the rows) over the
    calendar days ``(day - skip - days, day - skip]`` (``skip`` days before today: the week
    before this one is ``days=7, skip=7``).

    On a :func:`daily_sorted` frame whose days are continuous per athlete (the daily frame
    contract) a ``sum`` adds the known values of each window oldest first, as a loop over the
    days would: whole numbers as differences of running sums (exact), others one window
    offset at a time, so that a week's total is the same float as the sum of its days. NaN
    values are skipped and a window without any value gives NaN. Other frames take pandas'
    time-based rolling window, rounded to :data:`ROLLING_DECIMALS`.
    """
    if frame.empty:
        return pd.Series(dtype="float64", index=frame.index)
    values = _values(frame, column)
    if how == "sum" and "day_ts" in frame.columns:
        codes, day = _codes(frame), _day_numbers(frame)
        if np.all(np.diff(day)[codes[1:] == codes[:-1]] == 1):
            return pd.Series(_window_sums(values, _group_starts(codes), days, skip),
                             index=frame.index)
    if skip:
        return trailing(frame, values, days + skip, how) - trailing(frame, values, skip, how)
    rolling = pd.DataFrame({"athlete": frame["athlete"].to_numpy(),
                            "day_ts": frame["day_ts"].to_numpy(), "value": values})
    rolled = rolling.groupby("athlete", sort=False).rolling(
        pd.Timedelta(days=days), on="day_ts", min_periods=1)["value"]
    result_series = pd.Series(getattr(rolled, how)().to_numpy(), index=frame.index)
    return result_series.round(ROLLING_DECIMALS)


def _window_sums(values: np.ndarray, starts: np.ndarray, days: int, skip: int) -> np.ndarray:
    """Per row, the sum of the known ``values`` of rows ``row - skip - days + 1 .. row - skip``
    of its athlete (rows continuous days, ``starts`` each row's first row of its athlete);
    NaN when none is known."""
    position = np.arange(len(values))
    valid = ~np.isnan(values)
    known = np.concatenate(([0], np.cumsum(valid)))
    lo = np.clip(position - skip - days + 1, starts, None)
    hi = np.maximum(position - skip + 1, lo)
    addends = np.where(valid, values, 0.0)
    if np.array_equal(addends, np.round(addends)):  # whole numbers: running sums are exact
        sums = np.concatenate(([0.0], np.cumsum(addends)))
        total = sums[hi] - sums[lo]
    else:
        # Unknown values add 0.0, which changes no sum: each window is still its known
        # values added oldest first.
        total = np.zeros(len(values))
        for back in range(skip + days - 1, skip - 1, -1):
            if back < len(values):
                inside = position[back:] - back >= starts[back:]
                total[back:] += np.where(inside, addends[:len(values) - back], 0.0)
    return np.where(known[hi] - known[lo] > 0, total, np.nan)


def history_days(frame: pd.DataFrame) -> pd.Series:
    """Days since the athlete's first row (0 on the first day)."""
    if "athlete_code" in frame.columns and len(frame):
        day = _day_numbers(frame)
        return pd.Series(day - day[_group_starts(_codes(frame))], index=frame.index)
    first = frame.groupby("athlete", sort=False)["day_ts"].transform("min")
    return (frame["day_ts"] - first).dt.days


def episode_starts(frame: pd.DataFrame, condition: pd.Series) -> pd.Series:
    """True on the first day of each run of consecutive days where ``condition`` holds."""
    cond = condition.fillna(False).astype(bool).to_numpy()
    codes = _codes(frame)
    previous = np.zeros(len(cond), dtype=bool)
    previous[1:] = cond[:-1] & (codes[1:] == codes[:-1])
    return pd.Series(cond & ~previous, index=frame.index)


def streak_lengths(frame: pd.DataFrame, condition: pd.Series) -> pd.Series:
    """Per athlete, how many consecutive rows up to and including this one meet ``condition``."""
    cond = pd.Series(condition).fillna(False).astype(bool).to_numpy()
    codes = _codes(frame)
    position = np.arange(len(cond))
    new = np.ones(len(cond), dtype=bool)
    new[1:] = codes[1:] != codes[:-1]
    # Position of the last row (of this athlete) that broke the streak, or one before its start.
    breaks = np.where(~cond, position, np.where(new, position - 1, -1))
    last_break = np.maximum.accumulate(breaks)
    return pd.Series(np.where(cond, position - last_break, 0), index=frame.index)


def firing_days(frame: pd.DataFrame,
                mask: pd.Series | np.ndarray) -> list[tuple[int, str, dt.date]]:
    """``(row position, athlete, local date)`` of the rows of a :func:`daily_sorted` or
    :func:`run_sessions` frame where ``mask`` holds, read from the column arrays (no row
    objects): flags are built only for the few rows that fire."""
    chosen = np.flatnonzero(np.asarray(mask, dtype=bool))
    athletes = frame["athlete"].to_numpy()[chosen]
    days = frame["day_ts"].to_numpy(dtype="datetime64[D]")[chosen].tolist()
    return list(zip(chosen.tolist(), [str(name) for name in athletes], days, strict=True))


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


def week_over_baseline(frame: pd.DataFrame, column: str, factor: float,
                       min_delta: float) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The 7-day total of ``column`` against the weekly mean of the 21 days before it.

    Returns ``(condition, week, base)``: the condition holds where the week exceeds
    ``factor`` x base by at least ``min_delta`` and 28 days of history exist (SCIENCE.md 4.2,
    mirrored for intensity in section 9).
    """
    week = trailing(frame, column, 7)
    base = trailing(frame, column, 21, skip=7) / 3.0
    condition = (exceeds_array(week, base, factor)
                 & ((week - base).round(6) >= min_delta)
                 & (history_days(frame) >= 27))
    return condition, week, base


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


def expanding_before(values: pd.Series, groups: pd.Series, min_periods: int, how: str,
                     quantile: float = 0.5) -> pd.Series:
    """Per group, the expanding ``median`` or ``quantile`` of all *earlier* rows.

    NaN values are skipped; NaN until ``min_periods`` earlier values exist. The rows are
    stably ordered by group and each row's window is the rows of its group before it
    (:class:`EarlierRows`): one rolling pass over all groups, no shift and no re-sorting.
    """
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    codes = pd.factorize(np.asarray(groups))[0]
    order = np.argsort(codes, kind="stable")
    window = pd.Series(numbers[order]).rolling(EarlierRows(starts=_group_starts(codes[order])),
                                               min_periods=min_periods)
    rolled = window.median() if how == "median" else window.quantile(quantile)
    result = np.empty(len(order))
    result[order] = rolled.to_numpy()
    return pd.Series(result, index=values.index)


class EarlierRows(BaseIndexer):
    """Rolling windows over rows grouped contiguously: each row sees the earlier rows of its
    group (``starts`` holds, per row, the position of its group's first row)."""

    def get_window_bounds(self, num_values: int = 0, min_periods: int | None = None,
                          center: bool | None = None, closed: str | None = None,
                          step: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        starts = np.asarray(self.starts, dtype="int64")  # type: ignore[attr-defined]
        return starts, np.arange(num_values, dtype="int64")

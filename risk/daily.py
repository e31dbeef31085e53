"""The daily frame: one row per athlete and local calendar day, continuous, with the day's loads.

Running loads (Run, TrailRun, VirtualRun) are kept apart from total load over all sports
(SCIENCE.md section 0). Several sessions on a day are summed; an activity counts for its own
local date (a run starting 23:30 local time counts for that day, whatever the UTC date).
A day without sessions is a rest day (load 0) unless it is marked as "trained but not
recorded", which makes it ``missing`` (load still 0, but flagged).

Partly known loads. Heart-rate, RPE and stream-based loads can be unknown for a session (NaN).
A day's value is the sum over the sessions where it is known; it is NaN only when the day has
sessions of that kind and none of them has the value; a day without such sessions is 0.
``hr_missing_run_count`` says how many of the day's runs had no heart rate at all, so a
partly-known TRIMP can be badged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from loadwatch import columns as C
from risk.errors import FrameContractError
from risk.session import (
    DISTANCE_ABOVE_THRESHOLD_M,
    DOWN_VERT_M,
    GAP_DISTANCE_M,
    HR_ZONES_S,
    HRSS_AU,
    RTSS_AU,
    TIME_ABOVE_THRESHOLD_S,
    TRIMP_AU,
    UP_VERT_M,
)
from risk.sessions import DISTANCE_KM, DURATION_MIN, IS_RUN, SRPE_AU
from risk.vocabulary import ensure_column

LOAD_STATUS = ensure_column("load_status", "", "ok (sessions recorded) | rest (no session) | "
                            "missing (trained but not recorded)", "SCIENCE.md 0")
RUN_COUNT = ensure_column("run_count", "runs", "number of runs on the day")
SESSION_COUNT = ensure_column("session_count", "sessions", "number of sessions of any sport")
GAP_DISTANCE_KM = ensure_column("gap_distance_km", "km", "grade-adjusted running distance",
                                "Minetti 2002; SCIENCE.md 4.1")
TIME_ABOVE_THRESHOLD_MIN = ensure_column("time_above_threshold_min", "min",
                                         "running time faster than the threshold speed")
DISTANCE_ABOVE_THRESHOLD_KM = ensure_column("distance_above_threshold_km", "km",
                                            "running distance faster than the threshold speed")
HR_ZONES_MIN: tuple[str, ...] = tuple(
    ensure_column(f"hr_z{z}_min", "min", f"running time in heart-rate zone {z}",
                  "Edwards 1993 zones; SCIENCE.md 3.4") for z in range(1, 6))
LONGEST_RUN_KM = ensure_column("longest_run_km", "km", "longest single run of the day")
TOTAL_DURATION_MIN = ensure_column("total_duration_min", "min", "duration of all sessions, "
                                   "every sport")
TOTAL_TRIMP_AU = ensure_column("total_trimp_au", "au", "TRIMP of all sessions, every sport",
                               "Banister 1991")
TOTAL_SRPE_AU = ensure_column("total_srpe_au", "au", "session-RPE load of all sessions",
                              "Foster 2001")
HR_MISSING_RUN_COUNT = ensure_column("hr_missing_run_count", "runs",
                                     "runs of the day without any heart rate (TRIMP unknown)")

STATUS_OK, STATUS_REST, STATUS_MISSING = "ok", "rest", "missing"
#: ``load_status`` is categorical (one byte a day); categories in text order, so sorting by
#: the column sorts alphabetically as with plain strings.
LOAD_STATUS_DTYPE = pd.CategoricalDtype(sorted((STATUS_OK, STATUS_REST, STATUS_MISSING)))
_STATUS_CODE = {name: code for code, name in enumerate(LOAD_STATUS_DTYPE.categories)}
#: Day counts are small whole numbers: int16 (exact up to 32,767 a day; larger counts keep
#: int64).
COUNT_DTYPE = np.dtype(np.int16)
COUNT_COLUMNS: tuple[str, ...] = (RUN_COUNT, SESSION_COUNT, HR_MISSING_RUN_COUNT)
_TEXT = (C.ATHLETE, C.LOCAL_DATE, LOAD_STATUS)
_NOT_FLOAT = (*_TEXT, *COUNT_COLUMNS)

#: Daily running load: output column -> (session column, unit factor).
RUNNING_SUMS: dict[str, tuple[str, float]] = {
    DISTANCE_KM: (DISTANCE_KM, 1.0),
    DURATION_MIN: (DURATION_MIN, 1.0),
    C.ELEVATION_GAIN_M: (C.ELEVATION_GAIN_M, 1.0),
    UP_VERT_M: (UP_VERT_M, 1.0),
    DOWN_VERT_M: (DOWN_VERT_M, 1.0),
    GAP_DISTANCE_KM: (GAP_DISTANCE_M, 1e-3),
    TIME_ABOVE_THRESHOLD_MIN: (TIME_ABOVE_THRESHOLD_S, 1 / 60),
    DISTANCE_ABOVE_THRESHOLD_KM: (DISTANCE_ABOVE_THRESHOLD_M, 1e-3),
    **{out: (src, 1 / 60) for out, src in zip(HR_ZONES_MIN, HR_ZONES_S, strict=True)},
    SRPE_AU: (SRPE_AU, 1.0),
    TRIMP_AU: (TRIMP_AU, 1.0),
    HRSS_AU: (HRSS_AU, 1.0),
    RTSS_AU: (RTSS_AU, 1.0),
}
#: Daily load over every sport: output column -> session column.
TOTAL_SUMS: dict[str, str] = {
    TOTAL_DURATION_MIN: DURATION_MIN,
    TOTAL_TRIMP_AU: TRIMP_AU,
    TOTAL_SRPE_AU: SRPE_AU,
}
DAILY_COLUMNS: tuple[str, ...] = (
    C.ATHLETE, C.LOCAL_DATE, LOAD_STATUS, RUN_COUNT, SESSION_COUNT, *RUNNING_SUMS,
    LONGEST_RUN_KM, *TOTAL_SUMS, HR_MISSING_RUN_COUNT,
)
REQUIRED_SESSION_COLUMNS: tuple[str, ...] = (C.ATHLETE, C.LOCAL_DATE, IS_RUN, DISTANCE_KM,
                                             DURATION_MIN)


def local_days(values: pd.Series) -> np.ndarray:
    """Local dates (``date`` objects, strings or timestamps) as ``datetime64[D]``.

    Converts each distinct value once (a long frame holds few distinct days).

    Raises
    ------
    FrameContractError
        When a date is missing or not a date.
    """
    codes, uniques = pd.factorize(pd.Series(values), use_na_sentinel=True)
    if (codes < 0).any():
        raise FrameContractError(
            "a local_date is missing; every activity and day needs its local calendar date")
    try:
        days = pd.to_datetime(pd.Series(uniques)).to_numpy().astype("datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise FrameContractError(f"local_date holds something that is not a date ({exc}); "
                                 "use datetime.date values or YYYY-MM-DD") from None
    return days[codes]


def _as_dates(days: np.ndarray) -> np.ndarray:
    """``datetime64[D]`` to an object array of :class:`datetime.date` (fast for long frames)."""
    if len(days) == 0:
        return np.array([], dtype=object)
    numbers = days.astype("datetime64[D]").astype(np.int64)
    low = int(numbers.min())
    span = np.arange(low, int(numbers.max()) + 1).astype("datetime64[D]")
    as_date = np.array([dt.date.fromisoformat(str(d)) for d in span], dtype=object)
    return as_date[numbers - low]


def empty_daily() -> pd.DataFrame:
    """A zero-row daily frame with the full schema."""
    frame = pd.DataFrame({name: pd.Series(dtype=float) for name in DAILY_COLUMNS})
    frame[C.ATHLETE] = pd.Series(dtype=object)
    frame[C.LOCAL_DATE] = pd.Series(dtype=object)
    frame[LOAD_STATUS] = pd.Series(dtype=LOAD_STATUS_DTYPE)
    for name in COUNT_COLUMNS:
        frame[name] = pd.Series(dtype=COUNT_DTYPE)
    return frame


def small_counts(counts: np.ndarray) -> np.ndarray:
    """Whole-number counts as :data:`COUNT_DTYPE` when every value fits (exact), else int64."""
    if len(counts) and int(counts.max()) > np.iinfo(COUNT_DTYPE).max:
        return counts.astype(np.int64, copy=False)
    return counts.astype(COUNT_DTYPE)


def _grouped_sum_into(target: np.ndarray, keys: np.ndarray, values: np.ndarray,
                      has_rows: np.ndarray) -> None:
    """Write per key the sum of the known ``values`` into ``target``; NaN for keys whose rows
    all lack the value; 0 for keys without rows."""
    known = np.isfinite(values)
    if known.all():
        target[:] = np.bincount(keys, weights=values, minlength=len(target))
        return
    target[:] = np.bincount(keys[known], weights=values[known], minlength=len(target))
    none_known = has_rows & (np.bincount(keys[known], minlength=len(target)) == 0)
    target[none_known] = np.nan


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    column = frame[name]
    if pd.api.types.is_float_dtype(column.dtype):
        return column.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)


def daily_frame(sessions: pd.DataFrame, *, until: dt.date | None = None,
                missing_days: pd.DataFrame | None = None) -> pd.DataFrame:
    """Continuous daily loads per athlete, from their first activity to ``until``.

    Parameters
    ----------
    sessions : DataFrame
        Output of :func:`risk.sessions.session_frame` (needs ``athlete``, ``local_date``,
        ``is_run``, ``distance_km``, ``duration_min``; other load columns are optional).
    until : date, optional
        Last day of every athlete's series (default: each athlete's last activity). Sessions
        after it are ignored; an athlete whose first activity is after it has no rows.
    missing_days : DataFrame, optional
        ``athlete``, ``local_date`` of days the athlete trained but has no record; such a day
        without sessions gets ``load_status = "missing"``.

    Returns
    -------
    DataFrame
        :data:`DAILY_COLUMNS`, sorted by athlete and date, ``local_date`` as
        :class:`datetime.date`. Running loads count runs only; ``total_*`` every sport.

    Raises
    ------
    FrameContractError
        When a required column is missing.
    """
    missing = [c for c in REQUIRED_SESSION_COLUMNS if c not in sessions.columns]
    if missing:
        raise FrameContractError(
            f"daily_frame: the sessions frame lacks {', '.join(missing)}; build it with "
            "risk.sessions.session_frame(activities)")
    frame = sessions
    if until is not None and not frame.empty:
        frame = frame[local_days(frame[C.LOCAL_DATE]) <= np.datetime64(until, "D")]
    if frame.empty:
        return empty_daily()

    days = local_days(frame[C.LOCAL_DATE])
    athlete_code, athlete_names = pd.factorize(frame[C.ATHLETE], sort=True)
    names = np.asarray(athlete_names, dtype=object)
    by_athlete = pd.Series(days.astype(np.int64)).groupby(athlete_code)
    first = by_athlete.min().to_numpy().astype("datetime64[D]")
    if until is not None:
        last = np.full(len(names), np.datetime64(until, "D"))
    else:
        last = by_athlete.max().to_numpy().astype("datetime64[D]")
    lengths = (last - first).astype(np.int64) + 1
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    size = int(lengths.sum())
    row_athlete = np.repeat(names, lengths)
    offset = np.arange(size) - np.repeat(starts, lengths)
    row_day = np.repeat(first, lengths) + offset.astype("timedelta64[D]")

    key = starts[athlete_code] + (days - first[athlete_code]).astype(np.int64)
    is_run = frame[IS_RUN].fillna(False).astype(bool).to_numpy()
    run_key = key[is_run]

    floats = [name for name in DAILY_COLUMNS if name not in _NOT_FLOAT]
    block = np.empty((size, len(floats)), order="F")
    position = {name: index for index, name in enumerate(floats)}
    has_session = np.bincount(key, minlength=size) > 0
    has_run = np.bincount(run_key, minlength=size) > 0
    for target, (source, factor) in RUNNING_SUMS.items():
        values = _column(frame, source)[is_run]
        _grouped_sum_into(block[:, position[target]], run_key, values * factor, has_run)
    longest = block[:, position[LONGEST_RUN_KM]]
    longest[:] = 0.0
    run_km = _column(frame, DISTANCE_KM)[is_run]
    known = np.isfinite(run_km)
    np.maximum.at(longest, run_key[known], run_km[known])
    for target, source in TOTAL_SUMS.items():
        _grouped_sum_into(block[:, position[target]], key, _column(frame, source), has_session)

    session_count = np.bincount(key, minlength=size)
    status = np.full(size, _STATUS_CODE[STATUS_REST], dtype=np.int8)
    status[session_count > 0] = _STATUS_CODE[STATUS_OK]
    if missing_days is not None and not missing_days.empty:
        _mark_missing(status, missing_days, names, first, starts, lengths, session_count)
    no_hr = ~np.isfinite(_column(frame, TRIMP_AU)[is_run])
    # Object columns wrapped without a copy (and without inferring a string dtype).
    columns: dict[str, Any] = {
        C.ATHLETE: pd.Series(row_athlete, dtype=object, copy=False),
        C.LOCAL_DATE: pd.Series(_as_dates(row_day), dtype=object, copy=False),
        LOAD_STATUS: pd.Categorical.from_codes(status, dtype=LOAD_STATUS_DTYPE),
        RUN_COUNT: small_counts(np.bincount(run_key, minlength=size)),
        SESSION_COUNT: small_counts(session_count),
        HR_MISSING_RUN_COUNT: small_counts(np.bincount(run_key[no_hr], minlength=size)),
    }
    frame_out = pd.DataFrame(block, columns=floats, copy=False)
    for at, name in enumerate(DAILY_COLUMNS):
        if name in columns:
            frame_out.insert(at, name, columns[name])
    return frame_out


def _mark_missing(status: np.ndarray, missing_days: pd.DataFrame, names: np.ndarray,
                  first: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                  session_count: np.ndarray) -> None:
    """Set the status code of the marked days without sessions to ``missing`` (in place)."""
    absent = [c for c in (C.ATHLETE, C.LOCAL_DATE) if c not in missing_days.columns]
    if absent:
        raise FrameContractError(
            f"daily_frame: missing_days lacks {', '.join(absent)}; give one row per athlete and "
            "local_date the athlete trained without a record")
    code = pd.Series(np.arange(len(names)), index=names)
    marked_code = missing_days[C.ATHLETE].astype(str).map(code).to_numpy(dtype=float)
    marked_day = local_days(missing_days[C.LOCAL_DATE])
    known = np.isfinite(marked_code)
    athlete_index = marked_code[known].astype(np.int64)
    offset = (marked_day[known] - first[athlete_index]).astype(np.int64)
    inside = (offset >= 0) & (offset < lengths[athlete_index])
    rows = starts[athlete_index[inside]] + offset[inside]
    rows = rows[session_count[rows] == 0]
    status[rows] = _STATUS_CODE[STATUS_MISSING]

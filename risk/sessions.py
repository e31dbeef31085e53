"""The session frame: one row per activity with its loads, measured or estimated.

:func:`session_frame` joins the activities (``Store.activities()`` columns) with the stream
metrics of :mod:`risk.session`, and fills the gaps from the summary where an honest estimate
exists (TRIMP from the average heart rate, uphill vertical from the elevation gain, rTSS from the
average speed, grade-adjusted distance from the elevation gain), marking each estimate with a
``*_is_estimated`` boolean. Everything is vectorised over all athletes at once.

References
----------
Foster C et al. A new approach to monitoring exercise training. J Strength Cond Res
2001;15(1):109-115 (session RPE). Banister 1991 (TRIMP); SCIENCE.md sections 3.1, 3.3, 3.5, 4.1.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from loadwatch import columns as C
from risk.athlete import AthleteSettings, estimate_squad_settings
from risk.errors import FrameContractError
from risk.frames import side_by_side
from risk.loads import MINETTI_GRADE_LIMIT, gap_factor, trimp_weight
from risk.session import (
    GAP_DISTANCE_M,
    HRSS_AU,
    RTSS_AU,
    STREAM_METRICS,
    TRIMP_AU,
    UP_VERT_M,
)
from risk.vocabulary import ensure_column

IS_RUN = ensure_column("is_run", "bool", "running session: sport_type Run, TrailRun or VirtualRun",
                       "SCIENCE.md 0")
DISTANCE_KM = ensure_column("distance_km", "km", "distance")
DURATION_MIN = ensure_column("duration_min", "min", "moving time (elapsed time when no moving "
                             "time is known)")
SRPE_AU = ensure_column("srpe_au", "au", "session RPE load: CR-10 rating x moving minutes; NaN "
                        "when no rating", "Foster 2001; SCIENCE.md 3.1")
TRIMP_IS_ESTIMATED = ensure_column("trimp_is_estimated", "bool",
                                   "TRIMP (and HRSS) from the average heart rate, not the stream")
HRSS_IS_ESTIMATED = ensure_column("hrss_is_estimated", "bool",
                                  "HRSS from the average-heart-rate TRIMP, not the stream")
RTSS_IS_ESTIMATED = ensure_column("rtss_is_estimated", "bool",
                                  "rTSS from the average speed instead of the normalised graded "
                                  "speed")
UP_VERT_IS_ESTIMATED = ensure_column("up_vert_is_estimated", "bool",
                                     "uphill vertical taken from the summary elevation gain")
GAP_DISTANCE_IS_ESTIMATED = ensure_column(
    "gap_distance_is_estimated", "bool",
    "grade-adjusted distance estimated from distance and elevation gain (half up, half down)")

ESTIMATE_FLAGS: tuple[str, ...] = (TRIMP_IS_ESTIMATED, HRSS_IS_ESTIMATED, RTSS_IS_ESTIMATED,
                                   UP_VERT_IS_ESTIMATED, GAP_DISTANCE_IS_ESTIMATED)
SESSION_COLUMNS: tuple[str, ...] = (IS_RUN, DISTANCE_KM, DURATION_MIN, SRPE_AU, *STREAM_METRICS,
                                    *ESTIMATE_FLAGS)
REQUIRED_ACTIVITY_COLUMNS: tuple[str, ...] = (C.ATHLETE, C.SPORT_TYPE, C.LOCAL_DATE, C.DISTANCE_M,
                                              C.MOVING_TIME_S)


def _numeric(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)


def _settings_arrays(athlete_names: pd.Series, settings: Mapping[str, AthleteSettings]
                     ) -> dict[str, np.ndarray]:
    codes, names = pd.factorize(athlete_names)
    chosen = [settings[str(name)] for name in names]
    out: dict[str, np.ndarray] = {}
    for attr in ("rest_hr_bpm", "max_hr_bpm", "threshold_hr_bpm", "threshold_speed_mps"):
        out[attr] = np.array([float(getattr(value, attr)) for value in chosen])[codes]
    out["sex"] = np.array([value.sex or "" for value in chosen], dtype=object)[codes]
    return out


def _weight_by_sex(hrr: np.ndarray, sex: np.ndarray) -> np.ndarray:
    male = np.asarray(trimp_weight(hrr, "M"), dtype=float)
    female = np.asarray(trimp_weight(hrr, "F"), dtype=float)
    return np.where(sex == "M", male, np.where(sex == "F", female, 0.5 * (male + female)))


def estimated_trimp(duration_min: np.ndarray, avg_hr_bpm: np.ndarray, rest_hr_bpm: np.ndarray,
                    max_hr_bpm: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """Session TRIMP from the average heart rate, ``duration * HRr * y(HRr)`` [au], vectorised.

    NaN where the average heart rate is missing. See :func:`risk.loads.trimp_from_average`.
    """
    hrr = np.clip((avg_hr_bpm - rest_hr_bpm) / (max_hr_bpm - rest_hr_bpm), 0.0, 1.0)
    return duration_min * hrr * _weight_by_sex(hrr, sex)


def estimated_hrss(trimp_au: np.ndarray, rest_hr_bpm: np.ndarray, max_hr_bpm: np.ndarray,
                   threshold_hr_bpm: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """HRSS ``100 * TRIMP / TRIMP_1h_LT`` [au], vectorised (see :func:`risk.loads.hrss`)."""
    hrr_lt = np.clip((threshold_hr_bpm - rest_hr_bpm) / (max_hr_bpm - rest_hr_bpm), 0.0, 1.0)
    return 100.0 * trimp_au / (60.0 * hrr_lt * _weight_by_sex(hrr_lt, sex))


def estimated_gap_distance(distance_m: np.ndarray, elevation_gain_m: np.ndarray) -> np.ndarray:
    """Grade-adjusted distance from the summary [m], assuming half the run climbs, half descends.

    With gain ``G`` over distance ``D`` the mean grade of the climbing half is ``g = 2G/D``
    (clipped to +-45 %), so ``GAP = D/2 * (f(g) + f(-g))`` with ``f`` = :func:`gap_factor`.
    Without an elevation gain the run is taken as flat (``GAP = D``).
    """
    grade = np.divide(2.0 * np.nan_to_num(elevation_gain_m, nan=0.0), distance_m,
                      out=np.zeros(len(distance_m)), where=distance_m > 0)
    grade = np.clip(grade, 0.0, MINETTI_GRADE_LIMIT)
    up = np.asarray(gap_factor(grade), dtype=float)
    down = np.asarray(gap_factor(-grade), dtype=float)
    return distance_m * 0.5 * (up + down)


def _stream_values_into(col: Mapping[str, np.ndarray], activities: pd.DataFrame,
                        stream_metrics: pd.DataFrame | None) -> None:
    """Fill the stream-metric columns: the stream value, else the activity's own column
    of that name (e.g. the simulator's ``up_vert_m``), else NaN."""
    for name in STREAM_METRICS:
        col[name][:] = _numeric(activities, name)
    if stream_metrics is None or stream_metrics.empty:
        return
    metrics = stream_metrics
    if C.ACTIVITY_ID in metrics.columns:
        metrics = metrics.set_index(C.ACTIVITY_ID)
    if C.ACTIVITY_ID not in activities.columns:
        raise FrameContractError(
            "session_frame: stream metrics were given but the activities have no "
            "'activity_id' column to join them on; pass Store.activities() rows")
    ids = activities[C.ACTIVITY_ID]
    for name in STREAM_METRICS:
        if name in metrics.columns:
            measured = ids.map(pd.to_numeric(metrics[name], errors="coerce")).to_numpy(
                dtype=float)
            known = np.isfinite(measured)
            col[name][known] = measured[known]


def session_frame(activities: pd.DataFrame, stream_metrics: pd.DataFrame | None = None,
                  athletes: Mapping[str, AthleteSettings] | None = None) -> pd.DataFrame:
    """One row per activity with measured and estimated loads.

    Parameters
    ----------
    activities : DataFrame
        Rows shaped like ``Store.activities()``; needs at least ``athlete``, ``sport_type``,
        ``local_date``, ``distance_m``, ``moving_time_s``. Columns named like stream metrics
        (e.g. ``up_vert_m`` from the simulator) are used when no stream metric is given.
    stream_metrics : DataFrame, optional
        Per-activity results of :func:`risk.session.summarise_streams`, indexed by (or with a
        column) ``activity_id``.
    athletes : mapping of str to AthleteSettings, optional
        Settings per athlete; athletes not in it get :func:`risk.athlete.estimate_squad_settings`
        of their own sessions.

    Returns
    -------
    DataFrame
        The activity columns plus ``is_run``, ``distance_km``, ``duration_min``, ``srpe_au``
        (NaN without RPE), the stream metrics and the ``*_is_estimated`` flags. Summary
        estimates: TRIMP from average HR x moving minutes (NaN without HR), HRSS from that
        TRIMP, rTSS from the average speed (runs only), uphill vertical = elevation gain,
        grade-adjusted distance from :func:`estimated_gap_distance`. Downhill vertical, time on
        steep grades, time above threshold and HR zones have no summary estimate (NaN).

    Raises
    ------
    FrameContractError
        When a required column is missing.
    """
    missing = [c for c in REQUIRED_ACTIVITY_COLUMNS if c not in activities.columns]
    if missing:
        raise FrameContractError(
            f"session_frame: the activities frame lacks {', '.join(missing)}; pass the rows of "
            "Store.activities() (or the simulator's activities_frame)")
    frame = activities
    if frame.empty:
        frame = activities.copy()
        for name in SESSION_COLUMNS:
            frame[name] = pd.Series(dtype=bool if name in ESTIMATE_FLAGS or name == IS_RUN
                                    else float)
        return frame
    settings = dict(athletes or {})
    unknown = ~frame[C.ATHLETE].isin(list(settings))
    if unknown.any():
        settings.update(estimate_squad_settings(frame[unknown]))
    per_row = _settings_arrays(frame[C.ATHLETE], settings)

    floats = [name for name in SESSION_COLUMNS if name not in (IS_RUN, *ESTIMATE_FLAGS)]
    block = np.empty((len(frame), len(floats)), order="F")
    col = {name: block[:, index] for index, name in enumerate(floats)}
    flags: dict[str, np.ndarray] = {}

    is_run = frame[C.SPORT_TYPE].isin(C.RUNNING_SPORT_TYPES).to_numpy()
    distance_m = _numeric(frame, C.DISTANCE_M)
    moving_s = _numeric(frame, C.MOVING_TIME_S)
    elapsed_s = _numeric(frame, C.ELAPSED_TIME_S)
    duration_min = col[DURATION_MIN]
    duration_min[:] = np.where(np.isfinite(moving_s) & (moving_s > 0), moving_s, elapsed_s) / 60
    col[DISTANCE_KM][:] = distance_m / 1000.0
    col[SRPE_AU][:] = _numeric(frame, C.PERCEIVED_EXERTION) * duration_min
    _stream_values_into(col, frame, stream_metrics)

    def fill(name: str, guess: np.ndarray, allowed: np.ndarray | bool = True) -> np.ndarray:
        use = ~np.isfinite(col[name]) & np.isfinite(guess) & allowed
        col[name][use] = guess[use]
        return use

    flags[TRIMP_IS_ESTIMATED] = fill(TRIMP_AU, estimated_trimp(
        duration_min, _numeric(frame, C.AVG_HEART_RATE_BPM), per_row["rest_hr_bpm"],
        per_row["max_hr_bpm"], per_row["sex"]))
    flags[HRSS_IS_ESTIMATED] = fill(HRSS_AU, estimated_hrss(
        col[TRIMP_AU], per_row["rest_hr_bpm"], per_row["max_hr_bpm"],
        per_row["threshold_hr_bpm"], per_row["sex"]))
    speed = np.divide(distance_m, moving_s, out=np.full(len(frame), np.nan),
                      where=np.isfinite(moving_s) & (moving_s > 0))
    flags[RTSS_IS_ESTIMATED] = fill(RTSS_AU, 100.0 * (moving_s / 3600.0) * (
        speed / per_row["threshold_speed_mps"]) ** 2, is_run)
    gain = _numeric(frame, C.ELEVATION_GAIN_M)
    flags[UP_VERT_IS_ESTIMATED] = fill(UP_VERT_M, gain)
    flags[GAP_DISTANCE_IS_ESTIMATED] = fill(GAP_DISTANCE_M,
                                            estimated_gap_distance(distance_m, gain))

    new = pd.DataFrame(block, index=frame.index, columns=floats, copy=False)
    new.insert(0, IS_RUN, is_run)
    for name in ESTIMATE_FLAGS:
        new[name] = flags[name]
    kept = frame.drop(columns=[c for c in SESSION_COLUMNS if c in frame.columns])
    return side_by_side(kept, new)

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
    codes, names = pd.factorize(athlete_names.astype(str))
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


def _stream_values(activities: pd.DataFrame, stream_metrics: pd.DataFrame | None
                   ) -> pd.DataFrame:
    """Stream metrics aligned with ``activities`` (NaN where none), then the activity's own."""
    out = pd.DataFrame(index=activities.index, columns=list(STREAM_METRICS), dtype=float)
    if stream_metrics is not None and not stream_metrics.empty:
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
                lookup = pd.to_numeric(metrics[name], errors="coerce")
                out[name] = ids.map(lookup).to_numpy(dtype=float)
    for name in STREAM_METRICS:
        if name in activities.columns:
            own = _numeric(activities, name)
            out[name] = np.where(np.isfinite(out[name].to_numpy(dtype=float)),
                                 out[name].to_numpy(dtype=float), own)
    return out


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
    frame = activities.copy(deep=False)  # copy-on-write: new columns never touch the input
    if frame.empty:
        for name in SESSION_COLUMNS:
            frame[name] = pd.Series(dtype=bool if name in ESTIMATE_FLAGS or name == IS_RUN
                                    else float)
        return frame
    settings = dict(athletes or {})
    unknown = ~frame[C.ATHLETE].astype(str).isin(list(settings))
    if unknown.any():
        settings.update(estimate_squad_settings(frame[unknown]))
    per_row = _settings_arrays(frame[C.ATHLETE], settings)

    is_run = frame[C.SPORT_TYPE].isin(C.RUNNING_SPORT_TYPES).to_numpy()
    distance_m = _numeric(frame, C.DISTANCE_M)
    moving_s = _numeric(frame, C.MOVING_TIME_S)
    elapsed_s = _numeric(frame, C.ELAPSED_TIME_S)
    duration_min = np.where(np.isfinite(moving_s) & (moving_s > 0), moving_s, elapsed_s) / 60.0
    frame[IS_RUN] = is_run
    frame[DISTANCE_KM] = distance_m / 1000.0
    frame[DURATION_MIN] = duration_min
    frame[SRPE_AU] = _numeric(frame, C.PERCEIVED_EXERTION) * duration_min

    measured = _stream_values(frame, stream_metrics)
    for name in STREAM_METRICS:
        frame[name] = measured[name].to_numpy(dtype=float)

    trimp = frame[TRIMP_AU].to_numpy(dtype=float)
    trimp_guess = estimated_trimp(duration_min, _numeric(frame, C.AVG_HEART_RATE_BPM),
                                  per_row["rest_hr_bpm"], per_row["max_hr_bpm"], per_row["sex"])
    use = ~np.isfinite(trimp) & np.isfinite(trimp_guess)
    frame[TRIMP_AU] = np.where(use, trimp_guess, trimp)
    frame[TRIMP_IS_ESTIMATED] = use

    hrss_values = frame[HRSS_AU].to_numpy(dtype=float)
    hrss_guess = estimated_hrss(frame[TRIMP_AU].to_numpy(dtype=float), per_row["rest_hr_bpm"],
                                per_row["max_hr_bpm"], per_row["threshold_hr_bpm"],
                                per_row["sex"])
    use = ~np.isfinite(hrss_values) & np.isfinite(hrss_guess)
    frame[HRSS_AU] = np.where(use, hrss_guess, hrss_values)
    frame[HRSS_IS_ESTIMATED] = use

    rtss_values = frame[RTSS_AU].to_numpy(dtype=float)
    speed = np.divide(distance_m, moving_s, out=np.full(len(frame), np.nan),
                      where=np.isfinite(moving_s) & (moving_s > 0))
    rtss_guess = 100.0 * (moving_s / 3600.0) * (speed / per_row["threshold_speed_mps"]) ** 2
    use = ~np.isfinite(rtss_values) & np.isfinite(rtss_guess) & is_run
    frame[RTSS_AU] = np.where(use, rtss_guess, rtss_values)
    frame[RTSS_IS_ESTIMATED] = use

    gain = _numeric(frame, C.ELEVATION_GAIN_M)
    up = frame[UP_VERT_M].to_numpy(dtype=float)
    use = ~np.isfinite(up) & np.isfinite(gain)
    frame[UP_VERT_M] = np.where(use, gain, up)
    frame[UP_VERT_IS_ESTIMATED] = use

    gap = frame[GAP_DISTANCE_M].to_numpy(dtype=float)
    gap_guess = estimated_gap_distance(distance_m, gain)
    use = ~np.isfinite(gap) & np.isfinite(gap_guess)
    frame[GAP_DISTANCE_M] = np.where(use, gap_guess, gap)
    frame[GAP_DISTANCE_IS_ESTIMATED] = use
    return frame


"""Per-activity metrics from sample streams: hills, grade-adjusted distance, intensity, HR load.

:func:`summarise_streams` turns one activity's samples into a flat dict of numbers;
:func:`flat_steady_windows` cuts a run into flat, steady 60-s windows for the cadence baseline.
A channel that was not recorded gives NaN for the metrics that need it (never 0): a run without
a heart-rate strap has an unknown TRIMP, not a zero TRIMP.

References
----------
SCIENCE.md sections 3.3 (TRIMP), 3.4 (zones), 3.5 (HRSS, rTSS), 4.1 (GAP), 4.2 (hill metrics).
Minetti et al. 2002, doi:10.1152/japplphysiol.01177.2001
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loadwatch import columns as C
from risk.athlete import AthleteSettings
from risk.loads import (
    MAX_GAP_S,
    MINETTI_GRADE_LIMIT,
    FloatArray,
    banister_trimp,
    gap_factor,
    hrss,
    normalised_graded_speed,
    rtss,
)
from risk.vocabulary import ensure_column

UP_VERT_M = ensure_column("up_vert_m", "m", "uphill vertical: sum of rises of the smoothed "
                          "altitude with 2 m hysteresis", "SCIENCE.md 4.2")
DOWN_VERT_M = ensure_column("down_vert_m", "m", "downhill vertical: sum of drops of the smoothed "
                            "altitude with 2 m hysteresis", "SCIENCE.md 4.2")
GAP_DISTANCE_M = ensure_column("gap_distance_m", "m", "grade-adjusted (Minetti) distance, grade "
                               "clipped to +-45 %", "Minetti 2002; SCIENCE.md 4.1")
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
HR_ZONE_BOUNDS_FRAC: tuple[float, ...] = (0.6, 0.7, 0.8, 0.9)
HR_ZONES_S: tuple[str, ...] = tuple(
    ensure_column(f"hr_z{z}_s", "s", f"time in heart-rate zone {z} ({label} of max HR)",
                  "Edwards 1993 zones; SCIENCE.md 3.4")
    for z, label in enumerate(("< 60 %", "60-70 %", "70-80 %", "80-90 %", ">= 90 %"), start=1))
TRIMP_AU = ensure_column("trimp_au", "au", "Banister TRIMP (exponential HR-reserve weighting, "
                         "sex-specific)", "Banister 1991; SCIENCE.md 3.3")
HRSS_AU = ensure_column("hrss_au", "au", "heart-rate stress score: TRIMP normalised to 1 h at the "
                        "threshold HR = 100", "SCIENCE.md 3.5")
RTSS_AU = ensure_column("rtss_au", "au", "running TSS: 100 * hours * (NGS / threshold speed)^2",
                        "Allen & Coggan 2010; SCIENCE.md 3.5")
DURATION_S = ensure_column("duration_s", "s", "duration of a window or segment")
WINDOW_START_S = ensure_column("window_start_s", "s", "start of a window, seconds since the start")

STREAM_METRICS: tuple[str, ...] = (
    UP_VERT_M, DOWN_VERT_M, GAP_DISTANCE_M, TIME_UP_10PCT_S, TIME_DOWN_10PCT_S,
    TIME_ABOVE_THRESHOLD_S, DISTANCE_ABOVE_THRESHOLD_M, *HR_ZONES_S, TRIMP_AU, HRSS_AU, RTSS_AU,
)
FLAT_WINDOW_COLUMNS: tuple[str, ...] = (WINDOW_START_S, C.SPEED_MPS, C.CADENCE_SPM, DURATION_S)

#: Hysteresis of the vertical counters [m] (SCIENCE.md 4.2).
VERTICAL_HYSTERESIS_M = 2.0
#: Centred moving-average width for altitude smoothing [samples].
ALTITUDE_SMOOTHING_SAMPLES = 5
#: Steep-grade threshold of the time-on-steep counters [decimal].
STEEP_GRADE = 0.10
#: Flat-steady windows: length [s], grade limit [decimal], speed CV limit, slowest speed [m/s],
#: minimum covered seconds of the 60.
FLAT_WINDOW_S = 60.0
FLAT_GRADE_LIMIT = 0.02
STEADY_SPEED_CV = 0.08
MIN_RUNNING_SPEED_MPS = 1.8
MIN_WINDOW_COVERAGE_S = 55.0


def _channel(streams: pd.DataFrame, name: str) -> FloatArray:
    if name not in streams.columns:
        return np.full(len(streams), np.nan)
    return pd.to_numeric(streams[name], errors="coerce").to_numpy(dtype=float)


def _has(values: FloatArray) -> bool:
    return bool(np.isfinite(values).any())


def smooth_altitude(altitude_m: FloatArray) -> FloatArray:
    """Centred moving average of ``ALTITUDE_SMOOTHING_SAMPLES`` samples, ignoring NaN [m]."""
    series = pd.Series(altitude_m, dtype=float)
    return series.rolling(ALTITUDE_SMOOTHING_SAMPLES, center=True, min_periods=1).mean().to_numpy()


def vertical_with_hysteresis(altitude_m: FloatArray,
                             hysteresis_m: float = VERTICAL_HYSTERESIS_M) -> tuple[float, float]:
    """Uphill and downhill vertical of an altitude trace [m], ignoring wiggles below the hysteresis.

    The trace is reduced to a zig-zag of turning points: a rise (or drop) counts once the
    altitude has moved at least ``hysteresis_m`` from the last confirmed turning point in that
    direction, and then counts in full, from turning point to turning point. A final leg
    shorter than the hysteresis is ignored. Example: 100 -> 105 -> 104 -> 110 -> 101 gives
    10 m up (the 1 m dip is ignored) and 9 m down.

    Parameters
    ----------
    altitude_m : array
        Altitude samples [m]; NaN samples are skipped.
    hysteresis_m : float, default 2
        Smallest reversal that counts [m].

    Returns
    -------
    (float, float)
        ``(up_vert_m, down_vert_m)``; NaN, NaN when there is no altitude.
    """
    values = np.asarray(altitude_m, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return float("nan"), float("nan")
    up = down = 0.0
    turn = low = high = float(values[0])
    direction = 0
    for value in values[1:]:
        a = float(value)
        if direction == 0:
            low, high = min(low, a), max(high, a)
            if a - low >= hysteresis_m:
                direction, turn, high = 1, low, a
            elif high - a >= hysteresis_m:
                direction, turn, low = -1, high, a
        elif direction == 1:
            if a > high:
                high = a
            elif high - a >= hysteresis_m:
                up += high - turn
                direction, turn, low = -1, high, a
        elif a < low:
            low = a
        elif a - low >= hysteresis_m:
            down += turn - low
            direction, turn, high = 1, low, a
    if direction == 1:
        up += high - turn
    elif direction == -1:
        down += turn - low
    return up, down


def _grade(streams: pd.DataFrame, distance_m: FloatArray, smoothed_alt: FloatArray) -> FloatArray:
    grade_pct = _channel(streams, C.GRADE_PCT)
    if _has(grade_pct):
        grade = grade_pct / 100.0
    elif _has(smoothed_alt) and _has(distance_m):
        d_dist = np.gradient(distance_m) if len(distance_m) > 1 else np.zeros(len(distance_m))
        d_alt = np.gradient(smoothed_alt) if len(smoothed_alt) > 1 else np.zeros(len(distance_m))
        grade = np.divide(d_alt, d_dist, out=np.full(len(d_dist), np.nan), where=d_dist > 0.5)
    else:
        return np.full(len(streams), np.nan)
    return np.clip(grade, -MINETTI_GRADE_LIMIT, MINETTI_GRADE_LIMIT)


def _prepare(streams: pd.DataFrame) -> pd.DataFrame:
    frame = streams.copy()
    frame[C.TIME_S] = _channel(frame, C.TIME_S)
    frame = frame[np.isfinite(frame[C.TIME_S].to_numpy(dtype=float))]
    return frame.sort_values(C.TIME_S, kind="stable").reset_index(drop=True)


def summarise_streams(streams: pd.DataFrame, athlete: AthleteSettings) -> dict[str, float]:
    """Per-activity stream metrics (SCIENCE.md 3.3-3.5, 4.1-4.2).

    Intervals run from one sample to the next and take the values of the sample that starts
    them; intervals longer than 60 s (pauses, dropouts) are not integrated, and the time-based
    counters also skip intervals that start on a sample marked not moving.

    Parameters
    ----------
    streams : DataFrame
        Samples with ``time_s`` and any of ``distance_m``, ``altitude_m``, ``heart_rate_bpm``,
        ``cadence_spm``, ``speed_mps``, ``grade_pct``, ``is_moving``.
    athlete : AthleteSettings
        Heart rates, threshold speed and sex for TRIMP, zones, HRSS and rTSS.

    Returns
    -------
    dict of str to float
        Every name in :data:`STREAM_METRICS`. Vertical and grade-based metrics are NaN without
        altitude or grade; heart-rate metrics NaN without heart rate; speed metrics NaN without
        speed or distance.
    """
    result = dict.fromkeys(STREAM_METRICS, float("nan"))
    frame = _prepare(streams)
    if len(frame) < 2:
        return result
    t = frame[C.TIME_S].to_numpy(dtype=float)
    dt = np.append(np.diff(t), 0.0)
    moving = (frame[C.IS_MOVING].fillna(True).astype(bool).to_numpy()
              if C.IS_MOVING in frame.columns else np.ones(len(frame), dtype=bool))
    in_gap = dt > MAX_GAP_S
    timed = np.where(~in_gap & moving, dt, 0.0)

    distance = _channel(frame, C.DISTANCE_M)
    speed = _channel(frame, C.SPEED_MPS)
    if not _has(distance) and _has(speed):
        distance = np.concatenate(([0.0], np.cumsum(np.nan_to_num(speed[:-1]) * np.diff(t))))
    step_m = np.append(np.clip(np.diff(distance), 0.0, None), 0.0) if _has(distance) else None
    if not _has(speed) and step_m is not None:
        speed = np.divide(step_m, dt, out=np.full(len(dt), np.nan), where=dt > 0)

    smoothed = smooth_altitude(_channel(frame, C.ALTITUDE_M))
    if _has(smoothed):
        result[UP_VERT_M], result[DOWN_VERT_M] = vertical_with_hysteresis(smoothed)
    grade = _grade(frame, distance, smoothed)
    if _has(grade):
        if step_m is not None:
            factor = np.asarray(gap_factor(np.nan_to_num(grade, nan=0.0)), dtype=float)
            result[GAP_DISTANCE_M] = float(np.nansum(step_m * factor))
        result[TIME_UP_10PCT_S] = float(timed[grade > STEEP_GRADE].sum())
        result[TIME_DOWN_10PCT_S] = float(timed[grade < -STEEP_GRADE].sum())
        if not _has(_channel(frame, C.ALTITUDE_M)):
            result[UP_VERT_M] = float(np.nansum(np.clip(step_m * grade, 0, None))) \
                if step_m is not None else float("nan")
            result[DOWN_VERT_M] = float(np.nansum(np.clip(-step_m * grade, 0, None))) \
                if step_m is not None else float("nan")

    if _has(speed):
        fast = np.nan_to_num(speed, nan=0.0) > athlete.threshold_speed_mps
        result[TIME_ABOVE_THRESHOLD_S] = float(timed[fast].sum())
        if step_m is not None:
            result[DISTANCE_ABOVE_THRESHOLD_M] = float(np.nansum(step_m[fast & ~in_gap]))
        ngs = normalised_graded_speed(t, speed, np.nan_to_num(grade, nan=0.0))
        moving_s = float(timed.sum())
        if np.isfinite(ngs) and moving_s > 0:
            result[RTSS_AU] = rtss(moving_s, ngs, athlete.threshold_speed_mps)

    hr = _channel(frame, C.HEART_RATE_BPM)
    if _has(hr):
        hr_timed = np.where(np.isfinite(hr) & ~in_gap, dt, 0.0)
        pct = hr / athlete.max_hr_bpm
        zone = np.digitize(np.nan_to_num(pct, nan=-1.0), HR_ZONE_BOUNDS_FRAC)
        for index, name in enumerate(HR_ZONES_S):
            result[name] = float(hr_timed[zone == index].sum())
        trimp = banister_trimp(t, hr, athlete.rest_hr_bpm, athlete.max_hr_bpm, athlete.sex)
        result[TRIMP_AU] = trimp
        if np.isfinite(trimp):
            result[HRSS_AU] = hrss(trimp, athlete.rest_hr_bpm, athlete.max_hr_bpm,
                                   athlete.threshold_hr_bpm, athlete.sex)
    return result


def flat_steady_windows(streams: pd.DataFrame) -> pd.DataFrame:
    """Flat, steady 60-s windows of a run: the inputs of the cadence-vs-speed baseline.

    The run is cut into consecutive 60-s windows by ``time_s``. A window is kept when at least
    55 s of it are covered by moving samples without gaps over 60 s, every sample's grade is
    within +-2 %, the speed's coefficient of variation is below 8 %, the mean speed is at least
    1.8 m/s (running, not walking) and cadence was recorded. Without grade or altitude nothing
    can be called flat, so the result is empty.

    Parameters
    ----------
    streams : DataFrame
        Samples as for :func:`summarise_streams`.

    Returns
    -------
    DataFrame
        Columns ``window_start_s``, ``speed_mps`` (time-weighted mean), ``cadence_spm``
        (time-weighted mean) and ``duration_s`` (covered seconds), one row per kept window.
    """
    empty = pd.DataFrame({name: pd.Series(dtype=float) for name in FLAT_WINDOW_COLUMNS})
    frame = _prepare(streams)
    if len(frame) < 2:
        return empty
    t = frame[C.TIME_S].to_numpy(dtype=float)
    dt = np.append(np.diff(t), 0.0)
    moving = (frame[C.IS_MOVING].fillna(True).astype(bool).to_numpy()
              if C.IS_MOVING in frame.columns else np.ones(len(frame), dtype=bool))
    distance = _channel(frame, C.DISTANCE_M)
    speed = _channel(frame, C.SPEED_MPS)
    if not _has(speed) and _has(distance):
        speed = np.divide(np.append(np.diff(distance), 0.0), dt, out=np.full(len(dt), np.nan),
                          where=dt > 0)
    grade = _grade(frame, distance, smooth_altitude(_channel(frame, C.ALTITUDE_M)))
    cadence = _channel(frame, C.CADENCE_SPM)
    if not (_has(grade) and _has(speed) and _has(cadence)):
        return empty
    weight = np.where((dt > 0) & (dt <= MAX_GAP_S) & moving & np.isfinite(speed)
                      & np.isfinite(cadence), dt, 0.0)
    window = np.floor((t - t[0]) / FLAT_WINDOW_S).astype(np.int64)
    v = np.nan_to_num(speed)
    w = np.bincount(window, weights=weight)
    wv = np.bincount(window, weights=weight * v)
    wv2 = np.bincount(window, weights=weight * v**2)
    wc = np.bincount(window, weights=weight * np.nan_to_num(cadence))
    steep = np.bincount(window, weights=~(np.abs(grade) <= FLAT_GRADE_LIMIT)) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_v = wv / w
        variance = np.clip(wv2 / w - mean_v**2, 0.0, None)
        kept = ((w >= MIN_WINDOW_COVERAGE_S) & ~steep
                & (np.sqrt(variance) / mean_v < STEADY_SPEED_CV)
                & (mean_v >= MIN_RUNNING_SPEED_MPS))
    if not kept.any():
        return empty
    index = np.flatnonzero(kept)
    return pd.DataFrame({
        WINDOW_START_S: index.astype(float) * FLAT_WINDOW_S,
        C.SPEED_MPS: wv[index] / w[index],
        C.CADENCE_SPM: wc[index] / w[index],
        DURATION_S: w[index],
    })

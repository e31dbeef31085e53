"""Normalisation shared by the FIT, GPX and TCX readers: time zones, moving time, speed,
elevation smoothing, grade, cadence units, the streams frame and totals derived from it.

Pure functions over arrays and frames (no IO). The rules are documented in
``docs/readers.md``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from etl.errors import NoDataError
from etl.records import conform_streams
from loadwatch import columns as C

MOVING_SPEED_MPS = 0.5
"""Below this speed [m/s] a sample is not moving (files without timer data)."""

MAX_MOVING_GAP_S = 10.0
"""A gap between samples longer than this [s] is a pause (files without timer data)."""

ALTITUDE_MEDIAN_SAMPLES = 5
"""Window of the running median that removes altitude spikes [samples]."""

ALTITUDE_SPIKE_WINDOW_SAMPLES = 15
"""Window of the wide running median that spikes are measured against [samples]."""

ALTITUDE_SPIKE_M = 10.0
"""An altitude further than this from the wide running median is a spike [m]."""

ELEVATION_HYSTERESIS_M = 3.0
"""A climb counts once the smoothed altitude has risen this much above the last low [m]."""

GRADE_WINDOW_M = 25.0
"""Horizontal distance over which the grade is computed, centred on the sample [m]."""

GRADE_LIMIT_PCT = 45.0
"""Grades are clipped to +- this value [%]."""

CADENCE_PER_LEG_BELOW = 120.0
"""SCIENCE.md 6.1: a running cadence whose median is below this is per leg and is doubled."""

# ---------------------------------------------------------------- time zones

def offset_zone_name(offset: dt.timedelta) -> str:
    """A fixed-offset zone name such as ``"UTC+02:00"`` or ``"UTC-04:30"``."""
    minutes = round(offset.total_seconds() / 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


_ZONE_RE = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")


def tzinfo_for(zone: str) -> dt.tzinfo:
    """The tzinfo for a ``timezone`` value written by the readers (``UTC``, ``UTC+02:00``) or an
    IANA name (``Europe/Oslo``)."""
    if zone == "UTC":
        return dt.UTC
    match = _ZONE_RE.match(zone)
    if match:
        sign = 1 if match.group(1) == "+" else -1
        return dt.timezone(sign * dt.timedelta(hours=int(match.group(2)),
                                               minutes=int(match.group(3))))
    from zoneinfo import ZoneInfo

    return ZoneInfo(zone)


def round_offset(seconds: float) -> dt.timedelta:
    """Round a measured UTC offset to the nearest quarter hour (all real zones are on one)."""
    return dt.timedelta(minutes=15 * round(seconds / 900))


def local_times(start_utc: dt.datetime, offset: dt.timedelta | None, place_zone: str | None = None
                ) -> tuple[dt.datetime, str]:
    """(naive local wall time, timezone name) for a start time and a known or unknown offset.

    Without an offset, ``place_zone`` (the IANA zone where the activity started, from
    :func:`zone_at`) gives the local time; without either the time stays UTC.
    """
    if offset is None and place_zone:
        return start_utc.astimezone(tzinfo_for(place_zone)).replace(tzinfo=None), place_zone
    if offset is None:
        return start_utc.astimezone(dt.UTC).replace(tzinfo=None), "UTC"
    zone = dt.timezone(offset)
    return start_utc.astimezone(zone).replace(tzinfo=None), offset_zone_name(offset)


@functools.cache
def _zone_finder() -> Any:
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_at(latitude_deg: np.ndarray, longitude_deg: np.ndarray) -> str | None:
    """The IANA time zone at the first usable position (where the activity started), from the
    zone boundaries bundled with ``timezonefinder`` (offline); None without a position.

    Only the zone's name is kept, never the position. (0, 0) is a device's "no fix", not a
    place, and is skipped.
    """
    lat = np.asarray(latitude_deg, dtype="float64")
    lon = np.asarray(longitude_deg, dtype="float64")
    usable = (np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90.0)
              & (np.abs(lon) <= 180.0) & ~((lat == 0.0) & (lon == 0.0)))
    first = np.flatnonzero(usable)
    if not len(first):
        return None
    name = _zone_finder().timezone_at(lng=float(lon[first[0]]), lat=float(lat[first[0]]))
    try:
        tzinfo_for(name)
    except (LookupError, ValueError, TypeError):  # not in this system's zone database
        return None
    return str(name)


def offset_of(moment: dt.datetime) -> dt.timedelta | None:
    """The UTC offset a timestamp carries, None when it is UTC ("Z") or naive."""
    offset = moment.utcoffset()
    if offset is None or offset == dt.timedelta(0):
        return None
    return offset


# ---------------------------------------------------------------- streams

def haversine_cumulative_m(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Cumulative great-circle distance [m] along a track (NaN positions add nothing).

    The positions are used only here, transiently: they are never stored.
    """
    lat = np.radians(lat_deg.astype("float64"))
    lon = np.radians(lon_deg.astype("float64"))
    if lat.size == 0:
        return np.zeros(0)
    valid = ~(np.isnan(lat) | np.isnan(lon))
    lat_f = pd.Series(np.where(valid, lat, np.nan)).ffill().to_numpy()
    lon_f = pd.Series(np.where(valid, lon, np.nan)).ffill().to_numpy()
    dlat = np.diff(lat_f)
    dlon = np.diff(lon_f)
    a = np.sin(dlat / 2) ** 2 + np.cos(lat_f[:-1]) * np.cos(lat_f[1:]) * np.sin(dlon / 2) ** 2
    step = 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    step = np.nan_to_num(step, nan=0.0)
    return np.concatenate(([0.0], np.cumsum(step)))


SPEED_SPAN_SAMPLES = 2
"""Derived speed spans this many samples on each side (GPS positions at 1 s are noisy)."""


def derived_speed_mps(time_s: np.ndarray, distance_m: np.ndarray) -> np.ndarray:
    """Speed from the distance, centred over +- :data:`SPEED_SPAN_SAMPLES` samples.

    speed_i = (d[i+k] - d[i-k]) / (t[i+k] - t[i-k]) with the indices clipped at the ends, but
    never across a gap longer than :data:`MAX_MOVING_GAP_S` (a pause must not look moving).
    """
    n = time_s.size
    if n < 2:
        return np.full(n, np.nan)
    dist = pd.Series(distance_m, dtype="float64").interpolate(limit_area="inside").to_numpy()
    index = np.arange(n)
    speeds = np.full(n, np.nan)
    for span in range(SPEED_SPAN_SAMPLES, 0, -1):
        after = np.minimum(index + span, n - 1)
        before = np.maximum(index - span, 0)
        dt_s = time_s[after] - time_s[before]
        with np.errstate(divide="ignore", invalid="ignore"):
            candidate = (dist[after] - dist[before]) / dt_s
        usable = np.isnan(speeds) & (dt_s > 0) & (dt_s <= MAX_MOVING_GAP_S * span)
        speeds = np.where(usable, candidate, speeds)
    step = np.concatenate(([np.nan], np.diff(dist) / np.where(np.diff(time_s) > 0,
                                                               np.diff(time_s), np.nan)))
    return np.where(np.isnan(speeds), step, speeds)


def moving_mask(time_s: np.ndarray, speed_mps: np.ndarray) -> np.ndarray:
    """Which samples are moving, for files without timer data.

    Parameters
    ----------
    time_s
        Sample times [s], increasing.
    speed_mps
        Sample speeds [m/s]; NaN where unknown.

    Returns
    -------
    numpy.ndarray
        Boolean per sample: the gap since the previous sample is at most
        :data:`MAX_MOVING_GAP_S` and the speed is at least :data:`MOVING_SPEED_MPS`.

    Notes
    -----
    A sample with no speed counts as moving (only the gap rule applies). The first sample
    has a gap of 0 s. Moving time is then :func:`moving_time_s`.
    """
    n = time_s.size
    gaps = np.concatenate(([0.0], np.diff(time_s))) if n else np.zeros(0)
    slow = np.nan_to_num(speed_mps, nan=np.inf) < MOVING_SPEED_MPS
    return (gaps <= MAX_MOVING_GAP_S) & ~slow


def moving_time_s(time_s: np.ndarray, moving: np.ndarray) -> float:
    """Sum of the intervals that end at a moving sample [s]."""
    if time_s.size < 2:
        return 0.0
    gaps = np.diff(time_s)
    return float(np.sum(np.where(moving[1:], gaps, 0.0)))


def smooth_altitude(altitude_m: np.ndarray) -> np.ndarray:
    """Despiked altitude followed by a running median over :data:`ALTITUDE_MEDIAN_SAMPLES`.

    NaN gaps are bridged by linear interpolation. Samples further than
    :data:`ALTITUDE_SPIKE_M` from the running median over
    :data:`ALTITUDE_SPIKE_WINDOW_SAMPLES` samples are spikes (barometer start-up glitches,
    GPS altitude jumps) and take that median's value. The ends are padded with the first and
    last value, so a steady slope is left unchanged up to the last sample.
    """
    series = pd.Series(altitude_m, dtype="float64")
    if series.notna().sum() == 0:
        return series.to_numpy()
    filled = series.interpolate(limit_direction="both").to_numpy()
    wide = _running_median(filled, ALTITUDE_SPIKE_WINDOW_SAMPLES)
    despiked = np.where(np.abs(filled - wide) > ALTITUDE_SPIKE_M, wide, filled)
    return _running_median(despiked, ALTITUDE_MEDIAN_SAMPLES)


def _running_median(values: np.ndarray, window: int) -> np.ndarray:
    """Centred running median; the ends are padded with the first and last value."""
    half = window // 2
    padded = np.concatenate((np.full(half, values[0]), values, np.full(half, values[-1])))
    medians = pd.Series(padded).rolling(window, center=True).median().to_numpy()
    return medians[half:half + values.size]


def elevation_gain_m(altitude_m: np.ndarray, hysteresis_m: float = ELEVATION_HYSTERESIS_M
                     ) -> float | None:
    """Total ascent [m] of an altitude series after smoothing, with hysteresis.

    Parameters
    ----------
    altitude_m
        Altitude samples [m]; NaN gaps are bridged.
    hysteresis_m
        Rise above the last low point [m] before a climb counts (default
        :data:`ELEVATION_HYSTERESIS_M`).

    Returns
    -------
    float or None
        Total ascent [m]; None when there is no altitude at all.

    Notes
    -----
    The series is smoothed by :func:`smooth_altitude`. A climb is counted once the altitude has
    risen ``hysteresis_m`` above the last low point, and a descent resets the low point only
    once it has fallen ``hysteresis_m`` below the last high point. This ignores barometric and
    GPS noise smaller than the threshold. The parameters were chosen against the devices' own
    session ``total_ascent`` over the shared FIT fixtures: mean absolute difference 7.9 m,
    worst -12 % (docs/readers.md).
    """
    smooth = smooth_altitude(altitude_m)
    smooth = smooth[~np.isnan(smooth)]
    if smooth.size == 0:
        return None
    gain = 0.0
    low = high = float(smooth[0])
    climbing = False
    for value in smooth.tolist():
        if climbing:
            if value > high:
                gain += value - high
                high = value
            elif value < high - hysteresis_m:
                climbing = False
                low = value
        elif value > low + hysteresis_m:
            climbing = True
            gain += value - low
            high = value
        elif value < low:
            low = value
    return gain


def grade_pct(distance_m: np.ndarray, altitude_m: np.ndarray) -> np.ndarray:
    """Gradient [%] of the smoothed altitude over :data:`GRADE_WINDOW_M` of horizontal distance.

    Samples without progress (standing still) are dropped first, so the altitude is smoothed
    over distinct positions along the route. For each sample the altitude is interpolated
    half a window before and after its distance (the window slides inwards at the ends);
    grade = rise / run * 100, clipped to +- :data:`GRADE_LIMIT_PCT`. NaN where distance or
    altitude is missing or the activity is shorter than one window.
    """
    n = distance_m.size
    out = np.full(n, np.nan)
    ok = ~(np.isnan(distance_m) | np.isnan(altitude_m))
    if ok.sum() < 2:
        return out
    dist = np.maximum.accumulate(distance_m[ok])
    unique_dist, first = np.unique(dist, return_index=True)
    if unique_dist.size < 2 or unique_dist[-1] - unique_dist[0] < GRADE_WINDOW_M:
        return out
    unique_alt = smooth_altitude(altitude_m[ok][first])
    half = GRADE_WINDOW_M / 2
    lo = np.clip(dist - half, unique_dist[0], unique_dist[-1] - GRADE_WINDOW_M)
    hi = lo + GRADE_WINDOW_M
    rise = np.interp(hi, unique_dist, unique_alt) - np.interp(lo, unique_dist, unique_alt)
    out[ok] = np.clip(100.0 * rise / GRADE_WINDOW_M, -GRADE_LIMIT_PCT, GRADE_LIMIT_PCT)
    return out


def step_cadence_spm(cadence: np.ndarray) -> np.ndarray:
    """Cadence of GPX/TCX files in steps per minute (SCIENCE.md 6.1 defensive rule).

    Parameters
    ----------
    cadence
        Cadence samples as written in the file [per leg or steps/min]; 0 while standing.

    Returns
    -------
    numpy.ndarray
        Cadence [steps/min]: doubled when the median of the non-zero samples is below
        :data:`CADENCE_PER_LEG_BELOW` (per-leg cycles, as Strava and Garmin write running
        cadence), unchanged otherwise (apps that write steps per minute).

    References
    ----------
    Strava API v3, streams: ``cadence`` in RPM (per leg), developers.strava.com/docs/reference.
    SCIENCE.md section 6.1.
    """
    values = cadence.astype("float64")
    active = values[(values > 0) & ~np.isnan(values)]
    if active.size and float(np.median(active)) < CADENCE_PER_LEG_BELOW:
        return values * 2.0
    return values


def make_streams(time_s: np.ndarray, *, distance_m: np.ndarray | None = None,
                 altitude_m: np.ndarray | None = None, heart_rate_bpm: np.ndarray | None = None,
                 cadence_spm: np.ndarray | None = None, speed_mps: np.ndarray | None = None,
                 is_moving: np.ndarray | None = None) -> pd.DataFrame:
    """Assemble a conformed streams frame; derives speed, grade and the moving flag.

    Speed comes from the distance when not given (or where the given speed is missing); the
    moving flag follows :func:`moving_mask` when not given.
    """
    n = time_s.size
    nan = np.full(n, np.nan)
    dist = nan if distance_m is None else distance_m.astype("float64")
    alt = nan if altitude_m is None else altitude_m.astype("float64")
    speed = derived_speed_mps(time_s, dist) if not np.isnan(dist).all() else nan.copy()
    if speed_mps is not None:
        given = speed_mps.astype("float64")
        speed = np.where(np.isnan(given), speed, given)
    moving = moving_mask(time_s, speed) if is_moving is None else is_moving.astype(bool)
    frame = pd.DataFrame({
        C.TIME_S: time_s.astype("float64"),
        C.DISTANCE_M: dist,
        C.ALTITUDE_M: alt,
        C.HEART_RATE_BPM: nan if heart_rate_bpm is None else heart_rate_bpm.astype("float64"),
        C.CADENCE_SPM: nan if cadence_spm is None else cadence_spm.astype("float64"),
        C.SPEED_MPS: speed,
        C.GRADE_PCT: grade_pct(dist, alt),
        C.IS_MOVING: moving,
    })
    return conform_streams(frame)


@dataclass(frozen=True)
class StreamSummary:
    """Activity totals derived from the samples of a file without a session summary."""

    distance_m: float | None
    moving_time_s: float
    elapsed_time_s: float
    elevation_gain_m: float | None
    avg_heart_rate_bpm: float | None
    max_heart_rate_bpm: float | None
    avg_cadence_spm: float | None


def summarise(streams: pd.DataFrame) -> StreamSummary:
    """Totals from a streams frame: distance, moving/elapsed time, gain, HR and cadence.

    Average heart rate is the mean of the samples; average cadence is the mean of the moving
    samples with a non-zero cadence (standing still is not a cadence).
    """
    time_s = streams[C.TIME_S].to_numpy()
    moving = streams[C.IS_MOVING].to_numpy(dtype=bool)
    distance = streams[C.DISTANCE_M].to_numpy()
    hr = streams[C.HEART_RATE_BPM].to_numpy()
    cadence = streams[C.CADENCE_SPM].to_numpy()
    hr_valid = hr[~np.isnan(hr) & (hr > 0)]
    cad_valid = cadence[moving & ~np.isnan(cadence) & (cadence > 0)]
    return StreamSummary(
        distance_m=float(np.nanmax(distance)) if not np.isnan(distance).all() else None,
        moving_time_s=moving_time_s(time_s, moving),
        elapsed_time_s=float(time_s[-1] - time_s[0]) if time_s.size else 0.0,
        elevation_gain_m=elevation_gain_m(streams[C.ALTITUDE_M].to_numpy()),
        avg_heart_rate_bpm=float(hr_valid.mean()) if hr_valid.size else None,
        max_heart_rate_bpm=float(hr_valid.max()) if hr_valid.size else None,
        avg_cadence_spm=float(cad_valid.mean()) if cad_valid.size else None,
    )


def require_times(name: str, times: list[dt.datetime | None], what: str) -> None:
    """Raise NoDataError when a GPX/TCX track has no usable timestamps."""
    if not times:
        raise NoDataError(name, f"has no {what}; export the activity again with its recorded "
                                "track (a route or an empty file cannot be imported)")
    if all(t is None for t in times):
        raise NoDataError(name, f"its {what} have no timestamps (a planned route, not a "
                                "recorded activity); export the recorded activity instead")

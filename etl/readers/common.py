"""Normalisation shared by the FIT, GPX and TCX readers.

Everything here works on plain arrays and frames; the only IO is :func:`load_content`, which
turns a path, bytes or a binary stream into bytes (gunzipping ``.gz`` with a size cap).
The rules (moving time, elevation smoothing, grade, cadence units, sport and time-zone mapping)
are documented in ``docs/readers.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from etl.errors import CorruptFileError, HostileInputError, NoDataError, UnsupportedFileError
from etl.records import conform_streams
from loadwatch import columns as C

MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024
"""Largest activity file accepted after gunzip [bytes]; a bigger one is treated as a gzip bomb."""

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

FOOT_SPORTS: frozenset[str] = frozenset({"Run", "TrailRun", "VirtualRun", "Walk", "Hike"})
"""Sports whose cadence is a step rate (cycling cadence is crank rpm, not steps)."""

_READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Content:
    """The decompressed bytes of one input and what the readers need to name it."""

    name: str
    data: bytes

    @property
    def digest(self) -> str:
        """First 16 hex digits of the SHA-256 of the (decompressed) content."""
        return hashlib.sha256(self.data).hexdigest()[:16]


def strip_gz(name: str) -> str:
    """``run.fit.gz`` -> ``run.fit`` (case kept)."""
    return name[:-3] if name.lower().endswith(".gz") else name


def load_content(data: bytes | Path | BinaryIO, name: str,
                 max_bytes: int = MAX_DECOMPRESSED_BYTES) -> Content:
    """Read ``data`` (bytes, a path or a binary stream) and gunzip it when ``name`` ends in .gz.

    Raises
    ------
    HostileInputError
        The content (after gunzip) is larger than ``max_bytes``.
    NoDataError
        The content is empty (or only blanks).
    CorruptFileError
        The gzip stream is damaged or truncated.
    """
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    elif isinstance(data, Path):
        try:
            if data.stat().st_size > max_bytes:
                raise HostileInputError(name, f"is larger than {max_bytes // 2**20} MB; no "
                                              "activity file is that big, so it was not read")
            raw = data.read_bytes()
        except OSError as exc:
            raise UnsupportedFileError(name, f"cannot be read ({exc.strerror or exc}); "
                                             "check the path and its permissions") from exc
    else:
        raw = _read_stream(data, name, max_bytes)
    if name.lower().endswith(".gz"):
        raw = _gunzip(raw, name, max_bytes)
    if len(raw) > max_bytes:
        raise HostileInputError(name, f"is larger than {max_bytes // 2**20} MB; no activity file "
                                      "is that big, so it was not read")
    if not raw.strip():
        raise NoDataError(name, "is empty; the download or export was probably interrupted, "
                                "export the activity again")
    return Content(name, raw)


def _read_stream(stream: BinaryIO, name: str, max_bytes: int) -> bytes:
    buffer = io.BytesIO()
    while True:
        chunk = stream.read(_READ_CHUNK)
        if not chunk:
            return buffer.getvalue()
        if isinstance(chunk, str):
            raise UnsupportedFileError(name, "was opened as text; pass bytes or a stream opened "
                                             "in binary mode ('rb')")
        buffer.write(chunk)
        if buffer.tell() > max_bytes:
            raise HostileInputError(name, f"is larger than {max_bytes // 2**20} MB; no activity "
                                          "file is that big, so it was not read")


def _gunzip(raw: bytes, name: str, max_bytes: int) -> bytes:
    if not raw.startswith(b"\x1f\x8b"):
        what = describe_content(raw)
        raise UnsupportedFileError(name, f"is named .gz but is not gzip-compressed (it looks like "
                                         f"{what}); rename it without .gz or re-export it")
    out = bytearray()
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    pending = raw
    try:
        while pending:
            out += decompressor.decompress(pending, max_bytes + 1 - len(out))
            if len(out) > max_bytes:
                raise HostileInputError(name, f"expands to more than {max_bytes // 2**20} MB "
                                              "when uncompressed (a gzip bomb?); it was not read")
            pending = decompressor.unconsumed_tail
            if decompressor.eof:
                pending = decompressor.unused_data
                if pending.startswith(b"\x1f\x8b"):
                    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
                else:
                    break
    except zlib.error as exc:
        raise CorruptFileError(name, f"the gzip data is damaged ({exc}); re-download or "
                                     "re-export the file") from exc
    if not decompressor.eof:
        raise CorruptFileError(name, "the gzip data is truncated; re-download or re-export "
                                     "the file")
    return bytes(out)


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (a Strava export? import the zip itself)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "gzip-compressed data (name it .gz)"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"{", "JSON"),
    (b"[", "JSON"),
)


def describe_content(data: bytes) -> str:
    """A short human description of what ``data`` looks like, for error messages."""
    head = data[:512]
    if len(data) >= 12 and data[8:12] == b".FIT":
        return "a FIT file"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    for magic, what in _SIGNATURES:
        if stripped.startswith(magic) or head.startswith(magic):
            return what
    lower = stripped.lower()
    if lower.startswith((b"<!doctype html", b"<html")) or b"<html" in lower[:256]:
        return "an HTML page (a saved web page, not an exported file)"
    if b"<gpx" in lower:
        return "a GPX file"
    if b"<trainingcenterdatabase" in lower:
        return "a TCX file"
    if stripped.startswith(b"<"):
        return "an XML document"
    if not data:
        return "an empty file"
    if b"\x00" in head:
        return "binary data of an unknown kind"
    return "plain text"


def text_start(data: bytes) -> bytes:
    """Strip a UTF-8 BOM and leading whitespace (Strava writes ~10 spaces before ``<?xml``)."""
    return data.lstrip(b" \t\r\n").removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")


# ---------------------------------------------------------------- sport types

_FIT_SPORTS: dict[str, str] = {
    "running": "Run", "cycling": "Ride", "walking": "Walk", "hiking": "Hike",
    "swimming": "Swim", "training": "Workout", "fitness_equipment": "Workout",
    "generic": "Workout", "transition": "Workout", "multisport": "Workout",
    "e_biking": "EBikeRide", "rowing": "Rowing", "alpine_skiing": "AlpineSki",
    "cross_country_skiing": "NordicSki", "snowboarding": "Snowboard",
    "snowshoeing": "Snowshoe", "inline_skating": "InlineSkate", "ice_skating": "IceSkate",
    "rock_climbing": "RockClimbing", "kayaking": "Kayaking", "paddling": "Canoeing",
    "stand_up_paddleboarding": "StandUpPaddling", "surfing": "Surfing",
    "kitesurfing": "Kitesurf", "windsurfing": "Windsurf", "sailing": "Sail",
    "golf": "Golf", "soccer": "Soccer", "tennis": "Tennis", "hiit": "HighIntensityIntervalTraining",
    "wheelchair_push_run": "Wheelchair", "wheelchair_push_walk": "Wheelchair",
    "mountaineering": "Hike", "floor_climbing": "StairStepper",
}

_FIT_SUB_SPORTS: dict[tuple[str, str], str] = {
    ("running", "trail"): "TrailRun",
    ("running", "treadmill"): "VirtualRun",
    ("running", "indoor_running"): "VirtualRun",
    ("running", "virtual_activity"): "VirtualRun",
    ("fitness_equipment", "treadmill"): "VirtualRun",
    ("fitness_equipment", "indoor_running"): "VirtualRun",
    ("cycling", "mountain"): "MountainBikeRide",
    ("cycling", "gravel_cycling"): "GravelRide",
    ("cycling", "indoor_cycling"): "VirtualRide",
    ("cycling", "virtual_activity"): "VirtualRide",
    ("cycling", "spin"): "VirtualRide",
    ("cycling", "e_bike_mountain"): "EMountainBikeRide",
    ("cycling", "e_bike_fitness"): "EBikeRide",
    ("fitness_equipment", "indoor_cycling"): "VirtualRide",
    ("fitness_equipment", "elliptical"): "Elliptical",
    ("fitness_equipment", "stair_climbing"): "StairStepper",
    ("fitness_equipment", "indoor_rowing"): "Rowing",
    ("training", "strength_training"): "WeightTraining",
    ("training", "yoga"): "Yoga",
    ("training", "pilates"): "Pilates",
    ("walking", "indoor_walking"): "Walk",
}

# Strava's own GPX writes <type> as its numeric activity type (9 = run, 1 = ride).
_STRAVA_NUMERIC_TYPES: dict[str, str] = {"1": "Ride", "4": "Hike", "9": "Run", "10": "Walk"}

_WORDS: dict[str, str] = {
    "running": "Run", "run": "Run", "trail_running": "TrailRun", "trailrun": "TrailRun",
    "trail_run": "TrailRun", "treadmill_running": "VirtualRun", "treadmill": "VirtualRun",
    "virtualrun": "VirtualRun", "virtual_run": "VirtualRun", "indoor_running": "VirtualRun",
    "street_running": "Run", "track_running": "Run",
    "biking": "Ride", "cycling": "Ride", "ride": "Ride", "road_biking": "Ride",
    "mountain_biking": "MountainBikeRide", "mountainbikeride": "MountainBikeRide",
    "gravel_cycling": "GravelRide", "indoor_cycling": "VirtualRide", "virtualride": "VirtualRide",
    "walking": "Walk", "walk": "Walk", "hiking": "Hike", "hike": "Hike",
    "swimming": "Swim", "swim": "Swim", "lap_swimming": "Swim", "open_water_swimming": "Swim",
    "other": "Workout", "workout": "Workout", "training": "Workout", "generic": "Workout",
    "strength_training": "WeightTraining", "weighttraining": "WeightTraining", "yoga": "Yoga",
    "elliptical": "Elliptical", "rowing": "Rowing",
}

GENERIC_SPORTS: frozenset[str] = frozenset({"Workout"})


def camel_word(text: str) -> str:
    """``stand_up paddling`` -> ``StandUpPaddling``: an unknown sport kept as its own word."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", text) if p]
    return "".join(p[:1].upper() + p[1:] for p in parts) or "Workout"


def sport_from_fit(sport: object, sub_sport: object) -> str:
    """Map FIT ``sport``/``sub_sport`` (names as decoded by fitdecode) to a Strava sport_type."""
    sport_name = str(sport) if sport is not None else "generic"
    sub_name = str(sub_sport) if sub_sport is not None else "generic"
    if (sport_name, sub_name) in _FIT_SUB_SPORTS:
        return _FIT_SUB_SPORTS[(sport_name, sub_name)]
    if sport_name in _FIT_SPORTS:
        return _FIT_SPORTS[sport_name]
    if sport_name.isdigit():
        return "Workout"
    return camel_word(sport_name)


def sport_from_word(word: str | None) -> str | None:
    """Map a sport word from GPX ``<type>`` or TCX ``Sport`` to a Strava sport_type.

    Returns None when the file gives no sport; unknown words are kept as their own capitalised
    word (``"paragliding"`` -> ``"Paragliding"``).
    """
    if word is None or not word.strip():
        return None
    text = word.strip()
    if text in _STRAVA_NUMERIC_TYPES:
        return _STRAVA_NUMERIC_TYPES[text]
    if text.isdigit():
        return None
    key = re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")
    if key in _WORDS:
        return _WORDS[key]
    compact = key.replace("_", "")
    if compact in _WORDS:
        return _WORDS[compact]
    return camel_word(text)


def choose_sport(from_file: str | None, hint: str | None) -> tuple[str, str | None]:
    """Combine the file's sport with the caller's hint; returns (sport_type, warning or None).

    The file's own specific sport wins. The hint is used when the file states no sport or only
    a generic one (``Workout``), and when the file says plain ``Run`` and the hint is a more
    specific run (``TrailRun``/``VirtualRun``). With neither, ``Run`` is assumed (this is a
    runners' tool) and a warning says so.
    """
    if from_file is None or from_file in GENERIC_SPORTS:
        if hint:
            return hint, None
        if from_file is None:
            return "Run", "the file does not say which sport it is; assumed Run"
        return from_file, None
    if hint and from_file == "Run" and hint in C.RUNNING_SPORT_TYPES:
        return hint, None
    return from_file, None


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


def local_times(start_utc: dt.datetime, offset: dt.timedelta | None
                ) -> tuple[dt.datetime, str]:
    """(naive local wall time, timezone name) for a start time and a known or unknown offset."""
    if offset is None:
        return start_utc.astimezone(dt.UTC).replace(tzinfo=None), "UTC"
    zone = dt.timezone(offset)
    return start_utc.astimezone(zone).replace(tzinfo=None), offset_zone_name(offset)


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

    A sample is moving when the gap since the previous sample is at most
    :data:`MAX_MOVING_GAP_S` and its speed is at least :data:`MOVING_SPEED_MPS` (a sample with
    no speed at all counts as moving). The first sample is moving when its speed allows.
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

    The series is smoothed by :func:`smooth_altitude`; then a climb is counted only once the
    altitude has risen ``hysteresis_m`` above the last low point, and a descent resets the low
    point only once it has fallen ``hysteresis_m`` below the last high point. This ignores
    barometric and GPS noise smaller than the threshold. Returns None without altitude.
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

    Strava and most devices write running cadence per leg; some apps write steps per minute.
    When the median of the non-zero samples is below :data:`CADENCE_PER_LEG_BELOW` the series
    is per leg and is doubled, otherwise it is already steps per minute.
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


def _mean(values: Iterable[float]) -> float | None:
    array = np.asarray(list(values), dtype="float64")
    array = array[~np.isnan(array)]
    return float(array.mean()) if array.size else None


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

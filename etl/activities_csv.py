"""The documented activities CSV: training logs kept elsewhere (a spreadsheet, another app).

One row per activity. Columns (header names are case-insensitive; the unit is part of the name,
see ``docs/import.md`` and the template ``etl/templates/activities_template.csv``):

=======================  ==========================================================  ========
column                   meaning                                                     required
=======================  ==========================================================  ========
``date``                 local start, ISO 8601 date or date and time                 yes
``sport``                Strava sport type or a plain word (run, trail run, ride)    yes
``distance_km``          distance; or ``distance_mi`` / ``distance_m``               [1]_
``duration_min``         moving time; or ``duration_s`` / ``duration`` (h:mm:ss)     [1]_
``elevation_gain_m``     ascent; or ``elevation_gain_ft``                            no
``rpe``                  session RPE, 0-10 (Foster's CR-10)                          no
``avg_heart_rate_bpm``   mean heart rate                                             no
``max_heart_rate_bpm``   maximum heart rate                                          no
``name``                 a title                                                     no
``timezone``             IANA zone (``Europe/Berlin``) or offset (``+02:00``)        no
=======================  ==========================================================  ========

.. [1] every row needs a distance or a duration (or both).

Rows are stored with ``source="csv"`` and ``source_id`` = a stable hash of athlete, local start,
sport and distance (plus an occurrence number when one file repeats the same key), so importing
the same file again changes nothing. Bad rows are rejected one by one, naming the row, the field
and the fix; the good rows are kept.

References
----------
Foster C, et al. A new approach to monitoring exercise training. J Strength Cond Res.
2001;15(1):109-115. https://doi.org/10.1519/00124278-200102000-00019
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from etl.errors import UnsupportedFileError
from etl.records import ActivityRecord, ParsedActivity, empty_streams
from loadwatch import columns as C

TEMPLATE_NAME = "activities_template.csv"
METRES_PER_MILE = 1609.344
METRES_PER_FOOT = 0.3048

# Strava ``sport_type`` values (API reference, SportType enum).
STRAVA_SPORT_TYPES: tuple[str, ...] = (
    "AlpineSki", "BackcountrySki", "Badminton", "Canoeing", "Crossfit", "EBikeRide",
    "Elliptical", "EMountainBikeRide", "Golf", "GravelRide", "Handcycle",
    "HighIntensityIntervalTraining", "Hike", "IceSkate", "InlineSkate", "Kayaking", "Kitesurf",
    "MountainBikeRide", "NordicSki", "Pickleball", "Pilates", "Racquetball", "Ride",
    "RockClimbing", "RollerSki", "Rowing", "Run", "Sail", "Skateboard", "Snowboard", "Snowshoe",
    "Soccer", "Squash", "StairStepper", "StandUpPaddling", "Surfing", "Swim", "TableTennis",
    "Tennis", "TrailRun", "Velomobile", "VirtualRide", "VirtualRow", "VirtualRun", "Walk",
    "WeightTraining", "Wheelchair", "Windsurf", "Workout", "Yoga",
)
_SPORT_ALIASES: dict[str, str] = {
    "running": "Run", "jog": "Run", "jogging": "Run", "roadrun": "Run",
    "trail": "TrailRun", "trailrunning": "TrailRun",
    "treadmill": "VirtualRun", "treadmillrun": "VirtualRun", "indoorrun": "VirtualRun",
    "cycling": "Ride", "bike": "Ride", "biking": "Ride", "bikeride": "Ride",
    "walking": "Walk", "hiking": "Hike", "swimming": "Swim", "strength": "WeightTraining",
    "strengthtraining": "WeightTraining", "gym": "WeightTraining", "hiit": (
        "HighIntensityIntervalTraining"), "stairs": "StairStepper", "row": "Rowing",
    # German labels (Strava in German, Garmin Connect in German)
    "lauf": "Run", "laufen": "Run", "traillauf": "TrailRun", "virtuellerlauf": "VirtualRun",
    "radfahrt": "Ride", "radfahren": "Ride", "virtuelleradfahrt": "VirtualRide",
    "spaziergang": "Walk", "gehen": "Walk", "wanderung": "Hike", "wandern": "Hike",
    "schwimmen": "Swim", "krafttraining": "WeightTraining", "training": "Workout",
}
_SPORT_LOOKUP: dict[str, str] = {s.casefold(): s for s in STRAVA_SPORT_TYPES} | _SPORT_ALIASES


def sport_type_from_label(label: str) -> str:
    """Map a sport label to Strava's ``sport_type``.

    ``"Run"`` and ``"run"`` give ``Run``, ``"Trail Run"`` gives ``TrailRun``, ``"Virtual Run"``
    and ``"treadmill"`` give ``VirtualRun``, ``"Weight Training"`` gives ``WeightTraining``.
    A label that matches no known sport is kept, with its words capitalised and joined
    (``"Ultimate frisbee"`` becomes ``UltimateFrisbee``), so nothing is lost.
    """
    words = re.findall(r"[^\W_]+", label.strip())
    if not words:
        return "Workout"
    key = "".join(words).casefold()
    if key in _SPORT_LOOKUP:
        return _SPORT_LOOKUP[key]
    return "".join(w[:1].upper() + w[1:] for w in words)


def parse_zone(text: str) -> tuple[dt.tzinfo, str]:
    """A time zone from an IANA name (``Europe/Berlin``), ``UTC`` or an offset (``+02:00``).

    Returns the zone and its label as stored in ``timezone`` (offsets as ``UTC+02:00``, the
    readers' convention). Raises ``ValueError`` with the fix when the text is no zone.
    """
    value = text.strip()
    offset = re.fullmatch(r"(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?", value, re.IGNORECASE)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        hours, minutes = int(offset.group(2)), int(offset.group(3) or 0)
        if hours > 14 or minutes >= 60:
            raise ValueError(f"{text!r} is not a UTC offset between -14:00 and +14:00")
        delta = sign * dt.timedelta(hours=hours, minutes=minutes)
        return dt.timezone(delta), f"UTC{'-' if sign < 0 else '+'}{hours:02d}:{minutes:02d}"
    if value.upper() in ("UTC", "GMT", "Z"):
        return dt.UTC, "UTC"
    try:
        return ZoneInfo(value), value
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{text!r} is not a time zone; use an IANA name such as Europe/Berlin or an "
            "offset such as +02:00") from None


def template_bytes() -> bytes:
    """The activities CSV template shipped with the package (for downloads)."""
    return resources.files("etl.templates").joinpath(TEMPLATE_NAME).read_bytes()


@dataclass(frozen=True)
class CsvImport:
    """The result of reading an activities CSV.

    ``activities`` are ready for the store; ``rejected`` holds one message per bad row (row
    number, field, fix); ``warnings`` are notes that did not stop anything (ignored columns).
    """

    activities: tuple[ParsedActivity, ...]
    rejected: tuple[str, ...]
    warnings: tuple[str, ...]


class RowError(ValueError):
    """One field of one row is unusable (message: field, value and fix)."""


_DISTANCE = {"distance_km": 1000.0, "distance_mi": METRES_PER_MILE, "distance_m": 1.0}
_DURATION = ("duration_min", "duration_s", "duration")
_ELEVATION = {"elevation_gain_m": 1.0, "elevation_gain_ft": METRES_PER_FOOT}
_OPTIONAL = ("rpe", "avg_heart_rate_bpm", "max_heart_rate_bpm", "name", "timezone")
KNOWN_COLUMNS: frozenset[str] = frozenset(
    {"date", "sport", *_DISTANCE, *_DURATION, *_ELEVATION, *_OPTIONAL})
_UNITLESS = {
    "distance": "distance_km, distance_mi or distance_m",
    "elevation_gain": "elevation_gain_m or elevation_gain_ft",
    "elevation": "elevation_gain_m or elevation_gain_ft",
    "avg_heart_rate": "avg_heart_rate_bpm", "max_heart_rate": "max_heart_rate_bpm",
}


def normalise_header(cell: str) -> str:
    """``" Distance KM "`` -> ``"distance_km"`` (case, spaces, hyphens, BOM ignored)."""
    return re.sub(r"[\s\-]+", "_", cell.replace("\ufeff", "").strip().casefold())


def is_activities_csv(header: list[str]) -> bool:
    """Whether a CSV header is the documented activities CSV (has ``date`` and ``sport``)."""
    names = {normalise_header(c) for c in header}
    return {"date", "sport"} <= names


def decode_text(data: bytes, name: str) -> str:
    """Decode a CSV: UTF-8 (with or without BOM), else Windows-1252 (Excel on Windows)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise UnsupportedFileError(
                name, "is not a text CSV (neither UTF-8 nor Windows-1252); save it as "
                "'CSV UTF-8' from your spreadsheet") from None


def sniff_delimiter(text: str) -> str:
    """``,`` unless the header line is clearly separated by ``;`` or tabs (European Excel)."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _number(value: str, field: str, *, decimal_comma: bool) -> float:
    text = value.strip()
    if decimal_comma:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise RowError(f"{field} {value!r} is not a number; write digits such as 5.2") from None
    if not math.isfinite(number):
        raise RowError(f"{field} {value!r} is not a finite number")
    return number


def parse_duration_s(value: str, column: str, *, decimal_comma: bool = False) -> float:
    """Seconds from ``duration_min``/``duration_s`` numbers or ``duration`` h:mm:ss / mm:ss."""
    if column == "duration":
        parts = value.strip().split(":")
        if not 2 <= len(parts) <= 3 or not all(re.fullmatch(r"\d+(\.\d+)?", p) for p in parts):
            raise RowError(f"duration {value!r} is not h:mm:ss or mm:ss; write e.g. 1:05:30")
        seconds = 0.0
        for part in parts:
            seconds = seconds * 60 + float(part)
        return seconds
    number = _number(value, column, decimal_comma=decimal_comma)
    return number * 60 if column == "duration_min" else number


def _parse_start(value: str) -> tuple[dt.datetime, dt.tzinfo | None]:
    text = value.strip()
    if not text:
        raise RowError("date is empty; write the local start as 2024-03-05 or 2024-03-05 07:30")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time()), None
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(f"date {value!r} is not an ISO date; write 2024-03-05 or "
                       "2024-03-05 07:30 (year-month-day, local time)") from None
    return stamp.replace(tzinfo=None), stamp.tzinfo


def _stable_id(athlete: str, local: dt.datetime, sport: str, distance_m: float | None,
               occurrence: int) -> str:
    distance = "" if distance_m is None else f"{distance_m:.0f}"
    key = f"{athlete}|{local.isoformat()}|{sport}|{distance}"
    if occurrence:
        key += f"#{occurrence}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _pick(columns: dict[str, int], options: tuple[str, ...] | dict[str, float],
          label: str, name: str) -> str | None:
    present = [c for c in options if c in columns]
    if len(present) > 1:
        raise UnsupportedFileError(
            name, f"has {' and '.join(present)}; give the {label} once, in one unit")
    return present[0] if present else None


def parse_activities_csv(data: bytes, name: str, athlete: str, *,
                         default_timezone: str | None = None) -> CsvImport:
    """Read the documented activities CSV into activities ready for the store.

    Parameters
    ----------
    data
        The file's bytes (UTF-8, or Windows-1252 from Excel; ``,`` or ``;`` separated; with
        ``;`` a decimal comma is accepted).
    name
        Name of the input, used in every message.
    athlete
        The athlete the rows belong to (part of the stable ``source_id``).
    default_timezone
        Zone for rows without a ``timezone`` cell; without it such rows are taken as UTC.

    Raises
    ------
    UnsupportedFileError
        When the header is not the activities CSV (the message lists what is missing).
    """
    text = decode_text(data, name)
    delimiter = sniff_delimiter(text)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise UnsupportedFileError(name, "is empty; start from the activities CSV template")
    header = [normalise_header(c) for c in rows[0]]
    columns: dict[str, int] = {}
    for index, column in enumerate(header):
        if column in columns and column:
            raise UnsupportedFileError(name, f"has the column {column!r} twice; keep one")
        columns[column] = index
    missing = [c for c in ("date", "sport") if c not in columns]
    if missing:
        raise UnsupportedFileError(
            name, f"is not an activities CSV: the column(s) {', '.join(missing)} are missing; "
            "start from the activities CSV template (see docs/import.md)")
    for bare, fix in _UNITLESS.items():
        if bare in columns:
            raise UnsupportedFileError(
                name, f"column {bare!r} has no unit; rename it {fix}")
    distance_col = _pick(columns, _DISTANCE, "distance", name)
    duration_col = _pick(columns, _DURATION, "duration", name)
    elevation_col = _pick(columns, _ELEVATION, "elevation gain", name)
    if distance_col is None and duration_col is None:
        raise UnsupportedFileError(
            name, "has neither a distance nor a duration column; add distance_km (or "
            "distance_mi, distance_m) and/or duration_min (or duration_s, duration as h:mm:ss)")
    ignored = [c for c in columns if c and c not in KNOWN_COLUMNS]
    warnings = [f"{name}: ignored unknown column(s) {', '.join(ignored)} (see docs/import.md)"
                ] if ignored else []
    default_zone = parse_zone(default_timezone) if default_timezone else (dt.UTC, "UTC")
    decimal_comma = delimiter != ","
    seen: dict[tuple[str, str, str], int] = {}
    activities: list[ParsedActivity] = []
    rejected: list[str] = []

    def cell(row: list[str], column: str | None) -> str:
        if column is None or column not in columns or columns[column] >= len(row):
            return ""
        return row[columns[column]].strip()

    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        try:
            record = _row_record(
                row, cell, athlete=athlete, distance_col=distance_col,
                duration_col=duration_col, elevation_col=elevation_col,
                default_zone=default_zone, decimal_comma=decimal_comma, seen=seen)
        except RowError as exc:
            rejected.append(f"{name} row {number}: {exc}")
            continue
        activities.append(ParsedActivity(record, empty_streams()))
    return CsvImport(tuple(activities), tuple(rejected), tuple(warnings))


def _row_record(row: list[str], cell: Callable[[list[str], str | None], str], *, athlete: str,
                distance_col: str | None, duration_col: str | None, elevation_col: str | None,
                default_zone: tuple[dt.tzinfo, str], decimal_comma: bool,
                seen: dict[tuple[str, str, str], int]) -> ActivityRecord:
    local, stated_zone = _parse_start(cell(row, "date"))
    sport_text = cell(row, "sport")
    if not sport_text:
        raise RowError("sport is empty; write e.g. Run, TrailRun or Ride")
    sport = sport_type_from_label(sport_text)
    zone_text = cell(row, "timezone")
    if zone_text:
        try:
            zone, zone_label = parse_zone(zone_text)
        except ValueError as exc:
            raise RowError(f"timezone {exc}") from None
    elif stated_zone is not None:
        offset = stated_zone.utcoffset(None) or dt.timedelta()
        zone, zone_label = parse_zone(_offset_text(offset))
    else:
        zone, zone_label = default_zone
    start_utc = local.replace(tzinfo=zone).astimezone(dt.UTC)

    distance_m = duration_s = elevation_m = None
    if cell(row, distance_col):
        distance_m = _number(cell(row, distance_col), distance_col or "distance",
                             decimal_comma=decimal_comma) * _DISTANCE[distance_col or ""]
        if not 0 <= distance_m <= 1_000_000:
            raise RowError(f"{distance_col} {cell(row, distance_col)!r} is outside 0-1000 km; "
                           "check the unit in the column name")
    if cell(row, duration_col):
        duration_s = parse_duration_s(cell(row, duration_col), duration_col or "duration",
                                      decimal_comma=decimal_comma)
        if not 0 < duration_s <= 7 * 86400:
            raise RowError(f"{duration_col} {cell(row, duration_col)!r} is not a duration "
                           "between 1 s and 7 days; check the unit in the column name")
    if distance_m is None and duration_s is None:
        raise RowError(f"{distance_col or duration_col} is empty; give a distance or a duration")
    if cell(row, elevation_col):
        elevation_m = _number(cell(row, elevation_col), elevation_col or "elevation_gain",
                              decimal_comma=decimal_comma) * _ELEVATION[elevation_col or ""]
        if not 0 <= elevation_m <= 20_000:
            raise RowError(f"{elevation_col} {cell(row, elevation_col)!r} is outside 0-20000 m")
    rpe = _bounded(cell(row, "rpe"), "rpe", 0, 10, "RPE is on the CR-10 scale: 0 (rest) to "
                   "10 (maximal)", decimal_comma)
    avg_hr = _bounded(cell(row, "avg_heart_rate_bpm"), "avg_heart_rate_bpm", 20, 250,
                      "give beats per minute", decimal_comma)
    max_hr = _bounded(cell(row, "max_heart_rate_bpm"), "max_heart_rate_bpm", 20, 250,
                      "give beats per minute", decimal_comma)
    key = (local.isoformat(), sport, "" if distance_m is None else f"{distance_m:.0f}")
    occurrence = seen.get(key, 0)
    seen[key] = occurrence + 1
    return ActivityRecord(
        source="csv", source_id=_stable_id(athlete, local, sport, distance_m, occurrence),
        sport_type=sport, start_time_utc=start_utc, start_time_local=local,
        timezone=zone_label, distance_m=distance_m, moving_time_s=duration_s,
        elapsed_time_s=duration_s, elevation_gain_m=elevation_m, avg_heart_rate_bpm=avg_hr,
        max_heart_rate_bpm=max_hr, perceived_exertion=rpe, name=cell(row, "name") or None,
        is_manual=True)


def _bounded(value: str, field: str, low: float, high: float, fix: str,
             decimal_comma: bool) -> float | None:
    if not value:
        return None
    number = _number(value, field, decimal_comma=decimal_comma)
    if not low <= number <= high:
        raise RowError(f"{field} {value!r} is outside {low:g}-{high:g}; {fix}")
    return number


def _offset_text(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


COLUMN_GLOSSARY: dict[str, str] = {
    "date": f"local start ({C.START_TIME_LOCAL})",
    "sport": f"Strava sport type ({C.SPORT_TYPE})",
    "distance_km": f"{C.DISTANCE_M} / 1000", "distance_mi": f"{C.DISTANCE_M} / 1609.344",
    "distance_m": C.DISTANCE_M, "duration_min": f"{C.MOVING_TIME_S} / 60",
    "duration_s": C.MOVING_TIME_S, "duration": f"{C.MOVING_TIME_S} as h:mm:ss",
    "elevation_gain_m": C.ELEVATION_GAIN_M, "elevation_gain_ft": f"{C.ELEVATION_GAIN_M} / 0.3048",
    "rpe": C.PERCEIVED_EXERTION, "avg_heart_rate_bpm": C.AVG_HEART_RATE_BPM,
    "max_heart_rate_bpm": C.MAX_HEART_RATE_BPM, "name": C.NAME, "timezone": C.TIMEZONE,
}


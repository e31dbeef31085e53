"""Strava API JSON -> :class:`~etl.records.ActivityRecord` and a streams frame.

Field mapping (Strava API v3 ``SummaryActivity``/``DetailedActivity``, SCIENCE.md section 0):
``distance`` [m] -> distance_m, ``moving_time``/``elapsed_time`` [s], ``total_elevation_gain``
[m] -> elevation_gain_m, ``average_heartrate``/``max_heartrate`` [1/min], ``average_cadence``
[per-leg rpm] -> avg_cadence_spm = 2 x cadence for runs (SCIENCE.md 6.1; not kept for other
sports, whose cadence is not steps), ``perceived_exertion`` (detail only), ``suffer_score`` ->
relative_effort, ``device_name`` (detail only) -> device, ``manual`` -> is_manual.
``sport_type`` is kept as Strava sends it, unknown values included (``type`` if absent).
``start_date`` is UTC; ``start_date_local`` is the wall time (Strava marks it with a
misleading ``Z``); ``timezone`` "(GMT+01:00) Europe/Amsterdam" -> "Europe/Amsterdam" (a fixed
"UTC+01:00" when the name is not an IANA zone). Streams: time, distance, altitude,
heartrate, cadence (x2 for runs), velocity_smooth, grade_smooth [%], moving.

Anything that does not have the documented shape raises :class:`MalformedResponse` naming
the request: the activity is then not stored at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zoneinfo
from typing import Any

import numpy as np
import pandas as pd

from etl.records import ActivityRecord, conform_streams, empty_streams
from etl.strava.errors import MalformedResponse
from loadwatch import columns as C

SOURCE = "strava_api"
STREAM_KEYS: tuple[str, ...] = (
    "time", "distance", "altitude", "heartrate", "cadence", "velocity_smooth", "grade_smooth",
    "moving",
)
_STREAM_COLUMNS = {
    "time": C.TIME_S, "distance": C.DISTANCE_M, "altitude": C.ALTITUDE_M,
    "heartrate": C.HEART_RATE_BPM, "cadence": C.CADENCE_SPM, "velocity_smooth": C.SPEED_MPS,
    "grade_smooth": C.GRADE_PCT, "moving": C.IS_MOVING,
}
# Summary fields whose change means "edited on Strava" (kudos and comment counts do not).
_FINGERPRINT_FIELDS = (
    "name", "sport_type", "type", "start_date", "start_date_local", "timezone", "distance",
    "moving_time", "elapsed_time", "total_elevation_gain", "average_heartrate",
    "max_heartrate", "average_cadence", "manual", "suffer_score", "workout_type", "trainer",
)
_TIMEZONE = re.compile(r"^\(GMT(?P<offset>[+-]\d{2}:\d{2})\)\s*(?P<name>\S+)?\s*$")
MALFORMED_FIX = ("nothing of this activity was stored; run the sync again later (if it "
                 "persists, report it: Strava or LOADWATCH_STRAVA_URL sent a bad answer)")


def _bad(request: str, what: str) -> MalformedResponse:
    return MalformedResponse(request, f"malformed answer: {what}; {MALFORMED_FIX}")


def activity_id(body: Any, request: str) -> int:
    """The ``id`` of an activity object, or an error saying the object is malformed."""
    if not isinstance(body, dict):
        raise _bad(request, f"expected an activity object, got {type(body).__name__}")
    value = body.get("id")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(request, "the activity has no integer 'id'")
    return value


def summary_fingerprint(body: dict[str, Any]) -> str:
    """A hash of the summary fields that matter, to tell new or edited from already stored."""
    picked = {k: body.get(k) for k in _FINGERPRINT_FIELDS}
    return hashlib.sha256(json.dumps(picked, sort_keys=True, default=str).encode()).hexdigest()


def _time(body: dict[str, Any], key: str, request: str) -> dt.datetime:
    value = body.get(key)
    if not isinstance(value, str):
        raise _bad(request, f"field {key!r} is missing or not a date-time string")
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise _bad(request, f"field {key!r} = {value!r} is not an ISO 8601 date-time") from None


def _number(body: dict[str, Any], key: str, request: str) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(request, f"field {key!r} = {value!r} is not a number")
    return float(value)


def _fixed_offset(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def parse_timezone(text: object, offset: dt.timedelta) -> str:
    """Strava's "(GMT+01:00) Europe/Amsterdam" -> "Europe/Amsterdam".

    Falls back to a fixed offset such as "UTC+01:00" (from the text, else from ``offset``,
    the difference between local and UTC start) when there is no valid IANA name.
    """
    if isinstance(text, str):
        match = _TIMEZONE.match(text.strip())
        if match:
            name = match.group("name")
            if name:
                try:
                    zoneinfo.ZoneInfo(name)
                    return name
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    pass
            sign = -1 if match.group("offset")[0] == "-" else 1
            hours, mins = (int(p) for p in match.group("offset")[1:].split(":"))
            return _fixed_offset(sign * dt.timedelta(hours=hours, minutes=mins))
        try:
            zoneinfo.ZoneInfo(text.strip())
            return text.strip()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return _fixed_offset(offset)


def to_record(body: Any, request: str) -> ActivityRecord:
    """Map a summary or detailed activity to a record (source ``strava_api``)."""
    strava_id = activity_id(body, request)
    start_utc = _time(body, "start_date", request)
    if start_utc.tzinfo is None:
        start_utc = start_utc.replace(tzinfo=dt.UTC)
    start_utc = start_utc.astimezone(dt.UTC)
    start_local = _time(body, "start_date_local", request).replace(tzinfo=None)
    sport = body.get("sport_type") or body.get("type")
    if not isinstance(sport, str) or not sport.strip():
        raise _bad(request, "neither 'sport_type' nor 'type' names the sport")
    sport = sport.strip()
    is_run = sport in C.RUNNING_SPORT_TYPES
    cadence = _number(body, "average_cadence", request)
    exertion = _number(body, "perceived_exertion", request)
    name = body.get("name")
    device = body.get("device_name")
    extra: dict[str, object] = {"strava_id": strava_id}
    for key in ("workout_type", "trainer", "upload_id"):
        if body.get(key) is not None:
            extra[key] = body[key]
    return ActivityRecord(
        source=SOURCE,
        source_id=str(strava_id),
        sport_type=sport,
        start_time_utc=start_utc,
        start_time_local=start_local,
        timezone=parse_timezone(body.get("timezone"),
                                start_local - start_utc.replace(tzinfo=None)),
        distance_m=_number(body, "distance", request),
        moving_time_s=_number(body, "moving_time", request),
        elapsed_time_s=_number(body, "elapsed_time", request),
        elevation_gain_m=_number(body, "total_elevation_gain", request),
        avg_heart_rate_bpm=_number(body, "average_heartrate", request),
        max_heart_rate_bpm=_number(body, "max_heartrate", request),
        avg_cadence_spm=2.0 * cadence if cadence is not None and is_run else None,
        perceived_exertion=exertion if exertion is not None and 0 <= exertion <= 10 else None,
        relative_effort=_number(body, "suffer_score", request),
        name=name if isinstance(name, str) else None,
        device=device if isinstance(device, str) else None,
        is_manual=bool(body.get("manual", False)),
        extra=extra,
    )


def to_streams(body: Any, *, is_run: bool, request: str) -> pd.DataFrame:
    """Map a streams answer (keyed by type, or the list form) to the streams frame."""
    if isinstance(body, list):
        keyed: dict[str, Any] = {}
        for item in body:
            if not isinstance(item, dict) or not isinstance(item.get("type"), str):
                raise _bad(request, "a stream item has no 'type'")
            keyed[item["type"]] = item
        body = keyed
    if not isinstance(body, dict):
        raise _bad(request, f"expected streams keyed by type, got {type(body).__name__}")
    if not body:
        return empty_streams()
    columns: dict[str, np.ndarray] = {}
    for key, column in _STREAM_COLUMNS.items():
        stream = body.get(key)
        if stream is None:
            continue
        data = stream.get("data") if isinstance(stream, dict) else None
        if not isinstance(data, list):
            raise _bad(request, f"stream {key!r} has no 'data' list")
        try:
            if key == "moving":
                values = np.array([bool(v) for v in data], dtype=bool)
            else:
                values = np.array([np.nan if v is None else v for v in data], dtype="float64")
        except (TypeError, ValueError):
            raise _bad(request, f"stream {key!r} holds values that are not numbers") from None
        if key == "cadence" and is_run:
            values = values * 2.0
        columns[column] = values
    if C.TIME_S not in columns:
        raise _bad(request, "the 'time' stream is missing")
    lengths = {name: len(v) for name, v in columns.items()}
    if len(set(lengths.values())) != 1:
        raise _bad(request, f"streams differ in length {lengths}")
    if lengths[C.TIME_S] == 0:
        return empty_streams()
    return conform_streams(pd.DataFrame(columns))

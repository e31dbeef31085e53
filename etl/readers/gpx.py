"""GPX reader: gpxpy for the track, after defusedxml has vetted the document.

Every file is read with gpxpy's GPX 1.1 rules, also files that say version="1.0": the 1.0
rules drop point extensions, where apps such as sportractive put heart rate.

All tracks and segments of a file form one activity (GPX has no sessions). Heart rate and
cadence come from the point extensions, matched by element name whatever the namespace prefix
(``gpxtpx:``, ``ns3:``, none): Garmin's TrackPointExtension ``hr``/``cad``, plain
``heartrate``/``cadence`` (Amazfit, Movescount's gpxdata). Positions are used only to compute
the distance and are not kept. See ``docs/readers.md`` for the rules.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import gpxpy
import gpxpy.gpx
import numpy as np

from etl.errors import CorruptFileError
from etl.readers import common, sports
from etl.readers.content import Content
from etl.readers.xml_safety import local_name, parse_safely
from etl.records import ActivityRecord, ParsedActivity

_HR_NAMES = frozenset({"hr", "heartrate", "heart_rate", "heartratebpm"})
_CADENCE_NAMES = frozenset({"cad", "cadence", "runcadence"})
_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def read_gpx(content: Content, *, source: str, source_id: str | None,
             sport_hint: str | None) -> list[ParsedActivity]:
    """Read a GPX file as one activity.

    Raises
    ------
    HostileInputError, CorruptFileError, UnsupportedFileError
        See :func:`etl.readers.xml_safety.parse_safely`.
    NoDataError
        No track points, or track points without timestamps.
    """
    text, _root = parse_safely(content, "GPX", "gpx")
    try:
        document = gpxpy.parse(_decode(text), version="1.1")
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        raise CorruptFileError(content.name, f"is not valid GPX ({exc}); re-export it") from exc
    points = [p for track in document.tracks for segment in track.segments
              for p in segment.points]
    common.require_times(content.name, [p.time for p in points], "track points")
    timed = sorted((p for p in points if p.time is not None), key=lambda p: _aware(p.time))
    start = _aware(timed[0].time)
    stamps = np.array([(_aware(p.time) - start).total_seconds() for p in timed])
    distance = common.haversine_cumulative_m(
        np.array([p.latitude if p.latitude is not None else np.nan for p in timed]),
        np.array([p.longitude if p.longitude is not None else np.nan for p in timed]))
    altitude = np.array([p.elevation if p.elevation is not None else np.nan for p in timed])
    heart_rate, cadence = _extensions(timed)
    sport_word = next((t.type for t in document.tracks if t.type), None)
    sport, warning = sports.choose_sport(sports.sport_from_word(sport_word), sport_hint)
    foot = sport in sports.FOOT_SPORTS
    streams = common.make_streams(
        stamps, distance_m=distance, altitude_m=altitude, heart_rate_bpm=heart_rate,
        cadence_spm=common.step_cadence_spm(cadence) if foot else None)
    summary = common.summarise(streams)
    local, zone = common.local_times(start, common.offset_of(timed[0].time))  # type: ignore[arg-type]
    extra: dict[str, object] = {"format": "gpx"}
    if document.creator:
        extra["creator"] = document.creator
    if warning:
        extra["warnings"] = [warning]
    name = next((t.name for t in document.tracks if t.name), None) or document.name
    record = ActivityRecord(
        source=source, source_id=source_id or content.digest, sport_type=sport,
        start_time_utc=start, start_time_local=local, timezone=zone,
        distance_m=summary.distance_m, moving_time_s=summary.moving_time_s,
        elapsed_time_s=summary.elapsed_time_s, elevation_gain_m=summary.elevation_gain_m,
        avg_heart_rate_bpm=summary.avg_heart_rate_bpm,
        max_heart_rate_bpm=summary.max_heart_rate_bpm, avg_cadence_spm=summary.avg_cadence_spm,
        name=name, device=document.creator or None, file_name=content.name, extra=extra)
    return [ParsedActivity(record, streams)]


def _decode(text: bytes) -> str:
    match = _ENCODING.match(text)
    encoding = match.group(1).decode("ascii") if match else "utf-8"
    try:
        return text.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return text.decode("utf-8", errors="replace")


def _aware(moment: dt.datetime | None) -> dt.datetime:
    """Times without an offset are UTC (GPX requires UTC; some writers omit the Z)."""
    if moment is None:
        raise ValueError("point without time")
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _number(element: ET.Element) -> float:
    try:
        return float((element.text or "").strip())
    except ValueError:
        return np.nan


def _extensions(points: list[gpxpy.gpx.GPXTrackPoint]) -> tuple[np.ndarray, np.ndarray]:
    heart_rate = np.full(len(points), np.nan)
    cadence = np.full(len(points), np.nan)
    for index, point in enumerate(points):
        for extension in point.extensions:
            for element in extension.iter():
                key = local_name(element.tag).lower()
                if key in _HR_NAMES and np.isnan(heart_rate[index]):
                    heart_rate[index] = _number(element)
                elif key in _CADENCE_NAMES and np.isnan(cadence[index]):
                    cadence[index] = _number(element)
    return heart_rate, cadence

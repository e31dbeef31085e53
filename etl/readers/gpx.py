"""GPX reader: one fast pass over the XML tree, gpxpy as the reference and the fallback.

The fast path (:func:`read_points_fast`) parses the document once, with defusedxml (DTDs,
entities and external references are refused in the same pass, never expanded or fetched),
instead of a defusedxml check followed by a second parse in gpxpy, and reads only what
loadwatch uses: point times, positions (for the
distance, never kept), elevation and the heart-rate/cadence extensions. It mirrors gpxpy
exactly (gpxpy's GPX 1.1 rules, its default-namespace handling, its first-child lookups and
its time parsing) and declines, returning None, whenever a file is outside what it mirrors:
no track points, a value gpxpy would refuse, routes or waypoints, XML that does not parse.
Those files go through gpxpy after defusedxml has vetted the document (the reference path,
:func:`read_points_gpxpy`), so the fast path never changes a result or an error message.

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
from collections.abc import Iterable
from dataclasses import dataclass

import gpxpy
import gpxpy.gpx
import gpxpy.gpxfield
import numpy as np

from etl.errors import CorruptFileError
from etl.readers import common, sports
from etl.readers.content import Content
from etl.readers.xml_safety import local_name, parse_safely, parse_text, xml_text
from etl.records import ActivityRecord, ParsedActivity

_HR_NAMES = frozenset({"hr", "heartrate", "heart_rate", "heartratebpm"})
_CADENCE_NAMES = frozenset({"cad", "cadence", "runcadence"})
_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DEFAULT_NS = re.compile(r"""\sxmlns=(['"])[^'"]+\1""")
"""gpxpy removes the first default-namespace declaration before parsing; so does the fast path."""

_ROOT_START = re.compile(r"<gpx[\s>/]")

_CANONICAL_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})?")
"""Times that :meth:`datetime.fromisoformat` reads exactly as gpxpy's ``parse_time`` does."""

_FLOAT_FIELDS = frozenset({"magvar", "geoidheight", "hdop", "vdop", "pdop", "ageofdgpsdata"})
_INT_FIELDS = frozenset({"sat", "dgpsid"})
_FIXES = ("none", "2d", "3d", "dgps", "pps", "3")
"""Point fields gpxpy converts (and refuses a file for); the fast path checks them the same way."""


@dataclass(frozen=True)
class GpxPoints:
    """What the GPX reader uses from a file, in document order (all tracks and segments)."""

    times: list[dt.datetime | None]
    latitude: list[float]
    longitude: list[float]
    elevation: list[float]
    heart_rate: list[float]
    cadence: list[float]
    creator: str | None
    name: str | None
    sport_word: str | None


def read_gpx(content: Content, *, source: str, source_id: str | None,
             sport_hint: str | None) -> list[ParsedActivity]:
    """Read a GPX file as one activity (fast path, else gpxpy).

    Raises
    ------
    HostileInputError, CorruptFileError, UnsupportedFileError
        See :func:`etl.readers.xml_safety.parse_safely`.
    NoDataError
        No track points, or track points without timestamps.
    """
    points = read_points_fast(content)
    if points is None:
        points = read_points_gpxpy(content)
    return [build_activity(content, points, source=source, source_id=source_id,
                           sport_hint=sport_hint)]


def read_points_gpxpy(content: Content) -> GpxPoints:
    """The reference path: defusedxml vets and parses, then gpxpy parses the text again.

    Raises
    ------
    HostileInputError, CorruptFileError, UnsupportedFileError
        See :func:`etl.readers.xml_safety.parse_safely`; CorruptFileError also when gpxpy
        refuses the document.
    """
    text, _root = parse_safely(content, "GPX", "gpx")
    try:
        document = gpxpy.parse(_decode(text), version="1.1")
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        raise CorruptFileError(content.name, f"is not valid GPX ({exc}); re-export it") from exc
    points = [p for track in document.tracks for segment in track.segments
              for p in segment.points]
    heart_rate, cadence = [], []
    for point in points:
        hr, cad = _extension_values(e for extension in point.extensions
                                    for e in extension.iter())
        heart_rate.append(hr)
        cadence.append(cad)
    return GpxPoints(
        times=[p.time for p in points],
        latitude=[p.latitude if p.latitude is not None else np.nan for p in points],
        longitude=[p.longitude if p.longitude is not None else np.nan for p in points],
        elevation=[p.elevation if p.elevation is not None else np.nan for p in points],
        heart_rate=heart_rate, cadence=cadence, creator=document.creator,
        name=next((t.name for t in document.tracks if t.name), None) or document.name,
        sport_word=next((t.type for t in document.tracks if t.type), None))


def read_points_fast(content: Content) -> GpxPoints | None:
    """One defusedxml parse and one walk; None when the file is not one it mirrors exactly.

    Raises
    ------
    HostileInputError
        A DTD, entity declarations or external references (nothing is expanded or fetched).
    UnsupportedFileError
        The content is not XML at all (see :func:`etl.readers.xml_safety.xml_text`).
    """
    text = xml_text(content, "GPX")
    string = _utf8(text)
    if string is None:
        return None
    namespace = _DEFAULT_NS.search(string)
    if namespace is not None:
        if not _in_root_tag(string, namespace.start()):
            return None
        string = string[:namespace.start()] + string[namespace.end():]
    try:
        root = parse_text(string, content.name, "GPX")
    except (ET.ParseError, LookupError, ValueError, UnicodeError):
        return None
    if root.tag != "gpx" or any(child.tag in ("wpt", "rte") for child in root):
        return None
    elements = [point for track in root if track.tag == "trk"
                for segment in track if segment.tag == "trkseg"
                for point in segment if point.tag == "trkpt"]
    if not elements:
        return None
    try:
        columns = _point_columns(elements)
        shell = _document_shell(root)
    except (ValueError, gpxpy.gpx.GPXException):
        return None
    tracks = shell.tracks
    return GpxPoints(
        *columns, creator=shell.creator,
        name=next((t.name for t in tracks if t.name), None) or shell.name,
        sport_word=next((t.type for t in tracks if t.type), None))


def _document_shell(root: ET.Element) -> gpxpy.gpx.GPX:
    """gpxpy's document with its track points taken out (names, types, creator, metadata).

    gpxpy reads (and validates) everything but the points, which are the bulk of the work.
    """
    for track in root:
        if track.tag == "trk":
            for segment in track:
                if segment.tag == "trkseg":
                    segment[:] = [child for child in segment if child.tag != "trkpt"]
    shell: gpxpy.gpx.GPX = gpxpy.gpxfield.gpx_fields_from_xml(
        gpxpy.gpx.GPX(), root, "1.1")  # type: ignore[arg-type]  # gpxpy annotates node as str
    return shell


def _point_columns(elements: list[ET.Element]) -> tuple[
        list[dt.datetime | None], list[float], list[float], list[float], list[float],
        list[float]]:
    """Times, positions, elevation, heart rate and cadence of each ``<trkpt>``, as gpxpy reads
    them (the first child of each name counts). Raises ValueError where gpxpy would refuse."""
    times: list[dt.datetime | None] = []
    lat: list[float] = []
    lon: list[float] = []
    ele: list[float] = []
    heart_rate: list[float] = []
    cadence: list[float] = []
    parse_time = _time
    for point in elements:
        lat_text, lon_text = point.get("lat"), point.get("lon")
        if lat_text is None or lon_text is None:
            raise ValueError("latitude and longitude are mandatory")
        lat.append(float(lat_text.strip()))
        lon.append(float(lon_text.strip()))
        seen: set[str] = set()
        moment: dt.datetime | None = None
        elevation = np.nan
        extensions: ET.Element | None = None
        for child in point:
            tag = child.tag
            if tag in seen:
                continue
            seen.add(tag)
            value = child.text
            if tag == "time":
                moment = parse_time(value)
            elif tag == "ele":
                elevation = np.nan if value is None else float(value.strip())
            elif tag == "extensions":
                extensions = child
            elif value is not None:
                _check_field(tag, value)
        times.append(moment)
        ele.append(elevation)
        if extensions is None:
            heart_rate.append(np.nan)
            cadence.append(np.nan)
        else:
            hr, cad = _extension_values(extensions.iter())
            heart_rate.append(hr)
            cadence.append(cad)
    return times, lat, lon, ele, heart_rate, cadence


def _check_field(tag: str, value: str) -> None:
    """Raise ValueError where gpxpy's converters refuse a point field."""
    if tag in _FLOAT_FIELDS:
        float(value.strip())
    elif tag in _INT_FIELDS:
        int(value.strip())
    elif tag == "fix" and value not in _FIXES:
        raise ValueError(f"invalid fix {value!r}")


def _time(text: str | None) -> dt.datetime | None:
    """gpxpy's time conversion (``TIME_TYPE.from_string``), fast for canonical ISO 8601."""
    if text is not None and _CANONICAL_TIME.fullmatch(text):
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass
    if text is None:
        return None
    moment: dt.datetime | None = gpxpy.gpxfield.TIME_TYPE.from_string(text)
    return moment


def build_activity(content: Content, points: GpxPoints, *, source: str,
                   source_id: str | None, sport_hint: str | None) -> ParsedActivity:
    """The record and streams of a GPX file's points (shared by both paths).

    Raises
    ------
    NoDataError
        No track points, or track points without timestamps.
    """
    common.require_times(content.name, points.times, "track points")
    order = sorted((i for i, t in enumerate(points.times) if t is not None),
                   key=lambda i: _aware(points.times[i]))
    first = points.times[order[0]]
    start = _aware(first)
    stamps = np.array([(_aware(points.times[i]) - start).total_seconds() for i in order])
    index = np.array(order, dtype=np.intp)
    latitude = np.asarray(points.latitude, dtype="float64")[index]
    longitude = np.asarray(points.longitude, dtype="float64")[index]
    distance = common.haversine_cumulative_m(latitude, longitude)
    altitude = np.asarray(points.elevation, dtype="float64")[index]
    heart_rate = np.asarray(points.heart_rate, dtype="float64")[index]
    cadence = np.asarray(points.cadence, dtype="float64")[index]
    sport, warning = sports.choose_sport(sports.sport_from_word(points.sport_word), sport_hint)
    foot = sport in sports.FOOT_SPORTS
    streams = common.make_streams(
        stamps, distance_m=distance, altitude_m=altitude, heart_rate_bpm=heart_rate,
        cadence_spm=common.step_cadence_spm(cadence) if foot else None)
    summary = common.summarise(streams)
    offset = common.offset_of(first)  # type: ignore[arg-type]
    local, zone = common.local_times(
        start, offset, common.zone_at(latitude, longitude) if offset is None else None)
    extra: dict[str, object] = {"format": "gpx"}
    if points.creator:
        extra["creator"] = points.creator
    if warning:
        extra["warnings"] = [warning]
    record = ActivityRecord(
        source=source, source_id=source_id or content.digest, sport_type=sport,
        start_time_utc=start, start_time_local=local, timezone=zone,
        distance_m=summary.distance_m, moving_time_s=summary.moving_time_s,
        elapsed_time_s=summary.elapsed_time_s, elevation_gain_m=summary.elevation_gain_m,
        avg_heart_rate_bpm=summary.avg_heart_rate_bpm,
        max_heart_rate_bpm=summary.max_heart_rate_bpm, avg_cadence_spm=summary.avg_cadence_spm,
        name=points.name, device=points.creator or None, file_name=content.file_name, extra=extra)
    return ParsedActivity(record, streams)


def _utf8(text: bytes) -> str | None:
    """The text of a UTF-8 document; None for any other encoding or invalid UTF-8.

    Other encodings go the reference way: expat and Python's codecs may disagree on them.
    """
    match = _ENCODING.match(text)
    if match and match.group(1).lower() not in (b"utf-8", b"utf8"):
        return None
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _in_root_tag(string: str, position: int) -> bool:
    """Whether ``position`` lies inside the start tag of the ``<gpx>`` root element."""
    root = _ROOT_START.search(string)
    return root is not None and root.start() < position and ">" not in string[root.start():
                                                                             position]


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


def _extension_values(elements: Iterable[ET.Element]) -> tuple[float, float]:
    """(heart rate, cadence) of one point's extension elements; the first spelling wins."""
    heart_rate = cadence = np.nan
    for element in elements:
        key = local_name(element.tag).lower()
        if key in _HR_NAMES and np.isnan(heart_rate):
            heart_rate = _number(element)
        elif key in _CADENCE_NAMES and np.isnan(cadence):
            cadence = _number(element)
    return heart_rate, cadence

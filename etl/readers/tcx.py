"""TCX reader (Garmin Training Center XML), parsed with defusedxml's ElementTree.

Each ``<Activity>`` is one activity; a ``<MultiSportSession>`` gives one per leg
(``FirstSport``/``NextSport``), each with its own sport. Trackpoint mapping: ``Time``,
``DistanceMeters``, ``AltitudeMeters``, ``HeartRateBpm/Value``, ``Cadence`` or the
ActivityExtension ``TPX/RunCadence`` (per leg, doubled by the SCIENCE.md 6.1 rule),
``TPX/Speed``. Positions only feed the distance when ``DistanceMeters`` is mostly missing and
are not kept. Lap ``DistanceMeters`` totals give the distance when present.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.errors import NoDataError
from etl.readers import common, sports
from etl.readers.content import Content
from etl.readers.xml_safety import local_name, parse_safely
from etl.records import ActivityRecord, ParsedActivity

_DISTANCE_COVERAGE = 0.5
"""Below this share of trackpoints with DistanceMeters, the distance comes from positions."""


def read_tcx(content: Content, *, source: str, source_id: str | None,
             sport_hint: str | None) -> list[ParsedActivity]:
    """Read every activity (and every multisport leg) of a TCX file.

    Raises
    ------
    HostileInputError, CorruptFileError, UnsupportedFileError
        See :func:`etl.readers.xml_safety.parse_safely`.
    NoDataError
        No activity with a start time.
    """
    _text, root = parse_safely(content, "TCX", "TrainingCenterDatabase")
    ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    activities = _activities(root, ns)
    if not activities:
        raise NoDataError(content.name, "holds no <Activity>; export the recorded activity "
                                        "again (a course or workout file cannot be imported)")
    several = len(activities) > 1
    base_id = source_id or content.digest
    results = []
    for index, element in enumerate(activities):
        this_id = f"{base_id}#{index}" if several else base_id
        results.append(_read_one(content, element, ns, source, this_id, sport_hint))
    return results


def _activities(root: ET.Element, ns: str) -> list[ET.Element]:
    found: list[ET.Element] = []
    for holder in root.iter(f"{ns}Activities"):
        for child in holder:
            name = local_name(child.tag)
            if name == "Activity":
                found.append(child)
            elif name == "MultiSportSession":
                found.extend(child.iter(f"{ns}Activity"))
    return found


def _time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _float(element: ET.Element | None) -> float:
    if element is None or element.text is None:
        return np.nan
    try:
        return float(element.text)
    except ValueError:
        return np.nan


@dataclass
class _Points:
    """Trackpoint columns of one activity (positions are transient)."""

    times: list[dt.datetime]
    columns: dict[str, list[float]]


_KEYS = ("lat", "lon", "altitude", "distance", "heart_rate", "cadence", "run_cadence", "speed")


def _points(activity: ET.Element, ns: str) -> _Points:
    times: list[dt.datetime] = []
    columns: dict[str, list[float]] = {key: [] for key in _KEYS}
    t_time, t_pos, t_alt, t_dist = f"{ns}Time", f"{ns}Position", f"{ns}AltitudeMeters", \
        f"{ns}DistanceMeters"
    t_hr, t_cad, t_ext = f"{ns}HeartRateBpm", f"{ns}Cadence", f"{ns}Extensions"
    for point in activity.iter(f"{ns}Trackpoint"):
        moment = _time(point.findtext(t_time))
        if moment is None:
            continue
        times.append(moment)
        position = point.find(t_pos)
        columns["lat"].append(_float(position.find(f"{ns}LatitudeDegrees"))
                              if position is not None else np.nan)
        columns["lon"].append(_float(position.find(f"{ns}LongitudeDegrees"))
                              if position is not None else np.nan)
        columns["altitude"].append(_float(point.find(t_alt)))
        columns["distance"].append(_float(point.find(t_dist)))
        heart = point.find(t_hr)
        columns["heart_rate"].append(_float(heart.find(f"{ns}Value"))
                                     if heart is not None else np.nan)
        columns["cadence"].append(_float(point.find(t_cad)))
        run_cadence = speed = np.nan
        extensions = point.find(t_ext)
        if extensions is not None:
            for element in extensions.iter():
                key = local_name(element.tag)
                if key == "RunCadence":
                    run_cadence = _float(element)
                elif key == "Speed":
                    speed = _float(element)
        columns["run_cadence"].append(run_cadence)
        columns["speed"].append(speed)
    return _Points(times, columns)


def _read_one(content: Content, activity: ET.Element, ns: str, source: str, source_id: str,
              sport_hint: str | None) -> ParsedActivity:
    laps = activity.findall(f"{ns}Lap")
    lap_start = _time(laps[0].get("StartTime")) if laps else None
    points = _points(activity, ns)
    start = lap_start or _time(activity.findtext(f"{ns}Id")) or (
        points.times[0] if points.times else None)
    if start is None:
        raise NoDataError(content.name, "has an activity without any time (no lap start, no "
                                        "trackpoint times); export the recorded activity again")
    if points.times and min(points.times) < start:
        start = min(points.times)
    sport, warning = sports.choose_sport(sports.sport_from_word(activity.get("Sport")),
                                         sport_hint)
    foot = sport in sports.FOOT_SPORTS
    streams = _streams(points, start, foot)
    lap_distance = sum(v for v in (_float(lap.find(f"{ns}DistanceMeters")) for lap in laps)
                       if not np.isnan(v))
    lap_time = sum(v for v in (_float(lap.find(f"{ns}TotalTimeSeconds")) for lap in laps)
                   if not np.isnan(v))
    offset = common.offset_of(start)
    local, zone = common.local_times(start.astimezone(dt.UTC), offset,
                                     _start_zone(points) if offset is None else None)
    extra: dict[str, object] = {"format": "tcx"}
    if warning:
        extra["warnings"] = [warning]
    creator = activity.find(f"{ns}Creator")
    device = (creator.findtext(f"{ns}Name") or "").strip() or None if creator is not None \
        else None
    if len(streams):
        summary = common.summarise(streams)
        distance = lap_distance or summary.distance_m
        moving, elapsed = summary.moving_time_s, summary.elapsed_time_s
        elapsed = max(elapsed, float(streams[common.C.TIME_S].iloc[-1]))
        gain, hr_avg, hr_max = (summary.elevation_gain_m, summary.avg_heart_rate_bpm,
                                summary.max_heart_rate_bpm)
        cadence = summary.avg_cadence_spm
    elif laps:
        distance, moving, elapsed = lap_distance or None, lap_time, lap_time
        gain = hr_avg = hr_max = cadence = None
    else:
        raise NoDataError(content.name, "has an activity with no laps and no trackpoints; "
                                        "export the recorded activity again")
    record = ActivityRecord(
        source=source, source_id=source_id, sport_type=sport,
        start_time_utc=start.astimezone(dt.UTC), start_time_local=local, timezone=zone,
        distance_m=distance, moving_time_s=moving, elapsed_time_s=elapsed,
        elevation_gain_m=gain, avg_heart_rate_bpm=hr_avg, max_heart_rate_bpm=hr_max,
        avg_cadence_spm=cadence, device=device, file_name=content.file_name, extra=extra)
    return ParsedActivity(record, streams)


def _start_zone(points: _Points) -> str | None:
    """The time zone where the earliest positioned trackpoint lies (see common.zone_at)."""
    if not points.times:
        return None
    order = np.argsort(np.array([t.timestamp() for t in points.times]), kind="stable")
    return common.zone_at(np.array(points.columns["lat"], dtype="float64")[order],
                          np.array(points.columns["lon"], dtype="float64")[order])


def _streams(points: _Points, start: dt.datetime, foot: bool) -> pd.DataFrame:
    if not points.times:
        return common.make_streams(np.zeros(0))
    time_s = np.array([(t - start).total_seconds() for t in points.times])
    order = np.argsort(time_s, kind="stable")
    time_s = time_s[order]
    cols = {key: np.array(values, dtype="float64")[order]
            for key, values in points.columns.items()}
    distance = cols["distance"]
    coverage = float(np.mean(~np.isnan(distance)))
    has_positions = bool(np.any(~np.isnan(cols["lat"])))
    if coverage < _DISTANCE_COVERAGE and has_positions:
        distance = common.haversine_cumulative_m(cols["lat"], cols["lon"])
    elif coverage > 0:
        distance = pd.Series(distance).interpolate(limit_area="inside").ffill() \
            .fillna(0.0).to_numpy()
    cadence = None
    if foot:
        per_leg = cols["run_cadence"]
        if np.isnan(per_leg).all():
            per_leg = cols["cadence"]
        cadence = common.step_cadence_spm(per_leg)
    speed = cols["speed"] if not np.isnan(cols["speed"]).all() else None
    return common.make_streams(time_s, distance_m=distance, altitude_m=cols["altitude"],
                               heart_rate_bpm=cols["heart_rate"], cadence_spm=cadence,
                               speed_mps=speed)

"""GPX documents for tests, built from :class:`tests.factories.fit.Sample` lists.

Positions run north along a meridian so that the haversine distance between points equals the
sample distances (to well under 0.1 %); heart rate and cadence go into Garmin's
TrackPointExtension under any prefix, or into plain ``<heartrate>``/``<cadence>`` elements.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from xml.sax.saxutils import escape

from tests.factories.fit import Sample

TPX_V1 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
METRES_PER_DEGREE = 6_371_008.8 * 3.141592653589793 / 180
"""Length of one degree of latitude on the mean-radius sphere the readers use [m]."""


def iso(moment: dt.datetime, offset: dt.timedelta | None = None) -> str:
    """ISO 8601 with ``Z`` for UTC, or with the given offset (local wall time)."""
    if offset is None:
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.astimezone(dt.timezone(offset)).isoformat(timespec="seconds")


def gpx_document(start: dt.datetime, samples: Sequence[Sample], *, sport: str | None = "running",
                 prefix: str = "gpxtpx", plain_extensions: bool = False,
                 offset: dt.timedelta | None = None, name: str = "Test run",
                 cadence_per_leg: bool = True, with_times: bool = True,
                 creator: str = "loadwatch tests", version: str = "1.1",
                 origin: tuple[float, float] = (10.0, 5.0)) -> str:
    """A one-track GPX file; cadence is written per leg (Strava/Garmin style) by default.

    The track starts at ``origin`` (latitude, longitude; the default lies in Nigeria, UTC+1
    all year) and runs north.
    """
    points = []
    for sample in samples:
        lat = origin[0] + (sample.distance_m or 0.0) / METRES_PER_DEGREE
        parts = [f'<trkpt lat="{lat:.9f}" lon="{origin[1]:.9f}">']
        if sample.altitude_m is not None:
            parts.append(f"<ele>{sample.altitude_m:.2f}</ele>")
        if with_times:
            parts.append(f"<time>{iso(start + dt.timedelta(seconds=sample.t_s), offset)}</time>")
        cadence = sample.cadence_spm
        if cadence is not None and cadence_per_leg:
            cadence = cadence / 2
        ext = []
        if plain_extensions:
            if sample.heart_rate_bpm is not None:
                ext.append(f"<heartrate>{sample.heart_rate_bpm}</heartrate>")
            if cadence is not None:
                ext.append(f"<cadence>{cadence:g}</cadence>")
        else:
            inner = []
            if sample.heart_rate_bpm is not None:
                inner.append(f"<{prefix}:hr>{sample.heart_rate_bpm}</{prefix}:hr>")
            if cadence is not None:
                inner.append(f"<{prefix}:cad>{cadence:g}</{prefix}:cad>")
            if inner:
                ext.append(f"<{prefix}:TrackPointExtension>{''.join(inner)}"
                           f"</{prefix}:TrackPointExtension>")
        if ext:
            parts.append(f"<extensions>{''.join(ext)}</extensions>")
        parts.append("</trkpt>")
        points.append("".join(parts))
    kind = f"<type>{escape(sport)}</type>" if sport else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<gpx version="{version}" creator="{escape(creator)}" '
            f'xmlns="http://www.topografix.com/GPX/1/1" xmlns:{prefix}="{TPX_V1}">\n'
            f"<trk><name>{escape(name)}</name>{kind}<trkseg>\n" + "\n".join(points) +
            "\n</trkseg></trk>\n</gpx>\n")


def empty_gpx() -> str:
    """A GPX file with a track but no points."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="x" '
            'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg></trkseg></trk></gpx>\n')

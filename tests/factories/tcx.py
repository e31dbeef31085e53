"""TCX documents for tests: one activity per :class:`TcxLeg`, optionally a MultiSportSession,
optionally with Strava's leading blanks or a UTF-8 byte-order mark before ``<?xml``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from tests.factories.fit import Sample
from tests.factories.gpx import METRES_PER_DEGREE, iso

TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
AX_NS = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"


@dataclass(frozen=True)
class TcxLeg:
    """One activity of a TCX file: ``Sport`` attribute, start and samples."""

    start: dt.datetime
    samples: Sequence[Sample]
    sport: str = "Running"
    origin: tuple[float, float] = (10.0, 5.0)
    """Latitude and longitude of the first point (the readers take the time zone there)."""


def _trackpoint(leg: TcxLeg, sample: Sample, offset: dt.timedelta | None) -> str:
    parts = [f"<Trackpoint><Time>{iso(leg.start + dt.timedelta(seconds=sample.t_s), offset)}"
             "</Time>"]
    if sample.distance_m is not None:
        lat = leg.origin[0] + sample.distance_m / METRES_PER_DEGREE
        parts.append(f"<Position><LatitudeDegrees>{lat:.9f}</LatitudeDegrees>"
                     f"<LongitudeDegrees>{leg.origin[1]:.9f}</LongitudeDegrees></Position>")
    if sample.altitude_m is not None:
        parts.append(f"<AltitudeMeters>{sample.altitude_m:.2f}</AltitudeMeters>")
    if sample.distance_m is not None:
        parts.append(f"<DistanceMeters>{sample.distance_m:.2f}</DistanceMeters>")
    if sample.heart_rate_bpm is not None:
        parts.append(f"<HeartRateBpm><Value>{sample.heart_rate_bpm}</Value></HeartRateBpm>")
    extension = []
    if sample.speed_mps is not None:
        extension.append(f"<ns3:Speed>{sample.speed_mps:g}</ns3:Speed>")
    if sample.cadence_spm is not None:
        extension.append(f"<ns3:RunCadence>{sample.cadence_spm / 2:g}</ns3:RunCadence>")
    if extension:
        parts.append(f"<Extensions><ns3:TPX>{''.join(extension)}</ns3:TPX></Extensions>")
    parts.append("</Trackpoint>")
    return "".join(parts)


def _activity(leg: TcxLeg, offset: dt.timedelta | None) -> str:
    samples = leg.samples
    elapsed = samples[-1].t_s - samples[0].t_s if samples else 0.0
    distance = samples[-1].distance_m if samples and samples[-1].distance_m else 0.0
    points = "".join(_trackpoint(leg, s, offset) for s in samples)
    return (f'<Activity Sport="{leg.sport}"><Id>{iso(leg.start, offset)}</Id>'
            f'<Lap StartTime="{iso(leg.start, offset)}"><TotalTimeSeconds>{elapsed:g}'
            f"</TotalTimeSeconds><DistanceMeters>{distance:g}</DistanceMeters>"
            f"<Intensity>Active</Intensity><TriggerMethod>Manual</TriggerMethod>"
            f"<Track>{points}</Track></Lap>"
            "<Creator><Name>Forerunner Test</Name></Creator></Activity>")


def tcx_document(legs: Sequence[TcxLeg], *, multisport: bool = False,
                 offset: dt.timedelta | None = None, leading: str = "") -> str:
    """A TCX file; ``leading`` is put before ``<?xml`` (Strava writes ~10 spaces)."""
    activities = [_activity(leg, offset) for leg in legs]
    if multisport:
        inner = "".join(
            f"<{'FirstSport' if i == 0 else 'NextSport'}>{a}"
            f"</{'FirstSport' if i == 0 else 'NextSport'}>" for i, a in enumerate(activities))
        body = f"<MultiSportSession><Id>{iso(legs[0].start, offset)}</Id>{inner}" \
               "</MultiSportSession>"
    else:
        body = "".join(activities)
    return (f'{leading}<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<TrainingCenterDatabase xmlns="{TCX_NS}" xmlns:ns3="{AX_NS}">'
            f"<Activities>{body}</Activities></TrainingCenterDatabase>\n")


def empty_tcx() -> str:
    """A TCX file without any activity."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase xmlns="{TCX_NS}">'
            "<Activities></Activities></TrainingCenterDatabase>\n")

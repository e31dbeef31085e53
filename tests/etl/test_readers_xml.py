"""GPX and TCX readers on generated documents: extensions under any prefix, cadence units,
time zones, multisport TCX, moving time, and hostile XML that must never be expanded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from etl.errors import CorruptFileError, HostileInputError, InputError, NoDataError
from etl.readers import read_activity
from etl.readers.xml_safety import parse_text
from loadwatch import columns as C
from tests.factories import (
    Sample,
    TcxLeg,
    billion_laughs,
    empty_gpx,
    empty_tcx,
    external_dtd,
    external_entity,
    gpx_document,
    quadratic_blowup,
    steady_samples,
    tcx_document,
)

START = dt.datetime(2024, 5, 1, 6, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("prefix", "plain"), [("gpxtpx", False), ("ns3", False),
                                               ("tpx1", False), ("gpxtpx", True)])
def test_gpx_extensions_under_any_prefix(prefix: str, plain: bool) -> None:
    text = gpx_document(START, steady_samples(300), prefix=prefix, plain_extensions=plain)
    (parsed,) = read_activity(text.encode(), "a.gpx")
    record = parsed.record
    assert record.avg_heart_rate_bpm == 150.0 and record.max_heart_rate_bpm == 150.0
    # written per leg (85), doubled by the SCIENCE.md 6.1 rule
    assert record.avg_cadence_spm == pytest.approx(170.0)
    assert np.allclose(parsed.streams[C.CADENCE_SPM], 170.0)
    assert record.distance_m == pytest.approx(900.0, rel=1e-4)
    assert record.elapsed_time_s == 300.0
    assert record.moving_time_s == 300.0
    assert record.name == "Test run"
    assert record.extra["format"] == "gpx"


def test_gpx_cadence_already_in_steps_is_kept() -> None:
    text = gpx_document(START, steady_samples(120), cadence_per_leg=False)
    (parsed,) = read_activity(text.encode(), "a.gpx")
    assert parsed.record.avg_cadence_spm == pytest.approx(170.0)


def test_gpx_cadence_of_a_ride_is_not_steps() -> None:
    text = gpx_document(START, steady_samples(120, 8.0, cadence_spm=180.0), sport="cycling")
    (parsed,) = read_activity(text.encode(), "a.gpx")
    assert parsed.record.sport_type == "Ride"
    assert parsed.record.avg_cadence_spm is None


def test_gpx_local_offset_gives_local_date() -> None:
    start = dt.datetime(2024, 5, 1, 21, 30, tzinfo=dt.UTC)
    text = gpx_document(start, steady_samples(60), offset=dt.timedelta(hours=2))
    assert "2024-05-01T23:30:00+02:00" in text
    (parsed,) = read_activity(text.encode(), "late.gpx")
    record = parsed.record
    assert record.start_time_utc == start
    assert record.start_time_local == dt.datetime(2024, 5, 1, 23, 30)
    assert record.local_date == dt.date(2024, 5, 1)
    assert record.timezone == "UTC+02:00"


def test_gpx_in_utc_takes_the_zone_where_it_starts() -> None:
    (parsed,) = read_activity(gpx_document(START, steady_samples(60)).encode(), "a.gpx")
    assert parsed.record.timezone == "Africa/Lagos"  # the factory's default start, UTC+1
    assert parsed.record.start_time_local == dt.datetime(2024, 5, 1, 7, 0)


NEW_YORK = (40.7128, -74.0060)
EVENING_UTC = dt.datetime(2024, 3, 5, 3, 30, tzinfo=dt.UTC)  # 22:30 on 4 March in New York


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
def test_an_evening_run_in_utc_counts_for_its_local_day(kind: str) -> None:
    """Strava's GPX and TCX files are in UTC: a run at 22:30 in New York (EST) is 03:30 UTC the
    next day, and its local day comes from the zone at its first position."""
    if kind == "gpx":
        text = gpx_document(EVENING_UTC, steady_samples(60), origin=NEW_YORK)
    else:
        text = tcx_document([TcxLeg(EVENING_UTC, steady_samples(60), origin=NEW_YORK)])
    (parsed,) = read_activity(text.encode(), f"evening.{kind}")
    record = parsed.record
    assert record.start_time_utc == EVENING_UTC
    assert (record.start_time_local, record.timezone) == (dt.datetime(2024, 3, 4, 22, 30),
                                                          "America/New_York")
    assert record.local_date == dt.date(2024, 3, 4)
    assert "40.7" not in repr(record) and not {"lat", "lon"} & set(parsed.streams.columns)


def test_a_stated_offset_wins_over_the_place() -> None:
    text = gpx_document(EVENING_UTC, steady_samples(60), origin=NEW_YORK,
                        offset=dt.timedelta(hours=-4))
    (parsed,) = read_activity(text.encode(), "offset.gpx")
    assert parsed.record.timezone == "UTC-04:00"
    assert parsed.record.start_time_local == dt.datetime(2024, 3, 4, 23, 30)


def test_gpx_gap_longer_than_10_s_is_a_pause() -> None:
    samples = [Sample(float(t), 3.0 * t, 100.0, 150, 170.0) for t in range(0, 201)]
    samples += [Sample(float(t), 600.0 + 3.0 * (t - 261), 100.0, 150, 170.0)
                for t in range(261, 601)]
    (parsed,) = read_activity(gpx_document(START, samples).encode(), "a.gpx")
    assert parsed.record.elapsed_time_s == 600.0
    # 0-200 and 261-600 move; the 61-s gap does not: 200 + 339 = 539 s
    assert parsed.record.moving_time_s == pytest.approx(539.0)


def test_gpx_standing_still_is_not_moving() -> None:
    def distance(t: int) -> float:
        return 3.0 * min(t, 300) + 3.0 * max(0, t - 330)
    samples = [Sample(float(t), distance(t), 100.0, 150, 170.0) for t in range(0, 601)]
    (parsed,) = read_activity(gpx_document(START, samples).encode(), "a.gpx")
    # speed is centred over +-2 samples, so 302..328 s read 0 m/s: 27 samples not moving
    assert parsed.record.moving_time_s == pytest.approx(573.0)
    assert parsed.record.distance_m == pytest.approx(1710.0, rel=1e-4)


@pytest.mark.parametrize(("sport", "hint", "expected", "warned"), [
    (None, None, "Run", True), (None, "Hike", "Hike", False), ("9", None, "Run", False),
    ("1", None, "Ride", False), ("running", "TrailRun", "TrailRun", False),
    ("kite flying", None, "KiteFlying", False),
])
def test_gpx_sport(sport: str | None, hint: str | None, expected: str, warned: bool) -> None:
    text = gpx_document(START, steady_samples(60), sport=sport)
    (parsed,) = read_activity(text.encode(), "a.gpx", sport_hint=hint)
    assert parsed.record.sport_type == expected
    assert ("warnings" in parsed.record.extra) is warned


def test_gpx_version_10_keeps_extensions() -> None:
    text = gpx_document(START, steady_samples(60), version="1.0")
    (parsed,) = read_activity(text.encode(), "a.gpx")
    assert parsed.record.avg_heart_rate_bpm == 150.0


@pytest.mark.parametrize(("text", "reason"), [
    (empty_gpx(), "no track points"),
    (gpx_document(START, steady_samples(30), with_times=False), "no timestamps"),
])
def test_gpx_without_data(text: str, reason: str) -> None:
    with pytest.raises(NoDataError) as info:
        read_activity(text.encode(), "route.gpx")
    assert str(info.value).startswith("route.gpx: ") and reason in str(info.value)
    assert "export" in str(info.value)


def test_tcx_run_cadence_speed_and_utf8_bom_with_leading_blanks() -> None:
    text = tcx_document([TcxLeg(START, steady_samples(300))], leading="          ")
    data = b"\xef\xbb\xbf" + text.encode()
    (parsed,) = read_activity(data, "strava.tcx")
    record = parsed.record
    assert record.start_time_utc == START
    assert record.distance_m == pytest.approx(900.0)
    assert record.avg_cadence_spm == pytest.approx(170.0)
    assert record.avg_heart_rate_bpm == 150.0
    assert record.device == "Forerunner Test"
    assert np.allclose(parsed.streams[C.SPEED_MPS], 3.0)
    assert len(parsed.streams) == 301


def test_tcx_with_offset_times() -> None:
    start = dt.datetime(2022, 12, 5, 3, 30, tzinfo=dt.UTC)
    text = tcx_document([TcxLeg(start, steady_samples(60))], offset=dt.timedelta(hours=-4))
    (parsed,) = read_activity(text.encode(), "a.tcx")
    assert parsed.record.start_time_utc == start
    assert parsed.record.start_time_local == dt.datetime(2022, 12, 4, 23, 30)
    assert parsed.record.local_date == dt.date(2022, 12, 4)
    assert parsed.record.timezone == "UTC-04:00"


def test_tcx_multisport_session() -> None:
    legs = [TcxLeg(START, steady_samples(120, 8.0, cadence_spm=None), "Biking"),
            TcxLeg(START + dt.timedelta(minutes=3), steady_samples(300), "Running"),
            TcxLeg(START + dt.timedelta(minutes=9), steady_samples(60, 8.0), "Biking")]
    parsed = read_activity(tcx_document(legs, multisport=True).encode(), "tri.tcx",
                           source_id="77")
    assert [p.record.sport_type for p in parsed] == ["Ride", "Run", "Ride"]
    assert [p.record.source_id for p in parsed] == ["77#0", "77#1", "77#2"]
    assert [p.record.start_time_utc for p in parsed] == [leg.start for leg in legs]
    assert [len(p.streams) for p in parsed] == [121, 301, 61]
    assert parsed[1].record.distance_m == pytest.approx(900.0)


def test_tcx_without_activities() -> None:
    with pytest.raises(NoDataError, match=r"^none\.tcx: holds no <Activity>"):
        read_activity(empty_tcx().encode(), "none.tcx")


def test_tcx_laps_without_trackpoints_still_count() -> None:
    text = tcx_document([TcxLeg(START, [])])
    text = text.replace("<TotalTimeSeconds>0</TotalTimeSeconds>",
                        "<TotalTimeSeconds>1800</TotalTimeSeconds>")
    text = text.replace("<DistanceMeters>0</DistanceMeters>",
                        "<DistanceMeters>5000</DistanceMeters>")
    (parsed,) = read_activity(text.encode(), "laps.tcx")
    assert parsed.record.distance_m == 5000.0
    assert parsed.record.moving_time_s == 1800.0
    assert parsed.streams.empty


@pytest.mark.parametrize("root", ["gpx", "TrainingCenterDatabase"])
@pytest.mark.parametrize("payload", ["billion_laughs", "quadratic_blowup", "external_entity",
                                     "external_dtd"])
def test_hostile_xml_is_refused(root: str, payload: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    text = {"billion_laughs": billion_laughs(root), "quadratic_blowup": quadratic_blowup(root),
            "external_entity": external_entity(root, secret.as_uri()),
            "external_dtd": external_dtd(root)}[payload]
    name = "evil.gpx" if root == "gpx" else "evil.tcx"
    with pytest.raises(HostileInputError) as info:
        read_activity(text.encode(), name)
    message = str(info.value)
    assert message.startswith(f"{name}: ") and "nothing in it was expanded or fetched" in message
    assert "TOP-SECRET-VALUE" not in message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_hostile_xml_in_another_encoding_is_refused(encoding: str) -> None:
    """A declaration in a wide encoding is refused too (as hostile, or before parsing as not
    a GPX file); nothing is expanded."""
    text = billion_laughs("gpx").replace('<?xml version="1.0"?>',
                                         f'<?xml version="1.0" encoding="{encoding}"?>')
    with pytest.raises(InputError) as info:
        read_activity(text.encode(encoding), "wide.gpx")
    assert "lol" not in str(info.value)
    if encoding == "utf-16":  # with its byte-order mark expat reads it, and so does the check
        with pytest.raises(HostileInputError):
            parse_text(text.encode(encoding), "wide.gpx", "GPX")


def test_gpx_points_out_of_order_are_sorted_by_time() -> None:
    samples = steady_samples(300)
    (parsed,) = read_activity(gpx_document(START, samples[150:] + samples[:150]).encode(),
                              "shuffled.gpx")
    time_s = parsed.streams[C.TIME_S].to_numpy()
    assert (np.diff(time_s) > 0).all() and time_s[0] == 0.0
    assert parsed.record.start_time_utc == START
    assert parsed.record.distance_m == pytest.approx(900.0, rel=1e-4)


def test_tcx_trackpoints_out_of_order_are_sorted_by_time() -> None:
    samples = steady_samples(300)
    text = tcx_document([TcxLeg(START, samples[150:] + samples[:150])])
    (parsed,) = read_activity(text.encode(), "shuffled.tcx")
    assert (np.diff(parsed.streams[C.TIME_S].to_numpy()) > 0).all()
    assert np.allclose(parsed.streams[C.SPEED_MPS], 3.0)


def test_unknown_xml_encoding_is_corrupt() -> None:
    text = gpx_document(START, steady_samples(10)).replace('encoding="UTF-8"', 'encoding="utf28"')
    with pytest.raises(CorruptFileError, match=r"^odd\.gpx: cannot be decoded as text"):
        read_activity(text.encode(), "odd.gpx")

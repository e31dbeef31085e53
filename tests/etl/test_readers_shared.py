"""Every real-world activity file in ../shared/fixtures/activity_files, checked against what the
file states itself: FIT session messages (decoded independently with the stock fitdecode
reader), GPX/TCX point counts and first times (read with regular expressions), plus the
cross-format twins of sportslib run 6782987395 and the deliberately broken files."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import re
from pathlib import Path

import fitdecode
import pytest

from etl.errors import CorruptFileError
from etl.readers import fit_decoder, is_supported, read_activity
from etl.records import ParsedActivity

ACTIVITY_FILES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "activity_files"
BROKEN = {"fitparse__activity-unexpected-eof.fit"}

FIT_EPOCH = dt.datetime(1989, 12, 31, tzinfo=dt.UTC)
ELEVATION_TOLERANCE_M = 10.0
ELEVATION_TOLERANCE_FRAC = 0.15
"""Measured against the devices' own session total_ascent (docs/readers.md)."""


def _names(*folders: str) -> list[str]:
    if not ACTIVITY_FILES.is_dir():
        return ["(shared fixtures absent)"]
    return sorted(f"{folder}/{p.name}" for folder in folders
                  for p in (ACTIVITY_FILES / folder).iterdir() if is_supported(p.name))


@functools.cache
def _read(relative: str) -> list[ParsedActivity]:
    path = ACTIVITY_FILES / relative
    return read_activity(path, path.name)


def _text(path: Path) -> str:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8-sig", errors="replace")


def _fit_sessions(path: Path) -> list[dict[str, object]]:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    sessions = []
    with fitdecode.FitReader(data, processor=None,
                             check_crc=fitdecode.CrcCheck.DISABLED) as reader:
        for frame in reader:
            if frame.frame_type == fitdecode.FIT_FRAME_DATA and frame.name == "session":
                sessions.append({f.name: f.value for f in frame.fields})
    return sessions


def _fixture(shared_fixtures: Path, relative: str) -> Path:
    path = shared_fixtures / "activity_files" / relative
    if not path.is_file():
        pytest.skip(f"{relative} not in the shared fixtures")
    return path


@pytest.mark.parametrize("relative", [n for n in _names("fit", "compressed")
                                      if n.endswith((".fit", ".fit.gz"))
                                      and n.split("/")[1] not in BROKEN])
def test_fit_matches_its_session_messages(shared_fixtures: Path, relative: str) -> None:
    path = _fixture(shared_fixtures, relative)
    parsed = _read(relative)
    sessions = _fit_sessions(path)
    assert len(parsed) == len(sessions)
    for activity, session in zip(parsed, sessions, strict=True):
        record = activity.record
        if session.get("total_distance") is not None:
            assert record.distance_m == pytest.approx(session["total_distance"], rel=0.01)
        assert record.moving_time_s == pytest.approx(session["total_timer_time"], rel=0.01)
        assert record.elapsed_time_s == pytest.approx(session["total_elapsed_time"], rel=0.01)
        start = session["start_time"]
        if isinstance(start, int) and start >= 0x10000000:  # absolute FIT time, not uptime
            assert record.start_time_utc == FIT_EPOCH + dt.timedelta(seconds=start)
        ascent = session.get("total_ascent")
        has_altitude = activity.streams["altitude_m"].notna().any()
        if isinstance(ascent, int) and has_altitude:
            assert record.elevation_gain_m is not None
            limit = max(ELEVATION_TOLERANCE_M, ELEVATION_TOLERANCE_FRAC * ascent)
            assert abs(record.elevation_gain_m - ascent) <= limit
        assert record.start_time_utc.tzinfo is not None
        assert len(activity.streams) > 0


_TRKPT = re.compile(r"<trkpt\b.*?</trkpt>", re.S)
_TIME = re.compile(r"<time>\s*([^<\s]+)\s*</time>")
_HR = re.compile(r"<(?:\w+:)?(?:hr|heartrate)>\s*[1-9]")
_CAD = re.compile(r"<(?:\w+:)?(?:cad|cadence)>\s*[1-9]")


def _iso(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@pytest.mark.parametrize("relative", [n for n in _names("gpx", "compressed")
                                      if n.endswith((".gpx", ".gpx.gz"))])
def test_gpx_matches_its_points(shared_fixtures: Path, relative: str) -> None:
    path = _fixture(shared_fixtures, relative)
    points = [p for p in _TRKPT.findall(_text(path)) if _TIME.search(p)]
    (activity,) = _read(relative)
    record = activity.record
    assert len(activity.streams) == len(points)
    first = _TIME.search(points[0])
    assert first is not None
    assert record.start_time_utc == _iso(first.group(1))
    assert (record.avg_heart_rate_bpm is not None) == any(_HR.search(p) for p in points)
    assert (record.avg_cadence_spm is not None) == any(_CAD.search(p) for p in points)
    assert record.distance_m is not None and record.distance_m > 0
    assert 0 < record.moving_time_s <= record.elapsed_time_s  # type: ignore[operator]


_TRACKPOINT = re.compile(r"<Trackpoint>.*?</Trackpoint>", re.S)
_LAP_START = re.compile(r'<Lap StartTime="([^"]+)"')


@pytest.mark.parametrize("relative", [n for n in _names("tcx", "compressed")
                                      if n.endswith((".tcx", ".tcx.gz"))])
def test_tcx_matches_its_trackpoints(shared_fixtures: Path, relative: str) -> None:
    path = _fixture(shared_fixtures, relative)
    text = _text(path)
    timed = [p for p in _TRACKPOINT.findall(text) if "<Time>" in p]
    parsed = _read(relative)
    assert len(parsed) == text.count("<Activity ")
    assert sum(len(p.streams) for p in parsed) == len(timed)
    first_lap = _LAP_START.search(text)
    assert first_lap is not None
    assert parsed[0].record.start_time_utc == _iso(first_lap.group(1))
    has_hr = "<HeartRateBpm" in "".join(timed)
    assert any(p.record.avg_heart_rate_bpm is not None for p in parsed) == has_hr
    for activity in parsed:
        assert activity.record.distance_m is not None and activity.record.distance_m > 0


def test_twins_agree_across_formats(shared_fixtures: Path) -> None:
    names = ["fit/sportslib__runs_6782987395.fit", "gpx/sportslib__runs_6782987395.gpx",
             "compressed/sportslib__runs_6782987395.tcx.gz"]
    for name in names:
        _fixture(shared_fixtures, name)
    records = [_read(name)[0].record for name in names]
    reference = records[0]
    assert reference.start_time_utc == dt.datetime(2019, 6, 15, 9, 42, 23, tzinfo=dt.UTC)
    for record in records[1:]:
        assert record.distance_m == pytest.approx(reference.distance_m, rel=0.02)
        assert abs((record.start_time_utc - reference.start_time_utc).total_seconds()) <= 1
        assert record.sport_type == "Run"
        assert record.avg_heart_rate_bpm == pytest.approx(reference.avg_heart_rate_bpm, rel=0.02)
        assert record.elevation_gain_m == pytest.approx(reference.elevation_gain_m, rel=0.05)


@pytest.mark.parametrize(("relative", "sports"), [
    ("fit/muktihari__activity_multisport.fit", ["MountainBikeRide", "TrailRun"]),
    ("fit/sportslib__runs_6860622783.fit", ["VirtualRun"]),
    ("fit/sportslib__runs_6909950168.fit", ["TrailRun"]),
    ("fit/fitparse__garmin-fenix-5-bike.fit", ["Ride"]),
    ("tcx/runalyze__Multisport.tcx", ["Ride", "Run", "Ride"]),
    ("tcx/runalyze__Runtastic.tcx", ["Run"]),
    ("gpx/sportslib__runs_1681613317.gpx", ["Run"]),
])
def test_sports(shared_fixtures: Path, relative: str, sports: list[str]) -> None:
    _fixture(shared_fixtures, relative)
    assert [p.record.sport_type for p in _read(relative)] == sports


@pytest.mark.parametrize(("relative", "local", "zone"), [
    ("tcx/ruby__17611540601.tcx", dt.datetime(2022, 12, 4, 20, 14, 28), "UTC-04:00"),
    ("tcx/runalyze__Wrong-time-zone-by-polar.tcx", dt.datetime(2016, 4, 10, 18, 40, 58),
     "UTC+01:00"),
    ("gpx/gpxpy__track-with-less-sec-time.gpx", dt.datetime(2015, 12, 11, 15, 43, 13),
     "UTC+01:00"),
    ("fit/runalyze__Fenix-2-pauses.fit", dt.datetime(2014, 10, 2, 16, 46, 48), "UTC+02:00"),
    ("fit/sportslib__runs_6782987395.fit", dt.datetime(2019, 6, 15, 5, 42, 23), "UTC-04:00"),
    # In UTC ("Z") like every Strava GPX: the zone is the one where the track starts (Germany).
    ("gpx/runalyze__strava-export.gpx", dt.datetime(2015, 12, 1, 21, 11, 32), "Europe/Berlin"),
])
def test_local_time_and_zone(shared_fixtures: Path, relative: str, local: dt.datetime,
                             zone: str) -> None:
    _fixture(shared_fixtures, relative)
    record = _read(relative)[0].record
    assert (record.start_time_local, record.timezone) == (local, zone)


def test_fenix_pauses_are_excluded_from_moving_time(shared_fixtures: Path) -> None:
    _fixture(shared_fixtures, "fit/runalyze__Fenix-2-pauses.fit")
    (activity,) = _read("fit/runalyze__Fenix-2-pauses.fit")
    assert activity.record.moving_time_s == pytest.approx(2810.0)
    assert activity.record.elapsed_time_s == pytest.approx(3046.0)
    assert (~activity.streams["is_moving"]).sum() >= 7  # at least one per restart


def test_device_relative_fit_uses_its_local_clock(shared_fixtures: Path) -> None:
    relative = "fit/fitparse__compressed-speed-distance.fit"
    _fixture(shared_fixtures, relative)
    (activity,) = _read(relative)
    record = activity.record
    assert record.local_date == dt.date(2012, 2, 13)
    assert record.timezone == "UTC"
    warnings = record.extra["warnings"]
    assert isinstance(warnings, list) and any("no UTC date" in w for w in warnings)
    assert record.distance_m == pytest.approx(10248.67, rel=0.001)
    # foot-pod speed from compressed speed/distance records (the first record has none)
    assert activity.streams["speed_mps"].notna().mean() > 0.99


def test_strava_tcx_gz_with_leading_blanks(shared_fixtures: Path) -> None:
    relative = "compressed/runv__activity.tcx.gz"
    _fixture(shared_fixtures, relative)
    (activity,) = _read(relative)
    # RunCadence is per leg (~85): reported in steps per minute
    assert 150 < activity.record.avg_cadence_spm < 190  # type: ignore[operator]


def test_truncated_fixture_is_corrupt(shared_fixtures: Path) -> None:
    path = _fixture(shared_fixtures, "fit/fitparse__activity-unexpected-eof.fit")
    with pytest.raises(CorruptFileError) as info:
        read_activity(path, path.name)
    assert str(info.value).startswith(
        "fitparse__activity-unexpected-eof.fit: file is truncated or damaged (")
    assert "re-export it from the device or Strava" in str(info.value)


def test_bad_crc_fixture_reads_with_warning(shared_fixtures: Path) -> None:
    _fixture(shared_fixtures, "fit/fitparse__activity-filecrc.fit")
    good = _read("fit/fitparse__Activity.fit")[0].record
    bad = _read("fit/fitparse__activity-filecrc.fit")[0].record
    assert bad.distance_m == good.distance_m and bad.start_time_utc == good.start_time_utc
    warnings = bad.extra["warnings"]
    assert isinstance(warnings, list) and "CRC" in warnings[0]


@pytest.mark.slow
@pytest.mark.parametrize("relative", [n for n in _names("fit", "compressed")
                                      if n.endswith((".fit", ".fit.gz"))
                                      and n.split("/")[1] not in BROKEN])
def test_lean_decoder_equals_stock_fitdecode(shared_fixtures: Path, relative: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = _fixture(shared_fixtures, relative)
    lean = _read(relative)
    monkeypatch.setattr(fit_decoder.fitdecode, "__version__", "0.0-unchecked")
    assert not fit_decoder.lean_reader_available()
    stock = read_activity(path, path.name)
    assert len(lean) == len(stock)
    for fast, slow in zip(lean, stock, strict=True):
        assert fast.record == slow.record
        assert fast.streams.equals(slow.streams)

"""Strava JSON -> records and streams, on real recorded bodies and hand-made ones."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from etl.strava.errors import MalformedResponse
from etl.strava.mapping import parse_timezone, summary_fingerprint, to_record, to_streams
from tests.strava.conftest import NOW
from tests.strava.fake_strava import generate_history

BODIES = "strava_api/bodies"


def test_real_detailed_activity(shared_fixtures):
    body = json.loads((shared_fixtures / BODIES / "ruby__activity.json").read_text())
    record = to_record(body, "GET /api/v3/activities/1946417534")
    assert record.source == "strava_api" and record.source_id == "1946417534"
    assert record.sport_type == "Run"
    assert record.start_time_utc == dt.datetime(2018, 11, 4, 14, 53, 46, tzinfo=dt.UTC)
    assert record.start_time_local == dt.datetime(2018, 11, 4, 9, 53, 46)
    assert record.timezone == "America/New_York"
    assert record.local_date == dt.date(2018, 11, 4)
    assert record.distance_m == pytest.approx(42268.1)
    assert record.device == "Fitbit Ionic"
    assert record.perceived_exertion is None and not record.is_manual


def test_real_activity_list_doubles_run_cadence(shared_fixtures):
    summaries = json.loads((shared_fixtures / BODIES / "ruby__athlete_activities.json")
                           .read_text())
    first = to_record(summaries[0], "GET /api/v3/athlete/activities")
    assert summaries[0]["average_cadence"] == 78.7
    assert first.avg_cadence_spm == pytest.approx(157.4)
    assert first.relative_effort == 480.0
    assert first.timezone == "America/New_York"
    for summary in summaries:
        to_record(summary, "list")


def test_fake_server_shapes_match_the_recorded_ones(shared_fixtures):
    summaries = json.loads((shared_fixtures / BODIES / "ruby__athlete_activities.json")
                           .read_text())
    real_keys = set().union(*(s.keys() for s in summaries))
    for fake in generate_history(50, end=NOW):
        assert set(fake) <= real_keys
        assert {type(fake[k]) for k in ("id", "moving_time")} == {int}


def test_real_stream_body_without_time_is_rejected(shared_fixtures):
    body = json.loads((shared_fixtures / BODIES / "ruby__activity_streams.json").read_text())
    with pytest.raises(MalformedResponse, match="'time' stream is missing"):
        to_streams(body, is_run=True, request="GET /api/v3/activities/1946417534/streams")


def test_streams_keyed_by_type_and_list_form():
    keyed = {"time": {"data": [0, 1, 2]}, "distance": {"data": [0.0, 2.5, 5.0]},
             "cadence": {"data": [85, 86, None]}, "moving": {"data": [True, False, True]},
             "grade_smooth": {"data": [0.0, 1.5, -2.0]}, "latlng": {"data": [[1, 2]] * 3}}
    frame = to_streams(keyed, is_run=True, request="r")
    assert list(frame["cadence_spm"][:2]) == [170.0, 172.0] and np.isnan(frame["cadence_spm"][2])
    assert list(frame["is_moving"]) == [True, False, True]
    assert list(frame["grade_pct"]) == [0.0, 1.5, -2.0]
    assert "latlng" not in frame.columns and frame["heart_rate_bpm"].isna().all()
    as_list = [{"type": k, "data": v["data"]} for k, v in keyed.items()]
    assert to_streams(as_list, is_run=False, request="r")["cadence_spm"][0] == 85.0


@pytest.mark.parametrize("body, fragment", [
    ("x", "expected streams keyed by type"),
    ({"time": {"data": [0, 1]}, "heartrate": {"data": [1]}}, "differ in length"),
    ({"time": {"data": [0, "a"]}}, "not numbers"),
    ({"time": {"nodata": 1}}, "has no 'data' list"),
])
def test_malformed_streams(body, fragment):
    with pytest.raises(MalformedResponse, match=fragment):
        to_streams(body, is_run=True, request="GET /api/v3/activities/1/streams")


def _summary(**changes):
    body = dict(generate_history(1, end=NOW)[0])
    body.update(changes)
    return body


@pytest.mark.parametrize("changes, fragment", [
    ({"id": "12"}, "integer 'id'"),
    ({"start_date": None}, "'start_date' is missing"),
    ({"start_date": "yesterday"}, "not an ISO 8601"),
    ({"distance": "10 km"}, "'distance' = '10 km' is not a number"),
    ({"sport_type": None, "type": None}, "names the sport"),
])
def test_malformed_summaries_name_the_field(changes, fragment):
    with pytest.raises(MalformedResponse, match=fragment) as caught:
        to_record(_summary(**changes), "GET /api/v3/activities/5")
    assert str(caught.value).startswith("GET /api/v3/activities/5: malformed answer")


def test_unknown_sport_kept_and_cadence_not_doubled_for_it():
    record = to_record(_summary(sport_type="Pickleball", average_cadence=40.0), "r")
    assert record.sport_type == "Pickleball" and record.avg_cadence_spm is None


@pytest.mark.parametrize("text, offset_h, expected", [
    ("(GMT+01:00) Europe/Amsterdam", 1, "Europe/Amsterdam"),
    ("(GMT-05:00) America/New_York", -5, "America/New_York"),
    ("(GMT+05:30) Not/AZone", 5.5, "UTC+05:30"),
    (None, -3, "UTC-03:00"),
    ("Europe/Paris", 1, "Europe/Paris"),
])
def test_timezones(text, offset_h, expected):
    assert parse_timezone(text, dt.timedelta(hours=offset_h)) == expected


def test_fingerprint_ignores_kudos_but_not_edits():
    body = _summary()
    assert summary_fingerprint(body) == summary_fingerprint(dict(body, kudos_count=99))
    assert summary_fingerprint(body) != summary_fingerprint(dict(body, sport_type="TrailRun"))

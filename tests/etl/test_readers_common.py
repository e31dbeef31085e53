"""The shared normalisation rules of etl.readers.common, on hand-worked arrays."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from etl.readers import common, content, sports


def test_moving_mask_excludes_slow_samples_and_long_gaps() -> None:
    time_s = np.array([0.0, 1, 2, 3, 20, 21])
    speed = np.array([3.0, 3, 0.2, 3, 3, 3])
    moving = common.moving_mask(time_s, speed)
    assert moving.tolist() == [True, True, False, True, False, True]
    # intervals ending at moving samples: 0-1, 2-3, 20-21 -> 3 s
    assert common.moving_time_s(time_s, moving) == 3.0


def test_moving_mask_without_speed_uses_gaps_only() -> None:
    time_s = np.array([0.0, 5, 10, 30])
    moving = common.moving_mask(time_s, np.full(4, np.nan))
    assert moving.tolist() == [True, True, True, False]
    assert common.moving_time_s(time_s, moving) == 10.0


def test_elevation_gain_hysteresis_ignores_small_dips() -> None:
    # plateaus survive the 5-sample median; 110 -> 108 is a 2 m dip (< 3 m), so the climb
    # to 120 continues from the 110 high: 10 + 10 = 20 m (a naive sum of rises gives 22 m)
    altitude = np.array([100.0] * 10 + [110.0] * 10 + [108.0] * 10 + [120.0] * 10)
    assert common.elevation_gain_m(altitude) == pytest.approx(20.0)


def test_elevation_gain_counts_a_real_descent_and_reclimb() -> None:
    # 100 -> 110 (+10), down to 104 (6 m > 3 m: resets the low), up to 112 (+8) = 18 m
    altitude = np.array([100.0] * 10 + [110.0] * 10 + [104.0] * 10 + [112.0] * 10)
    assert common.elevation_gain_m(altitude) == pytest.approx(18.0)


def test_elevation_gain_removes_noise_and_spikes() -> None:
    noise = np.array([100.0, 101.0] * 50)
    assert common.elevation_gain_m(noise) == 0.0
    spike = np.array([100.0] * 10 + [150.0] + [100.0] * 10)
    assert common.elevation_gain_m(spike) == 0.0
    assert common.elevation_gain_m(np.full(5, np.nan)) is None


def test_grade_over_distance_and_clipping() -> None:
    distance = np.arange(0.0, 101.0)
    assert np.allclose(common.grade_pct(distance, 0.1 * distance), 10.0)
    assert np.allclose(common.grade_pct(distance, 0.6 * distance), 45.0)
    assert np.allclose(common.grade_pct(distance, -0.6 * distance), -45.0)
    # shorter than one 25 m window: no grade
    assert np.isnan(common.grade_pct(np.arange(0.0, 10.0), np.arange(0.0, 10.0))).all()


def test_grade_ignores_standing_still() -> None:
    distance = np.array([0.0, 10, 20, 20, 20, 30, 40, 50, 60])
    altitude = distance * 0.05
    assert np.allclose(common.grade_pct(distance, altitude), 5.0)


def test_step_cadence_defensive_rule() -> None:
    per_leg = np.array([80.0, 82.0, 84.0, 0.0])
    assert common.step_cadence_spm(per_leg).tolist() == [160.0, 164.0, 168.0, 0.0]
    steps = np.array([160.0, 170.0, 0.0])
    assert common.step_cadence_spm(steps).tolist() == [160.0, 170.0, 0.0]


def test_derived_speed_is_centred_and_stops_at_pauses() -> None:
    time_s = np.array([0.0, 1, 2, 3, 4, 60, 61, 62])
    distance = np.array([0.0, 3, 6, 9, 12, 12, 15, 18])
    speed = common.derived_speed_mps(time_s, distance)
    assert np.allclose(speed[:4], 3.0)
    assert speed[5] < common.MOVING_SPEED_MPS


@pytest.mark.parametrize(("sport", "sub_sport", "expected"), [
    ("running", "generic", "Run"), ("running", "trail", "TrailRun"),
    ("running", "treadmill", "VirtualRun"), ("cycling", "mountain", "MountainBikeRide"),
    ("cycling", "road", "Ride"), ("walking", None, "Walk"), ("hiking", "generic", "Hike"),
    ("swimming", "lap_swimming", "Swim"), ("training", "strength_training", "WeightTraining"),
    ("fitness_equipment", "treadmill", "VirtualRun"), ("jump_rope", None, "JumpRope"),
    (None, None, "Workout"), ("250", None, "Workout"),
])
def test_fit_sport_mapping(sport: str | None, sub_sport: str | None, expected: str) -> None:
    assert sports.sport_from_fit(sport, sub_sport) == expected


@pytest.mark.parametrize(("word", "expected"), [
    ("9", "Run"), ("1", "Ride"), ("running", "Run"), ("Running", "Run"), ("Biking", "Ride"),
    ("Other", "Workout"), ("trail running", "TrailRun"), ("paragliding", "Paragliding"),
    ("", None), (None, None), ("77", None),
])
def test_word_sport_mapping(word: str | None, expected: str | None) -> None:
    assert sports.sport_from_word(word) == expected


def test_choose_sport_rules() -> None:
    assert sports.choose_sport("Ride", "Run") == ("Ride", None)
    assert sports.choose_sport("Run", "TrailRun") == ("TrailRun", None)
    assert sports.choose_sport("Workout", "Run") == ("Run", None)
    assert sports.choose_sport(None, "Hike") == ("Hike", None)
    sport, warning = sports.choose_sport(None, None)
    assert sport == "Run" and warning is not None and "assumed Run" in warning


def test_offsets_and_zone_names() -> None:
    assert common.offset_zone_name(dt.timedelta(hours=2)) == "UTC+02:00"
    assert common.offset_zone_name(dt.timedelta(hours=-4, minutes=-30)) == "UTC-04:30"
    assert common.round_offset(7203) == dt.timedelta(hours=2)
    assert common.tzinfo_for("UTC+05:45").utcoffset(None) == dt.timedelta(hours=5, minutes=45)
    assert common.tzinfo_for("UTC") is dt.UTC
    start = dt.datetime(2024, 3, 1, 22, 30, tzinfo=dt.UTC)
    assert common.local_times(start, dt.timedelta(hours=1)) == (
        dt.datetime(2024, 3, 1, 23, 30), "UTC+01:00")
    assert common.local_times(start, None) == (dt.datetime(2024, 3, 1, 22, 30), "UTC")


def test_haversine_along_a_meridian() -> None:
    metres_per_degree = 6_371_008.8 * np.pi / 180
    lat = np.array([10.0, 10.0 + 1000 / metres_per_degree, np.nan, 10.0 + 2000 / metres_per_degree])
    lon = np.array([5.0, 5.0, np.nan, 5.0])
    assert np.allclose(common.haversine_cumulative_m(lat, lon), [0, 1000, 1000, 2000])


@pytest.mark.parametrize(("data", "expected"), [
    (b"\x89PNG\r\n\x1a\nrest", "PNG"), (b"PK\x03\x04rest", "ZIP"),
    (b"<!DOCTYPE html><html></html>", "HTML"), (b"%PDF-1.4", "PDF"), (b"", "empty"),
    (b"\xef\xbb\xbf  <gpx version='1.1'>", "GPX"), (b"hello", "plain text"),
])
def test_describe_content(data: bytes, expected: str) -> None:
    assert expected in content.describe_content(data)


def test_zone_at_the_first_usable_position() -> None:
    nan = float("nan")
    assert common.zone_at(np.array([nan, 0.0, 59.91]), np.array([nan, 0.0, 10.75])) \
        == "Europe/Oslo"  # no fix, then the (0, 0) of a device without one, then Oslo
    assert common.zone_at(np.array([nan]), np.array([nan])) is None
    assert common.zone_at(np.array([]), np.array([])) is None
    assert common.zone_at(np.array([95.0]), np.array([10.0])) is None  # not a position


def test_local_times_in_the_zone_of_a_place() -> None:
    start = dt.datetime(2024, 7, 1, 21, 30, tzinfo=dt.UTC)
    assert common.local_times(start, None, "Europe/Oslo") == (dt.datetime(2024, 7, 1, 23, 30),
                                                             "Europe/Oslo")
    assert common.local_times(start, dt.timedelta(hours=1), "Europe/Oslo")[1] == "UTC+01:00"

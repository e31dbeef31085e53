"""Per-activity stream metrics against hand-built streams (SCIENCE.md 3.3-3.5, 4.1, 4.2)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from loadwatch.columns import GLOSSARY
from risk.athlete import AthleteSettings
from risk.session import (
    FLAT_WINDOW_COLUMNS,
    STREAM_METRICS,
    flat_steady_windows,
    summarise_streams,
    vertical_with_hysteresis,
)

ATHLETE = AthleteSettings(max_hr_bpm=190, rest_hr_bpm=50, threshold_hr_bpm=169,
                          threshold_speed_mps=2.9, sex="M")


def climb_run(*, hr: float | None = 150.0, altitude: bool = True,
              grade: bool = True) -> pd.DataFrame:
    """600 s at 3 m/s, 1 Hz: flat for 60 s, +12 % for 300 s (36 m per minute), then flat."""
    t = np.arange(0.0, 601.0)
    climbing = (t >= 60) & (t < 360)
    rise = np.clip(t - 60, 0, 300) * 0.36  # 3 m/s * 12 % = 0.36 m/s, 108 m in total
    return pd.DataFrame({
        "time_s": t,
        "distance_m": 3.0 * t,
        "altitude_m": 100.0 + rise if altitude else np.nan,
        "heart_rate_bpm": hr if hr is not None else np.nan,
        "cadence_spm": 170.0,
        "speed_mps": 3.0,
        "grade_pct": np.where(climbing, 12.0, 0.0) if grade else np.nan,
        "is_moving": True,
    })


def cr(i: float) -> float:
    return 155.4 * i**5 - 30.4 * i**4 - 43.3 * i**3 + 46.3 * i**2 + 19.5 * i + 3.6


def test_vertical_hysteresis_counts_turning_point_to_turning_point() -> None:
    # 100 -> 105 -> 104 (1 m dip ignored) -> 110 -> 101: 10 m up, 9 m down
    assert vertical_with_hysteresis(np.array([100, 105, 104, 110, 101.0])) == (10.0, 9.0)
    # wiggles below 2 m are noise
    assert vertical_with_hysteresis(np.array([100, 101, 100, 101.5, 100.0])) == (0.0, 0.0)
    # a steady 1 m per sample climb counts in full
    assert vertical_with_hysteresis(np.arange(0.0, 11.0)) == (10.0, 0.0)
    up, down = vertical_with_hysteresis(np.array([np.nan, np.nan]))
    assert math.isnan(up) and math.isnan(down)


def test_summary_of_a_climbing_run() -> None:
    m = summarise_streams(climb_run(), ATHLETE)
    assert set(m) == set(STREAM_METRICS)
    assert m["up_vert_m"] == pytest.approx(108.0)
    assert m["down_vert_m"] == pytest.approx(0.0)
    # 300 intervals of 3 m at +12 %, 300 flat intervals of 3 m
    assert m["gap_distance_m"] == pytest.approx(900.0 + 900.0 * cr(0.12) / 3.6)
    assert cr(0.12) / 3.6 == pytest.approx(1.8137, abs=1e-4)
    assert m["time_up_10pct_s"] == pytest.approx(300.0)
    assert m["time_down_10pct_s"] == pytest.approx(0.0)
    # 3 m/s > 2.9 m/s threshold for all 600 one-second intervals
    assert m["time_above_threshold_s"] == pytest.approx(600.0)
    assert m["distance_above_threshold_m"] == pytest.approx(1800.0)
    # 150 / 190 = 79 % of max: zone 3 for all 600 s
    assert [m[f"hr_z{z}_s"] for z in range(1, 6)] == [0.0, 0.0, 600.0, 0.0, 0.0]
    # 10 min at HR 150 (rest 50, max 190, male) = 108.0954 / 6
    assert m["trimp_au"] == pytest.approx(108.0954 / 6, rel=1e-4)
    lt_reference = 60 * (119 / 140) * 0.64 * math.exp(1.92 * 119 / 140)  # 1 h at LTHR 169
    assert m["hrss_au"] == pytest.approx(100 * m["trimp_au"] / lt_reference)


def test_rtss_of_a_flat_steady_run_at_threshold_speed() -> None:
    flat = climb_run()
    flat["grade_pct"] = 0.0
    athlete = AthleteSettings(max_hr_bpm=190, rest_hr_bpm=50, threshold_hr_bpm=169,
                              threshold_speed_mps=3.0, sex="F")
    m = summarise_streams(flat, athlete)
    # 10 min at IF 1.0: 100 * (600 / 3600) * 1 = 16.667
    assert m["rtss_au"] == pytest.approx(100 * 600 / 3600)
    assert m["time_above_threshold_s"] == 0.0


def test_run_without_heart_rate_has_unknown_not_zero_hr_loads() -> None:
    m = summarise_streams(climb_run(hr=None), ATHLETE)
    for name in ("trimp_au", "hrss_au", "hr_z1_s", "hr_z3_s", "hr_z5_s"):
        assert math.isnan(m[name]), name
    assert m["up_vert_m"] == pytest.approx(108.0)


def test_run_without_altitude_or_grade_has_unknown_hill_metrics() -> None:
    m = summarise_streams(climb_run(altitude=False, grade=False), ATHLETE)
    for name in ("up_vert_m", "down_vert_m", "gap_distance_m", "time_up_10pct_s"):
        assert math.isnan(m[name]), name
    assert m["trimp_au"] == pytest.approx(108.0954 / 6, rel=1e-4)


def test_grade_from_altitude_when_no_grade_stream() -> None:
    m = summarise_streams(climb_run(grade=False), ATHLETE)
    assert m["up_vert_m"] == pytest.approx(108.0)
    # smoothing blurs the two grade corners over a few samples only
    assert m["time_up_10pct_s"] == pytest.approx(300.0, abs=4.0)


def test_pauses_and_gaps_are_not_counted_as_time() -> None:
    run = climb_run()
    run.loc[run["time_s"] >= 400, "time_s"] += 120.0  # a 121 s gap after 400 s
    run.loc[(run["time_s"] >= 100) & (run["time_s"] < 160), "is_moving"] = False
    m = summarise_streams(run, ATHLETE)
    assert m["time_above_threshold_s"] == pytest.approx(600.0 - 1.0 - 60.0)
    assert m["time_up_10pct_s"] == pytest.approx(300.0 - 60.0)


def test_too_short_stream_gives_all_nan() -> None:
    m = summarise_streams(climb_run().iloc[:1], ATHLETE)
    assert all(math.isnan(v) for v in m.values())


def test_flat_steady_windows() -> None:
    t = np.arange(0.0, 601.0)
    speed = np.full(len(t), 3.0)
    speed[(t >= 120) & (t < 180)] = np.where(t[(t >= 120) & (t < 180)] % 2 == 0, 2.0, 4.0)
    speed[(t >= 300) & (t < 360)] = 1.2  # walking
    grade = np.where((t >= 420) & (t < 480), 5.0, 0.0)  # a hill
    run = pd.DataFrame({"time_s": t, "distance_m": np.cumsum(speed), "altitude_m": 100.0,
                        "heart_rate_bpm": 150.0, "cadence_spm": 170.0, "speed_mps": speed,
                        "grade_pct": grade, "is_moving": True})
    windows = flat_steady_windows(run)
    assert tuple(windows.columns) == FLAT_WINDOW_COLUMNS
    # windows 0-9 of 60 s; 2 (uneven speed), 5 (walking), 7 (hill) dropped; the last sample
    # at 600 s opens a window with no covered time
    assert windows["window_start_s"].tolist() == [0.0, 60.0, 180.0, 240.0, 360.0, 480.0, 540.0]
    assert windows["speed_mps"].tolist() == pytest.approx([3.0] * 7)
    assert windows["cadence_spm"].tolist() == pytest.approx([170.0] * 7)
    assert windows["duration_s"].tolist() == pytest.approx([60.0] * 7)


def test_flat_steady_windows_need_grade_and_cadence() -> None:
    assert flat_steady_windows(climb_run(altitude=False, grade=False)).empty
    no_cadence = climb_run()
    no_cadence["cadence_spm"] = np.nan
    assert flat_steady_windows(no_cadence).empty


def test_every_produced_column_is_in_the_glossary() -> None:
    assert all(name in GLOSSARY for name in (*STREAM_METRICS, *FLAT_WINDOW_COLUMNS))

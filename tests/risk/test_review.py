"""Pre-injury review on hand-made frames; every expected number is worked out in comments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from loadwatch.columns import undefined
from risk.evidence import Evidence, register
from risk.review import (
    WEEKLY_COLUMNS,
    WHAT_CHANGED_COLUMNS,
    pre_injury_review,
    weekly_totals,
    what_changed,
)

ONSET = dt.date(2024, 3, 31)
START = ONSET - dt.timedelta(days=55)  # 2024-02-05
RECENT_START = ONSET - dt.timedelta(days=27)  # 2024-03-04
LONG_RUN_DAY = ONSET - dt.timedelta(days=2)  # 2024-03-29


@dataclass(frozen=True)
class Frames:
    sessions: pd.DataFrame
    daily: pd.DataFrame
    flags: pd.DataFrame


def _frames() -> Frames:
    """Before half (28 days): 5 km, 30 min, 50 m up, 170 spm every other day (14 runs).
    Recent half (28 days): a run every day except every 7th (24 runs) of 6 km, 36 min,
    100 m up, 165 spm; one of them (onset - 2) is a 15 km long run at 160 spm for 90 min."""
    daily_rows, session_rows = [], []
    for i in range(56):
        day = START + dt.timedelta(days=i)
        recent = day >= RECENT_START
        j = i - 28
        runs = (j % 7 != 6) if recent else (i % 2 == 0)
        km = 15.0 if day == LONG_RUN_DAY else (6.0 if recent else 5.0)
        minutes = 90.0 if day == LONG_RUN_DAY else (36.0 if recent else 30.0)
        up = 100.0 if recent else 50.0
        cadence = 160.0 if day == LONG_RUN_DAY else (165.0 if recent else 170.0)
        daily_rows.append({
            "athlete": "A", "local_date": day, "load_status": "ok" if runs else "rest",
            "run_count": int(runs), "session_count": int(runs),
            "distance_km": km if runs else 0.0, "duration_min": minutes if runs else 0.0,
            "up_vert_m": up if runs else 0.0, "time_above_threshold_min": 0.0,
            "srpe_au": np.nan, "longest_run_km": km if runs else 0.0,
            "acwr_uncoupled": 1.0,
        })
        if runs:
            session_rows.append({
                "athlete": "A", "activity_id": i, "local_date": day, "is_run": True,
                "distance_km": km, "moving_time_s": minutes * 60, "avg_cadence_spm": cadence,
            })
    # a second athlete whose history starts in the last week only
    for i in range(3):
        day = ONSET - dt.timedelta(days=i)
        daily_rows.append({"athlete": "B", "local_date": day, "load_status": "ok",
                           "run_count": 1, "session_count": 1, "distance_km": 4.0,
                           "duration_min": 25.0, "up_vert_m": np.nan,
                           "time_above_threshold_min": np.nan, "srpe_au": np.nan,
                           "longest_run_km": 4.0, "acwr_uncoupled": np.nan})
    flags = pd.DataFrame([
        {"athlete": "A", "local_date": LONG_RUN_DAY, "kind": "session_spike",
         "severity": "high", "message": "long", "evidence_key": "test_review_evidence"},
        {"athlete": "A", "local_date": START - dt.timedelta(days=1), "kind": "weekly_spike",
         "severity": "low", "message": "too early", "evidence_key": "test_review_evidence"},
        {"athlete": "B", "local_date": ONSET, "kind": "weekly_spike", "severity": "low",
         "message": "someone else", "evidence_key": "missing_key"},
    ])
    return Frames(pd.DataFrame(session_rows), pd.DataFrame(daily_rows), flags)


register(Evidence(key="test_review_evidence", title="t", citation="Test 2024", grade="A",
                  summary="s", doi="10.0/test"))


def _changed(frame: pd.DataFrame, measure: str) -> pd.Series:
    return frame.set_index("change_measure").loc[measure]


def test_what_changed_by_hand() -> None:
    frames = _frames()
    table = what_changed(frames.daily, frames.sessions, "A", ONSET, weeks=8)
    assert tuple(table.columns) == WHAT_CHANGED_COLUMNS
    assert not undefined(list(table.columns))
    distance = _changed(table, "weekly running distance")
    # before: 14 x 5 km = 70 km in 28 days -> 17.5 km/week
    # recent: 23 x 6 km + 15 km = 153 km in 28 days -> 38.25 km/week
    assert distance["baseline_value"] == pytest.approx(17.5)
    assert distance["recent_value"] == pytest.approx(38.25)
    assert distance["absolute_change"] == pytest.approx(20.75)
    assert distance["relative_change_pct"] == pytest.approx(100 * 20.75 / 17.5)
    assert _changed(table, "runs per week")["recent_value"] == pytest.approx(6.0)  # 24 x 7/28
    assert _changed(table, "runs per week")["baseline_value"] == pytest.approx(3.5)
    longest = _changed(table, "longest run (30 days)")
    # 30 days up to onset contain the 15 km run; the 30 days before only 5 km runs
    assert (longest["baseline_value"], longest["recent_value"]) == (5.0, 15.0)
    assert longest["relative_change_pct"] == pytest.approx(200.0)
    hills = _changed(table, "uphill vertical")
    assert hills["baseline_value"] == pytest.approx(175.0)  # 14 x 50 m x 7/28
    assert hills["recent_value"] == pytest.approx(600.0)  # 24 x 100 m x 7/28
    cadence = _changed(table, "running cadence")
    assert cadence["baseline_value"] == pytest.approx(170.0)
    # weighted by moving time: (23 x 165 x 2160 s + 160 x 5400 s) / (23 x 2160 s + 5400 s)
    # = (8 197 200 + 864 000) / 55 080 = 164.5098...
    assert cadence["recent_value"] == pytest.approx(9_061_200 / 55_080)
    rest = _changed(table, "rest days")
    assert (rest["baseline_value"], rest["recent_value"]) == (pytest.approx(3.5), 1.0)
    streak = _changed(table, "longest stretch without rest")
    assert (streak["baseline_value"], streak["recent_value"]) == (1.0, 6.0)
    srpe = _changed(table, "session-RPE load")
    assert np.isnan(srpe["baseline_value"]) and np.isnan(srpe["relative_change_pct"])


def test_wellness_row_only_with_wellness() -> None:
    frames = _frames()
    wellness = pd.DataFrame([
        {"athlete": "A", "local_date": START, "sleep_hooper": 2, "fatigue_hooper": 2,
         "stress_hooper": 2, "soreness_hooper": 2},
        {"athlete": "A", "local_date": ONSET, "sleep_hooper": 4, "fatigue_hooper": 5,
         "stress_hooper": 3, "soreness_hooper": 6},
        {"athlete": "A", "local_date": ONSET, "sleep_hooper": 4, "fatigue_hooper": None,
         "stress_hooper": 3, "soreness_hooper": 6},
    ])
    table = what_changed(frames.daily, frames.sessions, "A", ONSET, wellness=wellness)
    row = _changed(table, "wellness (Hooper index, higher = worse)")
    assert (row["baseline_value"], row["recent_value"]) == (8.0, 18.0)
    assert "wellness (Hooper index, higher = worse)" not in set(
        what_changed(frames.daily, frames.sessions, "A", ONSET)["change_measure"])


def test_weekly_totals_blocks_end_on_the_end_date() -> None:
    frames = _frames()
    weekly = weekly_totals(frames.daily, end=ONSET, weeks=8)
    assert tuple(weekly.columns) == WEEKLY_COLUMNS
    assert not undefined(list(weekly.columns))
    a = weekly[weekly["athlete"] == "A"].reset_index(drop=True)
    assert len(a) == 8 and a["weeks_before_end"].tolist() == [7, 6, 5, 4, 3, 2, 1, 0]
    last = a.iloc[-1]
    assert (last["week_first_date"], last["week_last_date"]) == (dt.date(2024, 3, 25), ONSET)
    # Mar 25-31: six runs (5 x 6 km + the 15 km long run) and a rest day on the onset day
    assert last["weekly_distance_km"] == pytest.approx(45.0)
    assert (last["weekly_run_count"], last["weekly_rest_days"]) == (6, 1)
    assert last["weekly_longest_run_km"] == 15.0
    first = a.iloc[0]  # Feb 5-11: runs on i = 0, 2, 4, 6 -> 4 x 5 km
    assert first["weekly_distance_km"] == pytest.approx(20.0)
    b = weekly[weekly["athlete"] == "B"].reset_index(drop=True)
    assert b["weekly_recorded_days"].tolist() == [0] * 7 + [3]
    assert b["weekly_distance_km"].isna().sum() == 7 and b["weekly_distance_km"].iloc[-1] == 12.0
    assert np.isnan(b["weekly_up_vert_m"].iloc[-1])  # no altitude at all: NaN, not 0


def test_pre_injury_review_collects_the_window() -> None:
    frames = _frames()
    review = pre_injury_review(frames, "A", ONSET)
    assert (review.start, review.recent_start) == (START, RECENT_START)
    assert len(review.daily) == 56 and set(review.daily["athlete"]) == {"A"}
    assert review.flags["message"].tolist() == ["long"]
    assert review.flags["flag_evidence_grade"].tolist() == ["A"]
    assert review.flags["flag_evidence_citation"].iloc[0] == "Test 2024 doi:10.0/test"
    assert review.symptoms.empty and review.wellness.empty
    other = pre_injury_review(frames, "B", ONSET, weeks=2)
    assert other.flags["flag_evidence_grade"].tolist() == ["?"]


def test_review_needs_two_weeks() -> None:
    with pytest.raises(ValueError, match="at least 2 weeks"):
        pre_injury_review(_frames(), "A", ONSET, weeks=1)

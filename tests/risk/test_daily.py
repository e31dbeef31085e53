"""Session and daily frames: sums, rest days, local dates, missing data (SCIENCE.md 0)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from loadwatch.columns import GLOSSARY
from risk.athlete import AthleteSettings, estimate_athlete_settings, estimate_squad_settings
from risk.daily import DAILY_COLUMNS, daily_frame
from risk.errors import FrameContractError, SettingsError
from risk.sessions import SESSION_COLUMNS, session_frame

D0 = dt.date(2024, 3, 1)
MALE = AthleteSettings(max_hr_bpm=190, rest_hr_bpm=50, threshold_hr_bpm=169,
                       threshold_speed_mps=4.0, sex="M")


def activity(day: int, km: float, *, athlete: str = "Ann", sport: str = "Run",
             minutes: float = 60.0, hr: float | None = None, rpe: float | None = None,
             gain: float | None = None, activity_id: int | None = None,
             local_time: dt.time = dt.time(7, 0), tz_hours: int = 0) -> dict[str, object]:
    local = dt.datetime.combine(D0 + dt.timedelta(days=day), local_time)
    return {
        "activity_id": activity_id if activity_id is not None else day * 10 + int(km),
        "athlete": athlete, "sport_type": sport,
        "start_time_utc": pd.Timestamp(local - dt.timedelta(hours=tz_hours), tz="UTC"),
        "start_time_local": pd.Timestamp(local), "timezone": f"UTC{tz_hours:+d}",
        "local_date": local.date(), "distance_m": km * 1000.0, "moving_time_s": minutes * 60,
        "elapsed_time_s": minutes * 60 + 30, "elevation_gain_m": gain,
        "avg_heart_rate_bpm": hr, "max_heart_rate_bpm": None, "perceived_exertion": rpe,
        "has_streams": False,
    }


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def sessions(*rows: dict[str, object]) -> pd.DataFrame:
    return session_frame(frame(*rows), None, {"Ann": MALE, "Ben": MALE})


def day_row(daily: pd.DataFrame, athlete: str, day: int) -> pd.Series:
    hit = daily[(daily["athlete"] == athlete) & (daily["local_date"] == D0 + dt.timedelta(day))]
    assert len(hit) == 1
    return hit.iloc[0]


# -- session frame -------------------------------------------------------------------------

def test_session_frame_units_srpe_and_run_flag() -> None:
    s = sessions(activity(0, 10, minutes=50, rpe=6), activity(1, 20, sport="Ride", minutes=40))
    assert s["is_run"].tolist() == [True, False]
    assert s["distance_km"].tolist() == [10.0, 20.0]
    assert s["duration_min"].tolist() == [50.0, 40.0]
    assert s["srpe_au"].iloc[0] == 300.0  # CR-10 6 x 50 min
    assert math.isnan(s["srpe_au"].iloc[1])  # no rating: nothing imputed
    assert all(name in s.columns and name in GLOSSARY for name in SESSION_COLUMNS)


def test_session_frame_estimates_from_summary_and_marks_them() -> None:
    s = sessions(activity(0, 10, minutes=60, hr=150, gain=200.0), activity(1, 8, minutes=40))
    first, second = s.iloc[0], s.iloc[1]
    # TRIMP from the average HR: the SCIENCE.md test vector with rest 50, max 190, male
    assert first["trimp_au"] == pytest.approx(108.0954, rel=1e-5)
    assert first["trimp_is_estimated"] and first["hrss_is_estimated"]
    assert math.isnan(second["trimp_au"]) and not second["trimp_is_estimated"]
    assert first["up_vert_m"] == 200.0 and first["up_vert_is_estimated"]
    # rTSS from the average speed: 10 km in 1 h = 2.778 m/s vs 4 m/s -> 100 * (2.778/4)^2
    assert first["rtss_au"] == pytest.approx(100 * (10000 / 3600 / 4.0) ** 2)
    # GAP estimate: gain 200 over 10 km -> g = 2 * 200 / 10000 = 4 % up half, 4 % down half
    g = 0.04
    up = 155.4 * g**5 - 30.4 * g**4 - 43.3 * g**3 + 46.3 * g**2 + 19.5 * g + 3.6
    down = -155.4 * g**5 - 30.4 * g**4 + 43.3 * g**3 + 46.3 * g**2 - 19.5 * g + 3.6
    assert first["gap_distance_m"] == pytest.approx(5000 * (up + down) / 3.6)
    assert second["gap_distance_m"] == pytest.approx(8000.0)  # no gain known: flat


def test_stream_metrics_win_over_estimates() -> None:
    stream = pd.DataFrame({"activity_id": [10], "trimp_au": [80.0], "up_vert_m": [150.0]})
    s = session_frame(frame(activity(1, 0, hr=150, gain=200.0, activity_id=10)), stream,
                      {"Ann": MALE})
    assert s["trimp_au"].iloc[0] == 80.0 and not s["trimp_is_estimated"].iloc[0]
    assert s["up_vert_m"].iloc[0] == 150.0 and not s["up_vert_is_estimated"].iloc[0]


def test_session_frame_names_missing_columns() -> None:
    with pytest.raises(FrameContractError, match=r"lacks sport_type.*Store.activities"):
        session_frame(frame(activity(0, 5)).drop(columns=["sport_type"]))


def test_session_frame_of_nothing_has_the_full_schema() -> None:
    empty = frame(activity(0, 5)).iloc[0:0]
    s = session_frame(empty)
    assert s.empty and set(SESSION_COLUMNS) <= set(s.columns)


# -- athlete settings ------------------------------------------------------------------------

def test_estimated_athlete_settings_defaults_and_percentiles() -> None:
    empty = estimate_athlete_settings(pd.DataFrame())
    assert (empty.max_hr_bpm, empty.rest_hr_bpm) == (190.0, 60.0)
    assert empty.threshold_hr_bpm == pytest.approx(60 + 0.85 * 130)
    assert empty.sex is None and "sex" in empty.estimated
    rows = [activity(i, 10, minutes=50) for i in range(10)]
    for i, row in enumerate(rows):
        row["max_heart_rate_bpm"] = 170.0 + i  # 170..179
    given = estimate_athlete_settings(frame(*rows), sex="F", rest_hr_bpm=45.0)
    assert given.max_hr_bpm == pytest.approx(np.percentile(np.arange(170.0, 180.0), 98))
    assert given.rest_hr_bpm == 45.0 and "rest_hr_bpm" not in given.estimated
    # ten 50-min runs at 10 km: 3.333 m/s is the 95th percentile of hour-like efforts
    assert given.threshold_speed_mps == pytest.approx(10000 / 3000)


def test_squad_settings_equal_one_athlete_at_a_time() -> None:
    """One grouped pass over a roster gives what each athlete's own estimate gives, with the
    values they entered; an athlete without activities gets the defaults."""
    ann = [activity(i, 10, minutes=50, athlete="Ann") for i in range(10)]
    for i, row in enumerate(ann):
        row["max_heart_rate_bpm"] = 170.0 + i
    bob = [activity(i, 6 + i % 3, minutes=30 + i, athlete="Bob") for i in range(12)]
    roster = frame(*ann, *bob)
    given = {"Ann": {"sex": "F", "rest_hr_bpm": 45.0}, "Bob": {"threshold_speed_mps": 3.1}}
    squad = estimate_squad_settings(roster, given, ["Ann", "Bob", "Cy"])
    assert squad["Ann"] == estimate_athlete_settings(frame(*ann), sex="F", rest_hr_bpm=45.0)
    assert squad["Bob"] == estimate_athlete_settings(frame(*bob), threshold_speed_mps=3.1)
    assert squad["Cy"] == estimate_athlete_settings(pd.DataFrame())
    with pytest.raises(SettingsError, match=r"athlete 'Bob': .*25 <= rest < max <= 250"):
        estimate_squad_settings(roster, {"Bob": {"max_hr_bpm": 150.0, "rest_hr_bpm": 160.0}})


def test_implausible_athlete_settings_are_refused_with_the_fix() -> None:
    with pytest.raises(SettingsError, match="25 <= rest < max <= 250"):
        AthleteSettings(max_hr_bpm=150, rest_hr_bpm=160)
    with pytest.raises(SettingsError, match="'M', 'F' or None"):
        AthleteSettings(sex="x")


# -- daily frame ----------------------------------------------------------------------------

def test_several_runs_a_day_are_summed_and_rest_days_are_zero() -> None:
    s = sessions(activity(0, 10, activity_id=1), activity(0, 5, minutes=30, activity_id=2),
                 activity(3, 8, activity_id=3))
    d = daily_frame(s)
    assert tuple(d.columns) == DAILY_COLUMNS
    assert d["local_date"].tolist() == [D0 + dt.timedelta(i) for i in range(4)]
    assert d["distance_km"].tolist() == [15.0, 0.0, 0.0, 8.0]
    assert d["duration_min"].tolist() == [90.0, 0.0, 0.0, 60.0]
    assert d["run_count"].tolist() == [2, 0, 0, 1]
    assert d["longest_run_km"].tolist() == [10.0, 0.0, 0.0, 8.0]
    assert d["load_status"].tolist() == ["ok", "rest", "rest", "ok"]


def test_other_sports_count_in_totals_only() -> None:
    s = sessions(activity(0, 10, minutes=60, rpe=5), activity(0, 30, sport="Ride", minutes=90,
                                                                 rpe=4))
    row = daily_frame(s).iloc[0]
    assert row["distance_km"] == 10.0 and row["run_count"] == 1 and row["session_count"] == 2
    assert row["srpe_au"] == 300.0  # running: 5 x 60
    assert row["total_duration_min"] == 150.0
    assert row["total_srpe_au"] == 300.0 + 360.0  # every sport: 5 x 60 + 4 x 90


def test_a_late_evening_run_counts_for_its_local_date() -> None:
    # 23:30 at UTC-5 is 04:30 UTC the next day; the run belongs to the local day
    late = activity(1, 12, local_time=dt.time(23, 30), tz_hours=-5)
    assert late["start_time_utc"].date() == D0 + dt.timedelta(2)
    d = daily_frame(sessions(activity(0, 5), late))
    assert d["distance_km"].tolist() == [5.0, 12.0]


def test_until_extends_with_rest_days_and_cuts_later_sessions() -> None:
    s = sessions(activity(0, 5), activity(2, 6), activity(9, 7))
    d = daily_frame(s, until=D0 + dt.timedelta(5))
    assert len(d) == 6 and d["distance_km"].sum() == 11.0
    assert d["load_status"].tolist()[-3:] == ["rest"] * 3
    assert daily_frame(s, until=D0 - dt.timedelta(1)).empty


def test_athletes_get_their_own_continuous_series() -> None:
    s = sessions(activity(0, 5), activity(2, 6), activity(1, 9, athlete="Ben"),
                 activity(4, 3, athlete="Ben"))
    d = daily_frame(s)
    assert d.groupby("athlete").size().to_dict() == {"Ann": 3, "Ben": 4}
    assert day_row(d, "Ben", 1)["distance_km"] == 9.0


def test_marked_days_are_missing_not_rest() -> None:
    s = sessions(activity(0, 5), activity(4, 6))
    marked = pd.DataFrame({"athlete": ["Ann", "Ann", "Ben"],
                           "local_date": [D0 + dt.timedelta(2), D0 + dt.timedelta(4), D0]})
    d = daily_frame(s, missing_days=marked)
    # day 4 has a recorded run, so it stays ok; Ben has no series at all
    assert d["load_status"].tolist() == ["ok", "rest", "missing", "rest", "ok"]
    assert d["distance_km"].tolist() == [5.0, 0.0, 0.0, 0.0, 6.0]
    with pytest.raises(FrameContractError, match="missing_days lacks local_date"):
        daily_frame(s, missing_days=marked.drop(columns=["local_date"]))


def test_a_day_with_some_runs_lacking_heart_rate() -> None:
    # day 0: one run with HR, one without -> TRIMP of the known run, 1 run without HR
    # day 1: only a run without HR -> TRIMP unknown (NaN); day 2: rest -> 0
    s = sessions(activity(0, 10, hr=150, activity_id=1), activity(0, 5, activity_id=2),
                 activity(1, 5, activity_id=3), activity(3, 5, hr=150, activity_id=4))
    d = daily_frame(s)
    assert d["trimp_au"].iloc[0] == pytest.approx(108.0954, rel=1e-5)
    assert d["hr_missing_run_count"].tolist() == [1, 1, 0, 0]
    assert math.isnan(d["trimp_au"].iloc[1])
    assert d["trimp_au"].iloc[2] == 0.0


def test_daily_frame_of_nothing_and_bad_input() -> None:
    empty = daily_frame(sessions(activity(0, 5)).iloc[0:0])
    assert empty.empty and tuple(empty.columns) == DAILY_COLUMNS
    with pytest.raises(FrameContractError, match=r"lacks is_run.*session_frame"):
        daily_frame(frame(activity(0, 5)))


def test_every_daily_column_is_in_the_glossary() -> None:
    assert [c for c in DAILY_COLUMNS if c not in GLOSSARY] == []


def test_repeated_index_labels_do_not_misalign_rows() -> None:
    rows = frame(activity(0, 10, activity_id=1), activity(1, 5, activity_id=2))
    rows.index = [3, 3]
    s = session_frame(rows, None, {"Ann": MALE})
    assert s.index.tolist() == [3, 3] and s["distance_km"].tolist() == [10.0, 5.0]

"""The vectorised rule helpers against values worked out by hand and against simple loops.

The rules judge every athlete at once (issue 3 item 8): windows by ``searchsorted`` on
(athlete, start), maxima from a sparse table, sums from running sums on the day grid, weekly
cadence baselines on a padded array. These tests pin each piece on small hand-made frames,
with two athletes interleaved so that a window leaking across athletes would show.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from risk.flags import compute_flags
from risk.overstride import EPOCH_MONDAY, _fit, weekly_baselines
from risk.rules.common import (
    daily_sorted,
    episode_starts,
    prior_window,
    range_max,
    run_sessions,
    streak_lengths,
    trailing,
)
from risk.rules.volume import session_spike_flags
from risk.settings import RiskSettings
from tests.risk.flag_helpers import daily_frame, sessions_frame


def test_range_max_by_hand() -> None:
    values = np.array([3.0, -1.0, 7.0, 2.0, 5.0, -np.inf, 4.0])
    lo = np.array([0, 0, 1, 3, 2, 5, 4])
    hi = np.array([0, 1, 3, 5, 7, 6, 6])
    # empty, [3], [-1, 7], [2, 5], [7, 2, 5, -inf, 4], [-inf], [5, -inf]
    assert range_max(values, lo, hi).tolist() == [-np.inf, 3.0, 7.0, 5.0, 7.0, -np.inf, 5.0]


def _two_athletes() -> pd.DataFrame:
    # Ana: 10 km on 1 March, 12 km on 11 March, 8 km on 31 March (10 km run exactly 30 days
    # earlier: outside the open window), two runs at the same instant on 2 April.
    # Ben (interleaved, same days): 30 km runs that Ana's windows must never see.
    rows = [
        {"date": "2025-03-01", "km": 10.0}, {"date": "2025-03-01", "km": 30.0, "athlete": "Ben"},
        {"date": "2025-03-11", "km": 12.0}, {"date": "2025-03-31", "km": 8.0},
        {"date": "2025-03-31", "km": 30.0, "athlete": "Ben"},
        {"date": "2025-04-02", "km": 5.0}, {"date": "2025-04-02", "km": 6.0},
    ]
    return sessions_frame(rows)


def test_prior_window_max_and_sum_by_hand() -> None:
    runs = run_sessions(_two_athletes())
    assert runs["athlete"].tolist() == ["Ana"] * 5 + ["Ben"] * 2
    longest = prior_window(runs, "run_km", 30, "max").tolist()
    total = prior_window(runs, "run_km", 30, "sum").tolist()
    # Ana 1 Mar: nothing before; 11 Mar: 10; 31 Mar: only 12 (1 Mar is exactly 30 d back);
    # 2 Apr 5 km and 6 km start together: both see 12 and 8, not each other.
    assert longest[:5] == [pytest.approx(np.nan, nan_ok=True), 10.0, 12.0, 12.0, 12.0]
    assert total[:5] == [pytest.approx(np.nan, nan_ok=True), 10.0, 12.0, 20.0, 20.0]
    # Ben: 1 Mar nothing, 31 Mar: his 1 Mar run is exactly 30 days back.
    assert np.isnan(longest[5]) and np.isnan(longest[6])


def test_prior_window_skips_unknown_values() -> None:
    runs = run_sessions(_two_athletes())
    runs.loc[1, "run_km"] = np.nan  # Ana's 12 km unknown
    longest = prior_window(runs, "run_km", 30, "max").tolist()
    assert np.isnan(longest[2])  # only the unknown run in the window
    assert longest[3] == 8.0


def test_trailing_sums_on_the_day_grid_and_across_gaps() -> None:
    frame = daily_sorted(pd.DataFrame({
        "athlete": ["Ben", "Ana", "Ana", "Ana", "Ben", "Ana"],
        "local_date": [dt.date(2025, 1, d) for d in (1, 1, 2, 3, 2, 4)],
        "value": [100.0, 1.0, 2.0, np.nan, 200.0, 4.0],
    }))
    assert trailing(frame, "value", 2).tolist() == [1.0, 3.0, 2.0, 4.0, 100.0, 300.0]
    # A daily frame with a hole (not the contract, still answered by calendar days).
    holes = daily_sorted(pd.DataFrame({
        "athlete": ["Ana", "Ana", "Ana"],
        "local_date": [dt.date(2025, 1, 1), dt.date(2025, 1, 2), dt.date(2025, 1, 5)],
        "value": [1.0, 2.0, 5.0]}))
    assert trailing(holes, "value", 3).tolist() == [1.0, 3.0, 5.0]
    only_unknown = daily_sorted(pd.DataFrame({
        "athlete": ["Ana", "Ana"], "local_date": [dt.date(2025, 1, 1), dt.date(2025, 1, 2)],
        "value": [np.nan, 1.0]}))
    result = trailing(only_unknown, "value", 1).tolist()
    assert np.isnan(result[0]) and result[1] == 1.0


def test_streaks_and_episodes_restart_for_each_athlete() -> None:
    frame = daily_sorted(pd.DataFrame({
        "athlete": ["Ana"] * 4 + ["Ben"] * 3,
        "local_date": [dt.date(2025, 1, d) for d in (1, 2, 3, 4, 1, 2, 3)]}))
    condition = pd.Series([True, True, False, True, True, True, True])
    assert streak_lengths(frame, condition).tolist() == [1, 2, 0, 1, 1, 2, 3]
    # Ana's last day holds and so does Ben's first: Ben's is still a new episode.
    assert episode_starts(frame, condition).tolist() == [True, False, False, True, True,
                                                         False, False]


def test_session_spikes_of_interleaved_athletes_by_hand() -> None:
    flags = session_spike_flags(_two_athletes(), RiskSettings())
    # Ana's 12 km after 10 km: +20 % (small band, low); her 5 + 6 km on 2 April stay under
    # 12 km. Ben's second 30 km run comes exactly 30 days after his first: outside the open
    # window, so a return after a break (Ana's runs in between do not count for him).
    spikes = sorted((f.athlete, f.local_date.isoformat(), f.category, f.severity, f.value)
                    for f in flags)
    assert spikes == [("Ana", "2025-03-11", "small", "low", 20.0),
                      ("Ben", "2025-03-31", "return_after_break", "low", None)]


def test_compute_flags_does_not_depend_on_row_order() -> None:
    rows = [{"date": (dt.date(2025, 1, 6) + dt.timedelta(days=d)).isoformat(),
             "km": 5.0 + (d % 7) + (8.0 if d in (40, 41) else 0.0), "athlete": name}
            for d in range(0, 70) for name in ("Ana", "Ben") if d % 7 != 3]
    sessions = sessions_frame(rows)
    daily = daily_frame(sessions)
    expected = compute_flags(sessions, daily)
    assert {f.kind for f in expected} >= {"session_spike", "weekly_spike"}
    shuffled = compute_flags(sessions.sample(frac=1.0, random_state=3),
                             daily.sample(frac=1.0, random_state=4))
    assert [(f.athlete, f.local_date, f.kind, f.category, f.value, f.message)
            for f in shuffled] == [(f.athlete, f.local_date, f.kind, f.category, f.value,
                                    f.message) for f in expected]


def _loop_baselines(windows: pd.DataFrame, settings: RiskSettings) -> np.ndarray:
    """The per-athlete, per-week loop the vectorised baselines replace (the former code)."""
    out = np.full((len(windows), 3), np.nan)
    for _, own in windows.groupby("athlete_code", sort=False):
        days = (own["day_ts"] - EPOCH_MONDAY).dt.days.to_numpy()
        activity = own["activity_id"].to_numpy()
        speed, cadence, duration = (own[c].to_numpy(dtype=float)
                                    for c in ("speed_mps", "cadence_spm", "duration_s"))
        span = int(settings.overstride_baseline_days)
        rows = own.index.to_numpy()
        for week in np.unique(days - days % 7):
            lo, hi = np.searchsorted(days, [week - span, week])
            if duration[lo:hi].sum() / 60.0 < settings.overstride_min_baseline_windows:
                continue
            count = len(np.unique(activity[lo:hi]))
            if count < settings.overstride_min_baseline_sessions or np.ptp(speed[lo:hi]) <= 0:
                continue
            line = _fit(speed[lo:hi], cadence[lo:hi], duration[lo:hi], count)
            stop = np.searchsorted(days, week + 7)
            out[rows[hi:stop]] = (line.intercept_spm, line.slope_spm_per_mps, line.windows)
    return out


def test_weekly_baselines_equal_the_per_week_loop() -> None:
    rng = np.random.default_rng(11)
    parts = []
    for code in range(3):
        days = np.sort(rng.choice(np.arange(200), size=90, replace=False))
        windows_per_run = rng.integers(1, 4, size=len(days))
        day = np.repeat(days, windows_per_run)
        speed = rng.uniform(2.4, 4.2, len(day)).round(2)
        cadence = 150 + 8 * speed + rng.normal(0, 2, len(day))
        cadence[rng.random(len(day)) < 0.05] -= 25  # odd windows for the robust trim
        parts.append(pd.DataFrame({
            "athlete_code": code, "day_ts": pd.Timestamp("2025-01-06")
            + pd.to_timedelta(day, unit="D"),
            "activity_id": code * 1000 + np.repeat(np.arange(len(days)), windows_per_run),
            "speed_mps": speed, "cadence_spm": cadence,
            "duration_s": rng.choice([60.0, 120.0, 300.0], len(day))}))
    windows = pd.concat(parts, ignore_index=True)
    settings = RiskSettings()
    expected = _loop_baselines(windows, settings)
    result = weekly_baselines(windows, settings)
    assert np.isfinite(expected[:, 0]).sum() > 100
    np.testing.assert_array_equal(np.isnan(result), np.isnan(expected))
    np.testing.assert_allclose(result, expected, rtol=0, atol=1e-9)


def test_blocks_of_athletes_give_the_same_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"date": (dt.date(2025, 1, 6) + dt.timedelta(days=d)).isoformat(),
             "km": 4.0 + (d % 5) + (9.0 if d == 30 + index else 0.0), "athlete": name}
            for d in range(0, 60) for index, name in enumerate(("Ana", "Ben", "Cy"))
            if d % 6 != index]
    sessions = sessions_frame(rows)
    daily = daily_frame(sessions)
    overrides = {"Ben": {"session_small_pct": 20}}
    whole = compute_flags(sessions, daily, overrides=overrides)
    assert {f.athlete for f in whole} == {"Ana", "Ben", "Cy"}
    monkeypatch.setattr("risk.flags.BLOCK_ATHLETES", 1)
    blocked = compute_flags(sessions, daily, overrides=overrides)
    assert [(f.athlete, f.local_date, f.kind, f.value, f.message, f.details)
            for f in blocked] == [(f.athlete, f.local_date, f.kind, f.value, f.message,
                                   f.details) for f in whole]

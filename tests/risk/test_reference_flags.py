"""The vectorised load flags agree with the deliberately simple per-day loop (risk.reference_flags).

Squads come from the demo simulator (doubles, rides, rest days, breaks, unrecorded sessions,
planted spikes) with days marked trained-but-not-recorded, logged injuries and per-athlete
overrides added here, plus random frames without start times or stream metrics. Both sides
must find the same flags (athlete, day, kind, severity, category, run) with value and
threshold equal to 1e-9.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest

from etl.demo.simulate import Squad, SquadConfig, activities_frame, simulate_squad
from risk.context import context_metrics
from risk.daily import daily_frame
from risk.flag import Flag
from risk.flags import LOAD_KINDS, compute_flags
from risk.reference_flags import ReferenceFlag, reference_flags
from risk.sessions import session_frame
from tests.risk.test_reference_agreement import random_squad

END = dt.date(2025, 6, 30)
Key = tuple[str, dt.date, str, str, str, int | None]


def squad_of(seed: int, athletes: int = 8, years: float = 1.5) -> Squad:
    return simulate_squad(SquadConfig(end_date=END, athletes=athletes, years=years, seed=seed,
                                      with_streams=False))


def with_gaps(squad: Squad, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The squad's activities with gaps, and the days marked trained-but-not-recorded.

    Marked: the days of the simulator's unrecorded sessions, and per athlete a 5-day stretch
    whose activities are dropped. Every other athlete also takes a 35-day break (dropped, not
    marked), so that returns after a break and unusually few recorded days occur.
    """
    rng = np.random.default_rng(seed)
    activities = activities_frame(squad)
    names = [a.name for a in squad.athletes]
    unrecorded = ~squad.recorded
    marked = [{"athlete": names[a], "local_date": day.date()}
              for a, day in zip(squad.params.athlete[unrecorded],
                                squad.start_time_local[unrecorded], strict=True)]
    drop = pd.Series(False, index=activities.index)
    start = squad.config.start_date
    for number, name in enumerate(names):
        first = start + dt.timedelta(days=int(rng.integers(120, squad.config.days - 10)))
        stretch = [first + dt.timedelta(days=k) for k in range(5)]
        marked += [{"athlete": name, "local_date": day} for day in stretch]
        drop |= (activities["athlete"] == name) & activities["local_date"].isin(stretch)
        if number % 2:
            begin = start + dt.timedelta(days=int(rng.integers(150, squad.config.days - 60)))
            away = [begin + dt.timedelta(days=k) for k in range(35)]
            drop |= (activities["athlete"] == name) & activities["local_date"].isin(away)
    return activities[~drop].reset_index(drop=True), pd.DataFrame(marked)


def logged_injuries(squad: Squad, seed: int) -> pd.DataFrame:
    """Two injuries per athlete, some without a resolution date."""
    rng = np.random.default_rng(seed + 100)
    rows: list[dict[str, Any]] = []
    for athlete in squad.athletes:
        for _ in range(2):
            onset = squad.config.start_date + dt.timedelta(
                days=int(rng.integers(30, squad.config.days - 30)))
            resolved = (None if rng.random() < 0.3
                        else onset + dt.timedelta(days=int(rng.integers(0, 40))))
            rows.append({"athlete": athlete.name, "onset_date": onset,
                         "resolved_date": resolved})
    return pd.DataFrame(rows)


def overrides_for(squad: Squad) -> dict[str, dict[str, Any]]:
    first, second = squad.athletes[0].name, squad.athletes[1].name
    return {
        "*": {"weekly_spike_pct": 40},
        first: {"session_small_pct": 15, "monotony_max": 1.8, "hill_session_min_m": 50,
                "acwr_high": 1.6, "no_rest_days": 7},
        second: {"session_small_pct": {"value": 5, "by": "coach Jo", "reason": "rehab"},
                 "hard_rpe": 6, "consecutive_hard_days": 3, "data_gap_missing_days": 2,
                 "overstride_deficit_pct": -3, "strain_percentile": 80},
    }


def key(flag: Flag | ReferenceFlag) -> Key:
    return (flag.athlete, flag.local_date, flag.kind, flag.severity, flag.category,
            flag.activity_id)


def both_sides(activities: pd.DataFrame, **options: Any
               ) -> tuple[dict[Key, Flag], dict[Key, ReferenceFlag]]:
    """The flags of compute_flags and of the reference loop, by identity."""
    missing = options.get("missing_days")
    sessions = session_frame(activities)
    daily = context_metrics(daily_frame(sessions, missing_days=missing))
    fast = compute_flags(sessions, daily, None, None, options.get("overrides"),
                         injuries=options.get("injuries"), windows=options.get("windows"))
    slow = reference_flags(sessions, None, options.get("overrides"), missing_days=missing,
                           injuries=options.get("injuries"), windows=options.get("windows"))
    by_fast = {key(f): f for f in fast}
    by_slow = {key(f): f for f in slow}
    assert len(by_fast) == len(fast) and len(by_slow) == len(slow)
    return by_fast, by_slow


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def assert_same_records(fast: dict[Key, Flag], slow: dict[Key, ReferenceFlag]) -> None:
    only_fast = sorted(set(fast) - set(slow), key=str)
    only_slow = sorted(set(slow) - set(fast), key=str)
    assert (only_fast, only_slow) == ([], [])


def value_mismatches(fast: dict[Key, Flag], slow: dict[Key, ReferenceFlag]
                     ) -> list[tuple[Key, Any, Any, Any, Any]]:
    return [(k, fast[k].value, slow[k].value, fast[k].threshold, slow[k].threshold)
            for k in sorted(set(fast) & set(slow), key=str)
            if not (same(fast[k].value, slow[k].value)
                    and same(fast[k].threshold, slow[k].threshold))]


@functools.cache
def simulated_case(seed: int) -> tuple[dict[Key, Flag], dict[Key, ReferenceFlag]]:
    """Both sides on a simulated squad with gaps, injuries and overrides."""
    squad = squad_of(seed)
    activities, missing = with_gaps(squad, seed)
    return both_sides(activities, missing_days=missing, injuries=logged_injuries(squad, seed),
                      overrides=overrides_for(squad))


SEEDS = (1, 2, 3, 4)


@pytest.fixture(params=SEEDS)
def simulated(request: pytest.FixtureRequest
              ) -> tuple[int, dict[Key, Flag], dict[Key, ReferenceFlag]]:
    return int(request.param), *simulated_case(int(request.param))


def test_simulated_squads_give_the_same_flags(
        simulated: tuple[int, dict[Key, Flag], dict[Key, ReferenceFlag]]) -> None:
    _, fast, slow = simulated
    assert len(fast) > 200
    assert_same_records(fast, slow)


def test_simulated_squads_give_the_same_values(
        simulated: tuple[int, dict[Key, Flag], dict[Key, ReferenceFlag]]) -> None:
    _, fast, slow = simulated
    assert value_mismatches(fast, slow) == []


def test_the_squads_exercise_every_rule() -> None:
    """Across the simulated squads every kind and almost every category fires."""
    seen = Counter((k[2], k[4]) for seed in SEEDS for k in simulated_case(seed)[0])
    assert {kind for kind, _ in seen} == set(LOAD_KINDS)
    assert {("data_gap", "missing_days"), ("data_gap", "few_recorded_days"),
            ("session_spike", "same_day_sum"), ("session_spike", "return_after_break"),
            ("hill_spike", "first_steep"), ("monotony_high", "strain"),
            ("poor_recovery", "no_rest"), ("poor_recovery", "back_to_back_hard")} <= set(seen)


def test_injuries_suppress_acwr_flags_on_both_sides() -> None:
    squad = squad_of(2, athletes=4)
    activities = activities_frame(squad)
    plain, plain_slow = both_sides(activities)
    suppressed, suppressed_slow = both_sides(activities, injuries=logged_injuries(squad, 2))
    assert_same_records(plain, plain_slow)
    assert_same_records(suppressed, suppressed_slow)

    def acwr(flags: dict[Key, Flag]) -> int:
        return sum(k[2] in ("acwr_high", "acwr_low") for k in flags)

    assert acwr(suppressed) < acwr(plain)


def steady_streak(athlete: str = "Streak", days: int = 60) -> pd.DataFrame:
    """A runner with an irregular month, then 8 km every day except one 40-km day: the week
    after the long run has identical loads (monotony at the cap, no variation) and no rest."""
    rng = np.random.default_rng(3)
    rows = []
    for day in range(days):
        km = (8.0 if day >= days - 16 else float(rng.choice([0.0, 5.0, 6.5, 12.0])))
        km = 40.0 if day == days - 9 else km
        if km:
            rows.append({"activity_id": 900_000 + day, "athlete": athlete, "sport_type": "Run",
                         "local_date": dt.date(2023, 3, 1) + dt.timedelta(days=day),
                         "distance_m": km * 1000, "moving_time_s": km * 330.0,
                         "avg_heart_rate_bpm": 150.0, "perceived_exertion": None})
    return pd.DataFrame(rows)


@functools.cache
def random_case(seed: int) -> tuple[dict[Key, Flag], dict[Key, ReferenceFlag]]:
    activities = pd.concat([random_squad(seed, athletes=8, days=200), steady_streak()],
                           ignore_index=True)
    return both_sides(activities)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_frames_give_the_same_flags(seed: int) -> None:
    """Own random squads (doubles, treadmill and trail runs, rides, breaks, missing heart
    rate, no start times, no stream metrics) plus a runner with a week of identical runs."""
    fast, slow = random_case(seed)
    assert len(fast) > 100
    assert {("monotony_high", "no_variation"), ("poor_recovery", "no_rest"),
            ("session_spike", "return_after_break")} <= {(k[2], k[4]) for k in fast}
    assert_same_records(fast, slow)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_frames_give_the_same_values(seed: int) -> None:
    fast, slow = random_case(seed)
    assert value_mismatches(fast, slow) == []


def one_runner(rows: list[tuple[int, float, float, str]]) -> pd.DataFrame:
    """Activities of one runner from ``(day, km, seconds above +10 %, sport)``; no start
    times (each session starts at its local midnight)."""
    return pd.DataFrame([
        {"activity_id": number, "athlete": "Ana", "sport_type": sport,
         "local_date": dt.date(2024, 1, 1) + dt.timedelta(days=day), "distance_m": km * 1000,
         "moving_time_s": km * 330.0, "time_up_10pct_s": steep}
        for number, (day, km, steep, sport) in enumerate(rows, start=1)])


def test_a_double_on_the_first_day_is_no_return() -> None:
    activities = one_runner([(0, 5.0, 0.0, "Run"), (0, 6.0, 0.0, "Run")]
                            + [(day, 6.0, 0.0, "Run") for day in range(2, 30, 2)])
    fast, slow = both_sides(activities)
    assert not any(k[4] == "return_after_break" for k in slow)
    assert_same_records(fast, slow)


def test_weekly_change_is_rounded_from_exact_sums() -> None:
    """8.387985526390546 km, then 16.63353421018124 km a week later: +98.3018945115 %, which
    rounds to 98.301895 (as the session spike of the same two runs reads)."""
    activities = one_runner([(0, 8.387985526390546, 0.0, "Run"),
                             (7, 16.63353421018124, 0.0, "Run"), (13, 20.0, 0.0, "Ride")])
    fast, slow = both_sides(activities)
    assert_same_records(fast, slow)
    assert [slow[k].value for k in slow] == [98.301895, 98.301895]
    assert value_mismatches(fast, slow) == []


def test_first_steep_exposure_after_a_break() -> None:
    activities = one_runner([(day, 8.0, 0.0, "Run") for day in range(0, 60, 2)]
                            + [(95, 8.0, 120.0, "Run")])
    fast, slow = both_sides(activities)
    assert [k[4] for k in slow if k[2] == "hill_spike"] == ["first_steep"]
    assert_same_records(fast, slow)


def split_windows(activities: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Flat steady windows: each run's summary split into 2-8 windows around its speed."""
    rng = np.random.default_rng(seed)
    rows = []
    for row in activities.to_dict(orient="records"):
        seconds = row.get("flat_steady_time_s")
        if not seconds or not np.isfinite(seconds) or seconds <= 0:
            continue
        count = int(rng.integers(2, 9))
        for share in rng.dirichlet(np.ones(count)):
            change = rng.normal(0.0, 0.15)
            rows.append({"activity_id": row["activity_id"],
                         "speed_mps": row["flat_steady_speed_mps"] + change,
                         "cadence_spm": row["flat_steady_cadence_spm"] + 4.0 * change
                         + rng.normal(0.0, 1.5),
                         "duration_s": max(60.0, float(seconds) * share)})
    return pd.DataFrame(rows)


def test_explicit_flat_steady_windows() -> None:
    """The overstride proxy on several windows per run (median of the run's residuals)."""
    activities = activities_frame(squad_of(5, athletes=8, years=1.5))
    fast, slow = both_sides(activities, windows=split_windows(activities, 5))
    assert sum(k[2] == "overstride" for k in fast) > 5
    assert_same_records(fast, slow)
    assert value_mismatches(fast, slow) == []

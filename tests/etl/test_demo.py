"""The demo squad simulator: determinism, structure, clean runners, planted patterns, streams.

Rule checks are deliberately simple loops over the simulated activities (not the risk
engine), written from the definitions in SCIENCE.md sections 2.1, 2.2, 3.2, 4.2, 5.1 and 6.3.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from etl.demo import sessions as S
from etl.demo.build import build_demo_store, ensure_demo_store
from etl.demo.profiles import LEVELS, PLANTED
from etl.demo.simulate import DEVICE, Squad, SquadConfig, activities_frame, simulate_squad
from etl.errors import ConfigurationError
from loadwatch import columns as C

END = dt.date(2026, 6, 30)
RUNS = ("Run", "TrailRun", "VirtualRun")


@pytest.fixture(scope="module")
def squad() -> Squad:
    return simulate_squad(SquadConfig(end_date=END, with_streams=False))


@pytest.fixture(scope="module")
def frame(squad: Squad) -> pd.DataFrame:
    return activities_frame(squad)


def _runs(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    runs = frame[(frame["athlete"] == name) & frame["sport_type"].isin(RUNS)]
    return runs.sort_values("start_time_utc").reset_index(drop=True)


def _daily(runs: pd.DataFrame, column: str, start: dt.date, end: dt.date) -> list[float]:
    """Per calendar day from ``start`` to ``end``: the sum of ``column`` over the runs."""
    days = [0.0] * ((end - start).days + 1)
    for day, value in zip(runs["local_date"], runs[column], strict=True):
        days[(day - start).days] += 0.0 if np.isnan(value) else float(value)
    return days


def _first_day(runs: pd.DataFrame, start: dt.date) -> int:
    """Index of the athlete's first run: the risk rules count history from there."""
    return (min(runs["local_date"]) - start).days


def _clean_names(squad: Squad) -> list[str]:
    return [a.name for a in squad.athletes if not a.planted]


# -- configuration and determinism ---------------------------------------------------------

def test_same_seed_same_data_and_other_seed_other_data() -> None:
    config = SquadConfig(end_date=END, athletes=3, years=0.5, with_streams=False)
    first, again = simulate_squad(config), simulate_squad(config)
    pd.testing.assert_frame_equal(activities_frame(first), activities_frame(again))
    assert [a.events for a in first.athletes] == [a.events for a in again.athletes]
    other = simulate_squad(SquadConfig(end_date=END, athletes=3, years=0.5, seed=8,
                                       with_streams=False))
    assert not activities_frame(other)["distance_m"].equals(activities_frame(first)["distance_m"])


def test_streams_are_deterministic() -> None:
    config = SquadConfig(end_date=END, athletes=1, years=0.1)
    one = next(simulate_squad(config).iter_activities())[1].streams
    two = next(simulate_squad(config).iter_activities())[1].streams
    pd.testing.assert_frame_equal(one, two)


def test_a_smaller_squad_is_the_start_of_a_larger_one(squad: Squad, frame: pd.DataFrame) -> None:
    small = activities_frame(simulate_squad(SquadConfig(end_date=END, athletes=4,
                                                        with_streams=False)))
    names = {a.name for a in squad.athletes[:4]}
    large = frame[frame["athlete"].isin(names)].drop(columns="activity_id")
    pd.testing.assert_frame_equal(small.drop(columns="activity_id").reset_index(drop=True),
                                  large.reset_index(drop=True))


@pytest.mark.parametrize(("changes", "message"), [
    ({"athletes": 0}, "at least 1 athlete"),
    ({"years": 0.05}, "at least 28 days"),
    ({"stream_interval_s": 2.0}, "use 1 or 5"),
])
def test_bad_configuration_is_named(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        SquadConfig(end_date=END, **changes)  # type: ignore[arg-type]


# -- structure -------------------------------------------------------------------------------

def test_squad_shape_and_dates(squad: Squad, frame: pd.DataFrame) -> None:
    assert len(squad.athletes) == 24
    assert {a.profile for a in squad.athletes} == set(LEVELS)
    assert {a.sex for a in squad.athletes} == {"F", "M"}
    assert sum(1 for a in squad.athletes if not a.planted) == 8
    assert squad.config.days == 730
    assert squad.config.start_date == END - dt.timedelta(days=729)
    assert frame["local_date"].min() >= squad.config.start_date
    assert frame["local_date"].max() == END
    assert (frame["local_date"].max() - frame["local_date"].min()).days >= 720
    assert frame["start_time_utc"].is_monotonic_increasing
    assert frame["source_id"].is_unique
    assert set(frame["sport_type"]) >= {"Run", "TrailRun", "Ride", "Walk", "WeightTraining"}


def test_every_runner_has_rest_days_and_plausible_volume(squad: Squad, frame: pd.DataFrame
                                                         ) -> None:
    start, end = squad.config.start_date, END
    for athlete in squad.athletes:
        runs = _runs(frame, athlete.name)
        daily = _daily(runs, "distance_m", start, end)
        rest_share = sum(1 for d in daily if d == 0) / len(daily)
        assert rest_share >= 0.1, athlete.name
        weekly_km = sum(daily) / 1000 / (len(daily) / 7)
        low, high = {"beginner": (5, 30), "recreational": (15, 45), "intermediate": (25, 75),
                     "advanced": (30, 100), "sub_elite": (50, 140)}[athlete.profile]
        assert low <= weekly_km <= high, (athlete.name, weekly_km)


def test_races_with_tapers(squad: Squad, frame: pd.DataFrame) -> None:
    lighter = total = 0
    for athlete in squad.athletes:
        runs = _runs(frame, athlete.name)
        daily = _daily(runs, "distance_m", squad.config.start_date, END)
        for race in athlete.events_of("race"):
            day = (race.start - squad.config.start_date).days
            assert any(runs["local_date"] == race.start), (athlete.name, race)
            if day < 42:
                continue
            total += 1
            week_before = sum(daily[day - 7:day])
            usual = sum(daily[day - 42:day - 14]) / 4
            lighter += week_before < 0.9 * usual
    assert total >= 20
    assert lighter / total >= 0.8


def test_illness_breaks_have_no_sessions(squad: Squad) -> None:
    truth = squad.sessions_frame()
    episodes = 0
    for athlete in squad.athletes:
        for illness in athlete.events_of("illness"):
            episodes += 1
            mine = truth[(truth["athlete"] == athlete.name)
                         & (truth["local_date"] >= illness.start)
                         & (truth["local_date"] <= illness.end)]
            assert mine.empty, (athlete.name, illness)
    assert episodes >= 5


def test_unrecorded_runs_are_kept_as_ground_truth(squad: Squad, frame: pd.DataFrame) -> None:
    unrecorded = squad.unrecorded()
    assert len(unrecorded) > 50
    assert len(frame) + len(unrecorded) == len(squad.sessions_frame())
    keys = set(zip(frame["athlete"], frame["local_date"], strict=True))
    gap_runner = next(a for a in squad.athletes if a.role == "data_gap")
    gap = gap_runner.events_of("data_gap")[0]
    assert (gap.end - gap.start).days >= 35
    hidden = unrecorded[(unrecorded["athlete"] == gap_runner.name)
                        & (unrecorded["local_date"] >= gap.start)
                        & (unrecorded["local_date"] <= gap.end)]
    assert len(hidden) >= 12
    day = gap.start
    while day <= gap.end:
        assert (gap_runner.name, day) not in keys
        day += dt.timedelta(days=1)


def test_rpe_heart_rate_and_cadence_coverage(frame: pd.DataFrame) -> None:
    runs = frame[frame["sport_type"].isin(RUNS)]
    assert 0.1 < runs["perceived_exertion"].notna().mean() < 0.9
    assert runs["perceived_exertion"].dropna().between(0, 10).all()
    assert 0.8 < runs["avg_heart_rate_bpm"].notna().mean() < 1.0
    assert runs["avg_cadence_spm"].between(140, 215).all()
    rides = frame[frame["sport_type"] == "Ride"]
    assert rides["avg_cadence_spm"].isna().all()


def test_synthetic_labelling(squad: Squad) -> None:
    for athlete in squad.athletes:
        assert "synthetic" in athlete.name and athlete.name.startswith("Sim Runner")
    config = SquadConfig(end_date=END, athletes=2, years=0.1)
    for _, parsed in simulate_squad(config).iter_activities():
        record = parsed.record
        assert record.source == "file"
        assert record.device == DEVICE == "loadwatch simulator"
        assert record.extra == {"synthetic": True}
        assert record.name is not None and record.name.endswith("(synthetic)")


def test_stories_on_three_distinct_runners(squad: Squad) -> None:
    stories = {a.story: a for a in squad.athletes if a.story}
    assert set(stories) == {"tendon", "bone_stress", "nerve"}
    assert len({a.name for a in stories.values()}) == 3
    assert stories["tendon"].block("hill_block") is not None
    assert stories["tendon"].block("speed_block") is not None
    assert stories["bone_stress"].events_of("session_spike_large")


def test_frame_columns_are_in_the_glossary(frame: pd.DataFrame) -> None:
    assert C.undefined(list(frame.columns)) == []


# -- clean runners respect the spike definitions ---------------------------------------------

def test_clean_runners_never_spike_a_session(squad: Squad, frame: pd.DataFrame) -> None:
    """SCIENCE.md 2.2: no run (nor a day's runs) above 1.10 x the prior 30-day longest."""
    for name in _clean_names(squad):
        runs = _runs(frame, name)
        starts = (runs["start_time_utc"].astype("int64") // 10**9).tolist()
        distances = runs["distance_m"].tolist()
        day_totals: dict[dt.date, float] = defaultdict(float)
        for day, distance in zip(runs["local_date"], distances, strict=True):
            day_totals[day] += distance
        for i in range(1, len(starts)):
            longest, j = 0.0, i - 1
            while j >= 0 and starts[i] - starts[j] < 30 * 86400:
                longest = max(longest, distances[j])
                j -= 1
            if longest == 0:
                continue
            assert distances[i] <= 1.10 * longest, (name, starts[i], distances[i], longest)
            assert day_totals[runs["local_date"][i]] <= 1.10 * longest, (name, starts[i])


def test_clean_runners_never_jump_a_week(squad: Squad, frame: pd.DataFrame) -> None:
    """SCIENCE.md 2.1: the 7-day distance stays below 1.20 x the 7 days before."""
    for name in _clean_names(squad):
        runs = _runs(frame, name)
        daily = _daily(runs, "distance_m", squad.config.start_date, END)
        for t in range(_first_day(runs, squad.config.start_date) + 13, len(daily)):
            week, previous = sum(daily[t - 6:t + 1]), sum(daily[t - 13:t - 6])
            if previous > 0:
                assert week < 1.20 * previous, (name, t, week, previous)


def test_clean_runners_have_no_hill_or_steep_spikes(squad: Squad, frame: pd.DataFrame) -> None:
    """SCIENCE.md 4.2: sessions below 100 m up, weekly rule not met, never above +10 %."""
    for name in _clean_names(squad):
        runs = _runs(frame, name)
        assert (runs["up_vert_m"] < 100).all(), name
        assert (runs["time_up_10pct_s"] == 0).all(), name
        daily = _daily(runs, "up_vert_m", squad.config.start_date, END)
        for t in range(_first_day(runs, squad.config.start_date) + 27, len(daily)):
            week = sum(daily[t - 6:t + 1])
            base = sum(daily[t - 27:t - 6]) / 3
            assert not (week > 1.3 * base and week - base >= 150), (name, t, week, base)


def test_clean_runners_have_no_intensity_or_recovery_spikes(squad: Squad, frame: pd.DataFrame
                                                           ) -> None:
    """SCIENCE.md 5.1 and 9: time above threshold within 1.3 x the 3 weeks before; never two
    hard days in a row, at most 3 in any 7 days, a rest day at least every 10 days."""
    for name in _clean_names(squad):
        runs = _runs(frame, name)
        start = squad.config.start_date
        daily = _daily(runs, "time_above_threshold_s", start, END)
        for t in range(_first_day(runs, start) + 27, len(daily)):
            week = sum(daily[t - 6:t + 1])
            base = sum(daily[t - 27:t - 6]) / 3
            assert week <= 1.3 * base or week == 0, (name, t, week, base)
        median = float(runs["distance_m"].median())
        hard_days = set()
        for day, above, rpe, distance in zip(runs["local_date"], runs["time_above_threshold_s"],
                                             runs["perceived_exertion"], runs["distance_m"],
                                             strict=True):
            if above >= 600 or rpe >= 7 or distance >= 1.5 * median:
                hard_days.add((day - start).days)
        assert not any(d + 1 in hard_days for d in hard_days), name
        for t in range(len(daily)):
            assert sum(1 for d in range(t - 6, t + 1) if d in hard_days) <= 3, (name, t)
        distance = _daily(runs, "distance_m", start, END)
        streak = 0
        for value in distance:
            streak = streak + 1 if value > 0 else 0
            assert streak < 10, name


def test_clean_runners_are_not_monotonous(squad: Squad, frame: pd.DataFrame) -> None:
    """SCIENCE.md 3.2: Foster monotony (mean / SD of 7 daily loads, SD with ddof 0) <= 2."""
    for name in _clean_names(squad):
        daily = _daily(_runs(frame, name), "distance_m", squad.config.start_date, END)
        for t in range(6, len(daily)):
            week = daily[t - 6:t + 1]
            if sum(1 for d in week if d > 0) < 4:
                continue
            assert np.mean(week) / np.std(week) <= 2.0, (name, t)


# -- planted runners contain their patterns -------------------------------------------------

def _runner(squad: Squad, role: str) -> str:
    return next(a.name for a in squad.athletes if a.role == role)


def test_roles_plant_every_load_flag_kind(squad: Squad) -> None:
    planted = set().union(*(a.planted for a in squad.athletes))
    assert planted == {"session_spike", "weekly_spike", "hill_spike", "intensity_spike",
                       "poor_recovery", "monotony_high", "overstride", "acwr_high", "acwr_low",
                       "data_gap"}
    assert all(a.planted == PLANTED[a.role] for a in squad.athletes)


def test_session_spikes_are_moderate_and_large(squad: Squad, frame: pd.DataFrame) -> None:
    runs = _runs(frame, _runner(squad, "session_spike"))
    ratios = []
    for i in range(len(runs)):
        start = runs["start_time_utc"][i]
        prior = runs[(runs["start_time_utc"] > start - pd.Timedelta(days=30))
                     & (runs["start_time_utc"] < start)]
        if len(prior):
            ratios.append(runs["distance_m"][i] / prior["distance_m"].max())
    assert any(1.3 < r <= 2.0 for r in ratios)
    assert any(r > 2.0 for r in ratios)


def _weekly_ratios(daily: list[float]) -> list[tuple[float, float]]:
    """(W_t / W_prev, W_t / mean weekly of the 21 days before the week) per day."""
    out = []
    for t in range(27, len(daily)):
        week = sum(daily[t - 6:t + 1])
        previous = sum(daily[t - 13:t - 6])
        chronic = sum(daily[t - 27:t - 6]) / 3
        out.append((week / previous if previous else np.inf,
                    week / chronic if chronic else np.inf))
    return out


def test_training_camp_jumps_the_week_and_the_acwr(squad: Squad, frame: pd.DataFrame) -> None:
    daily = _daily(_runs(frame, _runner(squad, "weekly_camp")), "distance_m",
                   squad.config.start_date, END)
    assert any(w > 1.3 and a >= 1.8 for w, a in _weekly_ratios(daily) if np.isfinite(w))


def test_illness_return_gives_low_acwr_and_a_jump(squad: Squad, frame: pd.DataFrame) -> None:
    daily = _daily(_runs(frame, _runner(squad, "illness_return")), "distance_m",
                   squad.config.start_date, END)
    ratios = _weekly_ratios(daily)
    assert any(a < 0.75 for _, a in ratios)
    assert any(1.3 < w < np.inf for w, _ in ratios)


def test_hill_and_speed_block(squad: Squad, frame: pd.DataFrame) -> None:
    athlete = squad.athlete(_runner(squad, "hill_speed"))
    runs = _runs(frame, athlete.name)
    first, last = athlete.block("hill_block") or (END, END)
    in_block = runs[(runs["local_date"] >= first) & (runs["local_date"] <= last)]
    before = runs[(runs["local_date"] < first)
                  & (runs["local_date"] >= first - dt.timedelta(days=30))]
    assert in_block["up_vert_m"].max() >= max(100.0, 1.1 * before["up_vert_m"].max())
    assert (before["time_up_10pct_s"] == 0).all() and (in_block["time_up_10pct_s"] > 0).any()
    assert "TrailRun" in set(in_block["sport_type"])
    start = squad.config.start_date
    up = _daily(runs, "up_vert_m", start, END)
    above = _daily(runs, "time_above_threshold_s", start, END)
    t = (first - start).days + 6
    assert sum(up[t - 6:t + 1]) > 1.3 * sum(up[t - 27:t - 6]) / 3 + 150
    assert sum(above[t - 6:t + 1]) > 1.3 * sum(above[t - 27:t - 6]) / 3 + 600
    hard = sorted(d for d, a in zip(runs["local_date"], runs["time_above_threshold_s"],
                                    strict=True) if first <= d <= last and a >= 600)
    steep = sorted(d for d, s in zip(runs["local_date"], runs["time_up_10pct_s"], strict=True)
                   if first <= d <= last and s > 0)
    assert any(h - s == dt.timedelta(days=1) for h in hard for s in steep)


def test_speed_block_triples_time_above_threshold(squad: Squad, frame: pd.DataFrame) -> None:
    athlete = squad.athlete(_runner(squad, "speed_block"))
    runs = _runs(frame, athlete.name)
    first, last = athlete.block("speed_block") or (END, END)
    start = squad.config.start_date
    above = _daily(runs, "time_above_threshold_s", start, END)
    t = (first - start).days + 6
    assert sum(above[t - 6:t + 1]) > 2.5 * sum(above[t - 27:t - 6]) / 3
    hard = sorted((d - start).days for d, a in zip(runs["local_date"],
                                                   runs["time_above_threshold_s"], strict=True)
                  if first <= d <= last and a >= 600)
    assert any(b - a == 1 for a, b in pairwise(hard))


def test_monotonous_block_without_rest(squad: Squad, frame: pd.DataFrame) -> None:
    athlete = squad.athlete(_runner(squad, "monotony"))
    daily = _daily(_runs(frame, athlete.name), "distance_m", squad.config.start_date, END)
    monotony = [np.mean(daily[t - 6:t + 1]) / np.std(daily[t - 6:t + 1], ddof=1)
                for t in range(6, len(daily)) if np.std(daily[t - 6:t + 1]) > 0]
    assert max(monotony) > 2.0
    streak = longest = 0
    for value in daily:
        streak = streak + 1 if value > 0 else 0
        longest = max(longest, streak)
    assert longest >= 21


def test_overstrider_runs_are_five_percent_below_own_baseline(squad: Squad,
                                                              frame: pd.DataFrame) -> None:
    athlete = squad.athlete(_runner(squad, "overstride"))
    runs = _runs(frame, athlete.name)
    flat = runs[runs["flat_steady_time_s"] > 300].reset_index(drop=True)
    low = 0
    for i in range(len(flat)):
        day = flat["local_date"][i]
        prior = flat[(flat["local_date"] < day)
                     & (flat["local_date"] >= day - dt.timedelta(days=56))]
        if len(prior) < 8:
            continue
        slope, intercept = np.polyfit(prior["flat_steady_speed_mps"],
                                      prior["flat_steady_cadence_spm"], 1)
        expected = intercept + slope * flat["flat_steady_speed_mps"][i]
        low += (flat["flat_steady_cadence_spm"][i] - expected) / expected <= -0.05
    assert low >= 5
    planted_days = {e.start for e in athlete.events_of("overstride_run")}
    assert len(planted_days) >= low


def test_clean_runners_have_no_low_cadence_runs(squad: Squad, frame: pd.DataFrame) -> None:
    for name in _clean_names(squad):
        runs = _runs(frame, name)
        flat = runs[runs["flat_steady_time_s"] > 0]
        slope, intercept = np.polyfit(flat["flat_steady_speed_mps"],
                                      flat["flat_steady_cadence_spm"], 1)
        expected = intercept + slope * flat["flat_steady_speed_mps"]
        assert ((flat["flat_steady_cadence_spm"] - expected) / expected > -0.05).all(), name


# -- streams agree with the summaries ------------------------------------------------------

def _ascent(altitude: np.ndarray) -> tuple[float, float]:
    steps = np.diff(altitude)
    return float(steps[steps > 0].sum()), float(-steps[steps < 0].sum())


@pytest.mark.parametrize("interval", [5.0, 1.0])
def test_streams_match_the_summary(interval: float) -> None:
    config = SquadConfig(end_date=END, athletes=3, years=0.6, stream_interval_s=interval)
    squad = simulate_squad(config)
    frame = activities_frame(squad)
    runner = squad.athlete(_runner(squad, "hill_speed"))
    first, last = runner.block("hill_block") or (END, END)
    rows = frame[(frame["athlete"] == runner.name) & (frame["local_date"] >= first)
                 & (frame["local_date"] <= last)]
    activities = {p.record.source_id: p for _, p in squad.iter_activities(runner.name)}
    kinds = set()
    for row in rows.itertuples():
        parsed = activities[row.source_id]
        streams = parsed.streams
        if row.sport_type == "WeightTraining":
            assert streams.empty
            continue
        kinds.add(row.name)
        t = streams["time_s"].to_numpy()
        dt_s = np.diff(t)
        moving = streams["is_moving"].to_numpy()[:-1]
        assert np.all(dt_s == interval)
        assert t[-1] == pytest.approx(row.elapsed_time_s)
        assert dt_s[moving].sum() == pytest.approx(row.moving_time_s)
        assert streams["distance_m"].iloc[-1] == pytest.approx(row.distance_m, rel=1e-9)
        hr = streams["heart_rate_bpm"].to_numpy()
        if np.isfinite(row.avg_heart_rate_bpm):
            assert hr[:-1][moving].mean() == pytest.approx(row.avg_heart_rate_bpm, abs=1e-6)
            assert hr.max() == pytest.approx(row.max_heart_rate_bpm, abs=1e-6)
        else:
            assert np.isnan(hr).all()
        if row.sport_type in RUNS:
            cadence = streams["cadence_spm"].to_numpy()[:-1][moving]
            assert cadence.mean() == pytest.approx(row.avg_cadence_spm, abs=1e-6)
            speed = streams["speed_mps"].to_numpy()[:-1]
            above = dt_s[moving & (speed > runner.threshold_speed_mps)].sum()
            assert above == pytest.approx(row.time_above_threshold_s, abs=2 * interval + 1)
            steep = dt_s[moving & (streams["grade_pct"].to_numpy()[:-1] > 10)].sum()
            assert steep == pytest.approx(row.time_up_10pct_s, abs=1e-6)
        up, down = _ascent(streams["altitude_m"].to_numpy())
        assert up == pytest.approx(row.up_vert_m, rel=0.03, abs=3.0)
        assert down == pytest.approx(row.down_vert_m, rel=0.03, abs=3.0)
        assert row.elevation_gain_m == row.up_vert_m
    assert {"Hill repeats (synthetic)", "Intervals (synthetic)",
            "Trail run (synthetic)"} <= kinds


def test_summaries_are_consistent() -> None:
    squad = simulate_squad(SquadConfig(end_date=END, athletes=6, years=0.5, with_streams=False))
    frame = activities_frame(squad)
    moving = frame[frame["moving_time_s"] > 0]
    assert (frame["elapsed_time_s"] >= frame["moving_time_s"]).all()
    runs = moving[moving["sport_type"].isin(RUNS)]
    assert runs["avg_speed_mps"].between(1.8, 6.5).all()
    assert (runs["max_heart_rate_bpm"].dropna() > runs["avg_heart_rate_bpm"].dropna()).all()
    assert (runs["time_above_threshold_s"] <= runs["moving_time_s"]).all()
    assert (runs["distance_above_threshold_m"] <= runs["distance_m"]).all()
    strength = frame[frame["sport_type"] == "WeightTraining"]
    assert strength["distance_m"].isna().all() and not strength["has_streams"].any()


def test_kinds_cover_the_weekly_structure(squad: Squad) -> None:
    kinds = set(squad.sessions_frame(recorded_only=True)["session_kind"])
    assert {"easy", "long", "tempo", "intervals", "hills", "race", "trail", "ride", "walk",
            "weights"} <= kinds
    assert set(S.KINDS) >= kinds


# -- the demo store ------------------------------------------------------------------------

def test_build_writes_through_the_store_and_is_idempotent(store) -> None:  # type: ignore[no-untyped-def]
    config = SquadConfig(end_date=END, athletes=2, years=0.1)
    calls: list[tuple[int, int]] = []
    summary = build_demo_store(store, config, progress=lambda done, total: calls.append(
        (done, total)))
    squad = simulate_squad(config)
    expected = int(squad.recorded.sum())
    assert store.activity_count() == expected == summary.activities
    assert calls[-1] == (expected, expected)
    athletes = store.athletes()
    assert athletes["is_synthetic"].all() and len(athletes) == 2
    assert dict(zip(athletes["athlete"], athletes["sex"], strict=True)) == {
        a.name: a.sex for a in squad.athletes}
    assert dict(zip(athletes["athlete"], athletes["settings"], strict=True)) == {
        a.name: {"max_hr_bpm": a.max_hr, "rest_hr_bpm": a.rest_hr,
                 "threshold_speed_mps": a.threshold_speed_mps} for a in squad.athletes}
    stored = store.activities()
    assert stored["has_streams"].sum() == (stored["sport_type"] != "WeightTraining").sum()
    first = stored.iloc[0]
    streams = store.streams(int(first["activity_id"]))
    assert streams["distance_m"].iloc[-1] == pytest.approx(first["distance_m"])
    assert "synthetic" in " ".join(summary.lines())
    build_demo_store(store, config)
    assert store.activity_count() == expected
    history = store.import_history()
    assert history["input"].str.contains("synthetic").all()
    assert history["imported"].tolist() == [0, expected]


def test_large_squads_replay_plans_at_each_runners_own_pace() -> None:
    squad = simulate_squad(SquadConfig(end_date=END, athletes=50, years=0.3, with_streams=False))
    frame = activities_frame(squad)
    base, variant = squad.athletes[1], squad.athletes[49]
    assert variant.name == "Sim Runner 50 (recreational, synthetic)"
    assert (variant.role, variant.planted, variant.profile) == (base.role, base.planted,
                                                                base.profile)
    assert variant.story == "" and base.story == "bone_stress"
    factor = variant.threshold_speed_mps / base.threshold_speed_mps
    assert 0.89 < factor <= 1.0
    mine = frame[(frame["athlete"] == variant.name) & frame["sport_type"].isin(RUNS)]
    theirs = frame[(frame["athlete"] == base.name) & frame["sport_type"].isin(RUNS)]
    assert mine["moving_time_s"].tolist() == theirs["moving_time_s"].tolist()
    ratio = mine["distance_m"].to_numpy() / theirs["distance_m"].to_numpy()
    assert ratio == pytest.approx(np.full(len(ratio), factor), rel=2e-3)
    assert mine["time_above_threshold_s"].tolist() == theirs["time_above_threshold_s"].tolist()


def test_ensure_demo_store_builds_only_when_empty(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    config = SquadConfig(end_date=END, athletes=1, years=0.1, with_streams=False)
    store = ensure_demo_store(url, config)
    count = store.activity_count()
    assert count == int(simulate_squad(config).recorded.sum()) > 0
    again = ensure_demo_store(url, SquadConfig(end_date=END, athletes=3, years=0.1))
    assert again.activity_count() == count
    assert len(again.athletes()) == 1

"""The vectorised engine agrees with the deliberately simple per-day loop (risk.reference).

Squads are simulated (own random frames with doubles, other sports, breaks and unknown heart
rates; plus the demo simulator when it is installed) and every main metric must match to 1e-9.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from risk import context
from risk.context import context_metrics
from risk.daily import daily_frame
from risk.reference import reference_daily_metrics
from risk.sessions import session_frame

NUMERIC = (
    "distance_km", "run_count", "acute_load", "chronic_load_coupled", "chronic_load_uncoupled",
    "acwr_coupled", "acwr_uncoupled", "ewma_acute_load", "ewma_chronic_load", "acwr_ewma",
    "acwr_ewma_uncoupled", "ctl", "atl", "tsb", "monotony", "strain", "week_distance_km",
    "prev_week_distance_km", "week_change_pct",
)


def random_squad(seed: int, athletes: int = 12, days: int = 240) -> pd.DataFrame:
    """Activities of a random squad: 0-2 runs a day, rides, breaks, missing heart rates."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for a in range(athletes):
        start = dt.date(2023, 1, 1) + dt.timedelta(int(rng.integers(0, 60)))
        run_prob = rng.uniform(0.2, 0.9)
        break_start = int(rng.integers(30, days))
        break_days = int(rng.integers(0, 45))
        for day in range(days - int(rng.integers(0, 30))):
            if break_start <= day < break_start + break_days:
                continue
            for _ in range(int(rng.random() < run_prob) + int(rng.random() < 0.08)):
                km = float(rng.choice([rng.uniform(2, 35), round(rng.uniform(3, 15))]))
                rows.append({
                    "activity_id": len(rows) + 1, "athlete": f"Sim {a:02d}",
                    "sport_type": str(rng.choice(["Run", "Run", "TrailRun", "VirtualRun"])),
                    "local_date": start + dt.timedelta(day), "distance_m": km * 1000,
                    "moving_time_s": km * rng.uniform(240, 420),
                    "avg_heart_rate_bpm": rng.uniform(120, 175) if rng.random() < 0.8 else None,
                    "perceived_exertion": float(rng.integers(1, 10)) if rng.random() < 0.5
                    else None,
                })
            if rng.random() < 0.1:
                rows.append({
                    "activity_id": len(rows) + 1, "athlete": f"Sim {a:02d}",
                    "sport_type": "Ride", "local_date": start + dt.timedelta(day),
                    "distance_m": rng.uniform(10, 60) * 1000, "moving_time_s": 3600.0,
                    "avg_heart_rate_bpm": 130.0, "perceived_exertion": None,
                })
    return pd.DataFrame(rows)


def assert_agree(activities: pd.DataFrame, load: str, until: dt.date | None = None) -> int:
    sessions = session_frame(activities)
    fast = context_metrics(daily_frame(sessions, until=until), load=load)
    slow = reference_daily_metrics(sessions, load=load, until=until)
    fast = fast.sort_values(["athlete", "local_date"]).reset_index(drop=True)
    assert len(fast) == len(slow) > 0
    assert fast["athlete"].tolist() == slow["athlete"].tolist()
    assert fast["local_date"].tolist() == slow["local_date"].tolist()
    assert fast["acwr_state"].tolist() == slow["acwr_state"].tolist()
    for name in NUMERIC:
        np.testing.assert_allclose(fast[name].to_numpy(dtype=float),
                                   slow[name].to_numpy(dtype=float), rtol=1e-9, atol=1e-9,
                                   err_msg=name)
    return len(fast)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agreement_on_random_squads_distance(seed: int) -> None:
    assert assert_agree(random_squad(seed), "distance_km") > 1000


@pytest.mark.parametrize("load", ["duration_min", "trimp_au", "srpe_au", "rtss_au"])
def test_agreement_on_other_load_measures(load: str) -> None:
    assert_agree(random_squad(11, athletes=6), load, until=dt.date(2023, 10, 1))


def test_agreement_on_the_demo_simulator() -> None:
    simulate = pytest.importorskip("etl.demo.simulate",
                                   reason="the demo simulator (etl.demo.simulate) is not there")
    config = simulate.SquadConfig(athletes=6, years=1.0, end_date=dt.date(2025, 6, 30),
                                  seed=5, with_streams=False)
    activities = simulate.activities_frame(simulate.simulate_squad(config))
    assert assert_agree(activities, "distance_km") > 1000
    assert_agree(activities, "duration_min")


def test_agreement_when_athletes_are_computed_in_small_chunks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "CHUNK_ATHLETES", 3)
    activities = random_squad(21, athletes=10, days=120)
    assert_agree(activities, "distance_km")
    daily = daily_frame(session_frame(activities))
    shuffled = daily.sample(frac=1.0, random_state=4)
    chunked = context_metrics(shuffled).sort_values(["athlete", "local_date"])
    monkeypatch.setattr(context, "CHUNK_ATHLETES", 1000)
    whole = context_metrics(daily).sort_values(["athlete", "local_date"])
    for name in NUMERIC:
        np.testing.assert_allclose(chunked[name].to_numpy(dtype=float),
                                   whole[name].to_numpy(dtype=float), rtol=1e-12, atol=1e-12)
    assert chunked["acwr_state"].tolist() == whole["acwr_state"].tolist()

"""Overstride proxy: speed-matched cadence against the runner's own flat-ground baseline."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from risk.errors import FrameContractError
from risk.evidence import explain
from risk.overstride import fit_baseline, overstride_assessment, overstride_flags
from risk.settings import RiskSettings
from tests.risk.flag_helpers import day, sessions_frame

S = RiskSettings()
SPEEDS = (2.8, 3.0, 3.2, 3.4, 3.6, 3.0)


def own_cadence(speed: np.ndarray | float) -> np.ndarray | float:
    """The runner's flat-ground baseline: 150 steps/min + 8 steps/min per m/s."""
    return 150.0 + 8.0 * np.asarray(speed)


def _build(judged: list[dict[str, object]], noise_spm: float = 0.0,
           hilly_baseline: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    rows: list[dict[str, object]] = []
    windows: list[dict[str, float]] = []

    def add(date: dt.date, factor: float, count: int = len(SPEEDS), **extra: object) -> None:
        activity = len(rows) + 1
        rows.append({"date": date.isoformat(), "km": 10.0, "activity_id": activity, **extra})
        for i in range(count):
            speed = SPEEDS[i % len(SPEEDS)]
            cadence = factor * own_cadence(speed) + rng.normal(0.0, noise_spm)
            windows.append({"activity_id": activity, "speed_mps": speed,
                            "cadence_spm": float(cadence), "duration_s": 60.0})

    for offset in range(1, 31, 3):           # 2, 5, ..., 29 Jan: flat baseline runs
        add(dt.date(2024, 1, 1) + dt.timedelta(days=offset), 1.0)
    if hilly_baseline:                       # hilly runs with odd cadence: never in the baseline
        for date in (dt.date(2024, 1, 10), dt.date(2024, 1, 20)):
            add(date, 0.80, up_m=300.0)
    for spec in judged:
        add(spec["date"], float(spec["factor"]), int(spec.get("count", len(SPEEDS))),
            **{k: v for k, v in spec.items() if k not in ("date", "factor", "count")})
    return sessions_frame(rows), pd.DataFrame(windows)


def test_baseline_fit_recovers_the_line_and_ignores_outliers() -> None:
    speed = np.repeat([2.8, 3.0, 3.2, 3.4, 3.6], 8)
    cadence = own_cadence(speed).astype(float)
    cadence[:3] -= 40.0                      # three bad windows (e.g. a shoelace stop)
    windows = pd.DataFrame({"activity_id": np.arange(len(speed)) // 8, "speed_mps": speed,
                            "cadence_spm": cadence, "duration_s": 60.0})
    baseline = fit_baseline(windows)
    assert baseline.intercept_spm == pytest.approx(150.0, abs=1e-6)
    assert baseline.slope_spm_per_mps == pytest.approx(8.0, abs=1e-6)
    assert baseline.windows == 37 and baseline.sessions == 5
    assert baseline.expected(np.array([3.0]))[0] == pytest.approx(174.0)


def test_planted_six_percent_deficit_is_recovered_and_flagged() -> None:
    sessions, windows = _build([
        {"date": dt.date(2024, 2, 6), "factor": 0.94},   # -6 %
        {"date": dt.date(2024, 2, 7), "factor": 0.96},   # -4 %
        {"date": dt.date(2024, 2, 8), "factor": 0.95},   # exactly -5 %
    ])
    assessed = overstride_assessment(sessions, windows, S).set_index("local_date")
    assert assessed.at[day("2024-02-06"), "cadence_residual_pct"] == pytest.approx(-6.0)
    assert assessed.at[day("2024-02-07"), "cadence_residual_pct"] == pytest.approx(-4.0)
    # 3.1 m/s is the median speed of a run's windows: own line says 150 + 8 x 3.1 = 174.8
    assert assessed.at[day("2024-02-06"), "expected_cadence_spm"] == pytest.approx(174.8)
    flags = overstride_flags(sessions, windows, S)
    assert [(f.local_date, f.kind, f.severity) for f in flags] == [
        (day("2024-02-06"), "overstride", "low"), (day("2024-02-08"), "overstride", "low")]
    flag = flags[0]
    assert flag.value == pytest.approx(-6.0) and flag.threshold == -5
    assert "6 % below your usual" in flag.message
    assert "5-10 % above your own" in flag.advice and "180" not in flag.advice + flag.message
    # own observed median cadence 0.94 x 174.8 = 164.31 -> +5-10 %: 172.5-180.7 steps/min
    assert "about 173-181 steps/min" in flag.advice
    assert explain(flag.evidence_key).grade == "D"


def test_deficit_recovered_with_noisy_windows() -> None:
    judged = [{"date": dt.date(2024, 2, 6), "factor": 0.94, "count": 30}]
    sessions, windows = _build(judged, noise_spm=2.0)
    assessed = overstride_assessment(sessions, windows, S)
    value = assessed.loc[assessed["local_date"] == day("2024-02-06"), "cadence_residual_pct"]
    assert float(value.iloc[0]) == pytest.approx(-6.0, abs=0.8)


def test_hilly_treadmill_and_short_runs_are_not_judged() -> None:
    sessions, windows = _build([
        {"date": dt.date(2024, 2, 6), "factor": 0.85, "up_m": 300.0},        # 30 m/km: hilly
        {"date": dt.date(2024, 2, 7), "factor": 0.85, "sport": "VirtualRun"},  # treadmill
        {"date": dt.date(2024, 2, 8), "factor": 0.85, "count": 4},           # 4 min flat
    ])
    assessed = overstride_assessment(sessions, windows, S)
    assert not (pd.to_datetime(assessed["local_date"]) >= pd.Timestamp("2024-02-01")).any()
    assert overstride_flags(sessions, windows, S) == []


def test_hilly_runs_do_not_bend_the_baseline() -> None:
    with_hills = _build([{"date": dt.date(2024, 2, 6), "factor": 0.94}])
    without = _build([{"date": dt.date(2024, 2, 6), "factor": 0.94}], hilly_baseline=False)
    a = overstride_assessment(*with_hills, S)
    b = overstride_assessment(*without, S)
    assert a["cadence_residual_pct"].iloc[-1] == pytest.approx(b["cadence_residual_pct"].iloc[-1])


def test_no_judgement_without_enough_baseline() -> None:
    rows = [{"date": "2024-01-02", "km": 10, "activity_id": 1},
            {"date": "2024-02-06", "km": 10, "activity_id": 2}]
    windows = pd.DataFrame({"activity_id": [1] * 6 + [2] * 6,
                            "speed_mps": list(SPEEDS) * 2,
                            "cadence_spm": [float(own_cadence(v)) for v in SPEEDS]
                            + [0.9 * float(own_cadence(v)) for v in SPEEDS],
                            "duration_s": 60.0})
    assert overstride_assessment(sessions_frame(rows), windows, S).empty
    assert overstride_assessment(sessions_frame(rows), None, S).empty


def test_windows_without_the_contract_columns_are_refused() -> None:
    sessions, windows = _build([])
    with pytest.raises(FrameContractError, match=r"flat steady windows.*activity_id"):
        overstride_assessment(sessions, windows.drop(columns=["activity_id"]), S)


def test_weighted_line_is_sklearns_weighted_linear_regression() -> None:
    from sklearn.linear_model import LinearRegression

    from risk.overstride import weighted_line

    rng = np.random.default_rng(11)
    speed = rng.uniform(2.5, 4.5, 50)
    cadence = 148.0 + 9.0 * speed + rng.normal(0.0, 3.0, 50)
    weight = rng.uniform(30.0, 60.0, 50)
    reference = LinearRegression().fit(speed[:, None], cadence, sample_weight=weight)
    intercept, slope = weighted_line(speed, cadence, weight)
    assert intercept == pytest.approx(reference.intercept_, rel=1e-10)
    assert slope == pytest.approx(reference.coef_[0], rel=1e-10)


@pytest.mark.parametrize("values", [[3.0], [1.0, 5.0], [4.0, 1.0, 3.0], [2.0, 9.0, 1.0, 4.0]])
def test_median_helper_matches_numpy(values: list[float]) -> None:
    from risk.overstride import _median

    assert _median(np.array(values)) == float(np.median(values))


def _stream(seconds: int, speed: float, cadence: float, grade_pct: float) -> pd.DataFrame:
    t = np.arange(seconds, dtype=float)
    return pd.DataFrame({"time_s": t, "distance_m": speed * t,
                         "altitude_m": 100.0 + speed * t * grade_pct / 100.0,
                         "heart_rate_bpm": np.nan, "cadence_spm": cadence,
                         "speed_mps": speed, "grade_pct": grade_pct, "is_moving": True})


def test_flat_steady_summary_of_a_flat_and_a_hilly_run() -> None:
    from risk.overstride import flat_steady_summary

    flat = flat_steady_summary(_stream(600, 3.0, 170.0, 0.0))
    assert flat["flat_steady_speed_mps"] == pytest.approx(3.0)
    assert flat["flat_steady_cadence_spm"] == pytest.approx(170.0)
    assert 540.0 <= flat["flat_steady_time_s"] <= 600.0     # ten 60-s windows, >= 55 s each
    hilly = flat_steady_summary(_stream(600, 3.0, 170.0, 5.0))
    assert hilly["flat_steady_time_s"] == 0.0 and np.isnan(hilly["flat_steady_speed_mps"])


def test_attach_flat_steady_fills_only_what_is_missing() -> None:
    from risk.overstride import attach_flat_steady

    activities = pd.DataFrame({"activity_id": [1, 2, 3]})
    metrics = pd.DataFrame({"flat_steady_speed_mps": [3.0, 3.2],
                            "flat_steady_cadence_spm": [170.0, 172.0],
                            "flat_steady_time_s": [600.0, 0.0]},
                           index=pd.Index([1, 2], name="activity_id"))
    out = attach_flat_steady(activities, metrics)
    assert list(out["flat_steady_time_s"].fillna(-1)) == [600.0, 0.0, -1]
    given = activities.assign(flat_steady_speed_mps=[2.5, np.nan, np.nan])
    assert list(attach_flat_steady(given, metrics)["flat_steady_speed_mps"].fillna(-1)) == [
        2.5, 3.2, -1]

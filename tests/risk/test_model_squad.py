"""Squad model: lagged features, the 7-day onset label, exclusions, the bar, model_status."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from risk.flag import Flag, flags_frame
from risk.model.estimators import ModelSettings
from risk.model.squad import (
    IS_AT_RISK,
    IS_INJURY_ONSET_NEXT_7D,
    ShowBar,
    lagged_features,
    mark_at_risk,
    model_status,
    squad_dataset,
    train_squad,
)

START = dt.date(2026, 1, 1)
QUICK = ModelSettings(n_bags=2, max_iter=15, cv_folds=3, calibration_folds=2, n_boot=30)
LENIENT = ShowBar(min_injuries=1, min_injured_athletes=1, slope_range=(0.0, 10.0),
                  max_abs_intercept=10.0)


def _daily(athletes: int, days: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(athletes):
        parts.append(pd.DataFrame({
            "athlete": f"a{i}",
            "local_date": [START + dt.timedelta(days=d) for d in range(days)],
            "distance_km": np.arange(days, dtype=float) + 100 * i,
            "acwr_uncoupled": rng.uniform(0.8, 1.2, days),
        }))
    return pd.concat(parts, ignore_index=True)


def _day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def _flag(athlete: str, day: int, kind: str = "session_spike") -> Flag:
    return Flag(athlete, _day(day), kind, "moderate", 1.0, 1.0, "", "m", "frandsen2025")


def test_features_come_from_the_day_before() -> None:
    rows = lagged_features(_daily(2, 20), flags_frame([_flag("a0", 10)]))
    a0 = rows[rows["athlete"] == "a0"].reset_index(drop=True)
    assert np.isnan(a0.loc[0, "distance_km"])
    assert a0.loc[5, "distance_km"] == 4.0  # day 5 sees day 4
    counts = a0["session_spike_flags_7d_count"].to_numpy()
    # a flag on day 10 counts on days 11..17 (window t-7..t-1), not on day 10 itself
    assert counts[10] == 0 and all(counts[11:18] == 1) and counts[18] == 0
    assert rows[rows["athlete"] == "a1"]["session_spike_flags_7d_count"].sum() == 0


def _injury(athlete: str, onset: int, resolved: int | None = None,
            days_lost: float | None = None) -> dict[str, object]:
    return {"athlete": athlete, "injury_onset_date": _day(onset),
            "injury_resolved_date": None if resolved is None else _day(resolved),
            "days_lost": days_lost}


def test_label_and_exclusions_by_hand() -> None:
    days = _daily(1, 100)[["athlete", "local_date"]]
    marked = mark_at_risk(days, pd.DataFrame([_injury("a0", 50, resolved=55)]))
    at_risk = np.flatnonzero(marked[IS_AT_RISK])
    # warm-up days 0..27 out; injured 50..55 plus 28-day washout to 83 out; days 94..99 have
    # a label window past the data
    assert list(at_risk) == [*range(28, 50), *range(84, 94)]
    labelled = np.flatnonzero(marked[IS_INJURY_ONSET_NEXT_7D] & marked[IS_AT_RISK])
    assert list(labelled) == list(range(44, 50))


def test_unresolved_injury_excludes_the_rest_and_days_lost_set_the_return() -> None:
    days = _daily(1, 100)[["athlete", "local_date"]]
    open_ended = mark_at_risk(days, pd.DataFrame([_injury("a0", 50)]))
    assert np.flatnonzero(open_ended[IS_AT_RISK]).max() == 49
    with_lost = mark_at_risk(days, pd.DataFrame([_injury("a0", 40, days_lost=10)]))
    # excluded 40 .. 40 + 10 + 28 = 78
    at_risk = set(np.flatnonzero(with_lost[IS_AT_RISK]))
    assert 39 in at_risk and 78 not in at_risk and 79 in at_risk


def test_without_injuries_nothing_is_fitted_and_the_reason_says_so() -> None:
    data = squad_dataset(_daily(3, 60), flags_frame([]), pd.DataFrame())
    assert data.n_injuries == 0 and data.label.sum() == 0
    model = train_squad(data, QUICK)
    assert model.estimator is None and not model.shown
    status = model_status(model, _daily(3, 60), flags_frame([]), "a0", _day(59))
    assert not status.shown
    assert "only 0 injury onset(s)" in status.reason
    assert "flags are the primary signal" in status.reason


def test_no_model_yet() -> None:
    status = model_status(None, _daily(1, 40), flags_frame([]), "a0", _day(39))
    assert not status.shown and "loadwatch model train" in status.reason


def _planted() -> tuple[pd.DataFrame, pd.DataFrame]:
    daily = _daily(12, 240, seed=4)
    rng = np.random.default_rng(5)
    injuries = []
    for i in range(12):
        for onset in (int(rng.integers(40, 100)), int(rng.integers(150, 230))):
            injuries.append(_injury(f"a{i}", int(onset), resolved=int(onset) + 5))
            before = ((daily["athlete"] == f"a{i}")
                      & (pd.to_datetime(daily["local_date"]) >= pd.Timestamp(_day(onset - 8)))
                      & (pd.to_datetime(daily["local_date"]) < pd.Timestamp(_day(onset))))
            daily.loc[before, "acwr_uncoupled"] = 2.0
    return daily, pd.DataFrame(injuries)


def test_shown_model_gives_probability_interval_and_drivers() -> None:
    daily, injuries = _planted()
    data = squad_dataset(daily, flags_frame([]), injuries)
    assert data.n_injuries == 24 and data.n_injured_athletes == 12
    model = train_squad(data, QUICK, LENIENT)
    assert model.shown, model.reasons
    grouped = model.card["evaluation"]["grouped"]
    assert grouped["roc_auc"] > 0.8 and grouped["pr_auc_low"] > grouped["prevalence"]
    onset = pd.Timestamp(injuries.loc[0, "injury_onset_date"]).date()
    risky = model_status(model, daily, flags_frame([]), "a0", onset - dt.timedelta(days=2),
                         injuries)
    calm = model_status(model, daily, flags_frame([]), "a0", onset - dt.timedelta(days=20),
                        injuries)
    assert risky.shown and calm.shown
    assert risky.probability > calm.probability
    assert 0 <= risky.low <= risky.high <= 1
    assert risky.contributions[0].feature == "acwr_uncoupled"
    assert risky.contributions[0].value == 2.0 and risky.contributions[0].effect > 0
    injured = model_status(model, daily, flags_frame([]), "a0", onset + dt.timedelta(days=2),
                           injuries)
    assert not injured.shown and "washout" in injured.reason


def test_strict_bar_declines_the_same_model() -> None:
    daily, injuries = _planted()
    model = train_squad(squad_dataset(daily, flags_frame([]), injuries), QUICK)
    assert not model.shown
    assert any("the bar is 30" in r for r in model.reasons)
    status = model_status(model, daily, flags_frame([]), "a1", _day(120), injuries)
    assert status.reason.startswith("Model score not shown because its evaluation did not "
                                    "clear the bar")


def test_forward_split_keeps_label_windows_before_the_cutoff() -> None:
    from risk.model.squad import forward_split

    days = np.array([np.datetime64("2026-01-01") + np.timedelta64(d, "D") for d in range(100)])
    train, test = forward_split(days)
    assert days[train].max() + np.timedelta64(6, "D") < days[test].min()
    assert len(test) == pytest.approx(30, abs=1)

"""Metrics against values worked out by hand; the bootstrap resamples whole athletes."""

from __future__ import annotations

import numpy as np
import pytest

from risk.errors import RiskError
from risk.model.metrics import (
    calibration_slope_intercept,
    clustered_bootstrap,
    evaluate,
    net_benefit,
    point_metrics,
)


def test_point_metrics_by_hand() -> None:
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.6, 0.4, 0.8])
    m = point_metrics(y, p)
    # pairs (pos, neg): (0.4,0.1) ok, (0.4,0.6) wrong, (0.8,0.1) ok, (0.8,0.6) ok -> 3/4
    assert m["roc_auc"] == pytest.approx(0.75)
    # ranked 0.8(+) 0.6(-) 0.4(+) 0.1(-): AP = (1/1 + 2/3) / 2
    assert m["pr_auc"] == pytest.approx((1 + 2 / 3) / 2)
    assert m["brier"] == pytest.approx((0.01 + 0.36 + 0.36 + 0.04) / 4)


def test_calibration_intercept_of_a_constant_prediction() -> None:
    y = np.array([1, 0, 0, 0] * 25)
    slope, intercept = calibration_slope_intercept(y, np.full(100, 0.5))
    # slope is undefined-ish for a constant (no spread); intercept = logit(0.25) - logit(0.5)
    assert intercept == pytest.approx(np.log(1 / 3), abs=1e-6)
    assert np.isfinite(slope) or np.isnan(slope)


def test_calibration_slope_detects_overconfidence() -> None:
    rng = np.random.default_rng(3)
    true_logit = rng.normal(-1.0, 1.0, size=40_000)
    y = (rng.random(true_logit.size) < 1 / (1 + np.exp(-true_logit))).astype(int)
    honest = 1 / (1 + np.exp(-true_logit))
    doubled = 1 / (1 + np.exp(-2 * true_logit))
    slope, intercept = calibration_slope_intercept(y, honest)
    assert slope == pytest.approx(1.0, abs=0.05) and intercept == pytest.approx(0.0, abs=0.05)
    assert calibration_slope_intercept(y, doubled)[0] == pytest.approx(0.5, abs=0.03)


def test_net_benefit_by_hand() -> None:
    y = np.array([1, 1, 0, 0, 0])
    p = np.array([0.9, 0.3, 0.4, 0.1, 0.05])
    # t = 0.25: act on 0.9, 0.3, 0.4 -> TP 2, FP 1: 2/5 - 1/5 * (0.25/0.75)
    assert net_benefit(y, p, np.array([0.25]))[0] == pytest.approx(0.4 - 0.2 / 3)


def test_bootstrap_draws_whole_athletes() -> None:
    groups = np.repeat([0, 1, 2], [2, 3, 5])
    y = np.array([0, 1, 0, 0, 1, 0, 0, 0, 0, 1])

    def sizes(_y: np.ndarray, p: np.ndarray) -> dict[str, float]:
        return {"n": float(len(p))}

    reps = clustered_bootstrap(y, np.arange(10.0), groups, sizes, n_boot=60, seed=1)
    # any sum of three athlete sizes drawn from {2, 3, 5}
    possible = {a + b + c for a in (2, 3, 5) for b in (2, 3, 5) for c in (2, 3, 5)}
    assert set(reps["n"]) <= possible and len(set(reps["n"])) > 2


def test_evaluate_reports_prevalence_and_intervals() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(20), 50)
    y = (rng.random(1000) < 0.1).astype(int)
    p = np.clip(0.1 + 0.3 * y + rng.normal(0, 0.1, 1000), 0.01, 0.99)
    ev = evaluate(y, p, groups, n_boot=50, seed=0)
    assert ev.prevalence == pytest.approx(y.mean())
    auc = ev.metrics["roc_auc"]
    assert auc.low <= auc.value <= auc.high
    assert ev.n_athletes == 20 and ev.as_dict()["pr_auc_low"] <= ev.metrics["pr_auc"].value


def test_evaluate_refuses_a_single_class() -> None:
    with pytest.raises(RiskError, match="only one class"):
        evaluate(np.zeros(5, dtype=int), np.full(5, 0.1), np.arange(5))

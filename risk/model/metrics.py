"""Discrimination and calibration of predicted probabilities, with athlete-clustered intervals.

ROC-AUC, PR-AUC (average precision; its no-skill baseline is the prevalence), Brier score,
calibration slope and intercept (logistic recalibration), and decision-curve net benefit.
Intervals come from a bootstrap that resamples *athletes* (all rows of a drawn athlete go in
together), because the rows of one athlete are not independent.

References
----------
Van Calster B et al. Calibration: the Achilles heel of predictive analytics. BMC Med
2019;17:230. doi:10.1186/s12916-019-1466-7
Vickers AJ, Elkin EB. Decision curve analysis. Med Decis Making 2006;26:565-574.
doi:10.1177/0272989X06295361
Collins GS et al. TRIPOD+AI statement. BMJ 2024;385:e078378. doi:10.1136/bmj-2023-078378
Field CA, Welsh AH. Bootstrapping clustered data. J R Stat Soc B 2007;69(3):369-390.
doi:10.1111/j.1467-9868.2007.00593.x
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from risk.errors import RiskError

EPS = 1e-6
METRIC_NAMES: tuple[str, ...] = (
    "roc_auc", "pr_auc", "brier", "calibration_slope", "calibration_intercept")


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=float), EPS, 1 - EPS)
    return np.log(q / (1 - q))


def _newton_logistic(x: np.ndarray, y: np.ndarray, *, offset: bool) -> tuple[float, float]:
    """Maximum-likelihood ``(intercept, slope)`` of ``y ~ a + b x`` (or ``a + x`` as offset)."""
    a, b = 0.0, 1.0
    for _ in range(50):
        eta = np.clip(a + b * x, -30, 30)
        mu = 1 / (1 + np.exp(-eta))
        w = mu * (1 - mu) + 1e-12
        r = y - mu
        if offset:
            step_a = r.sum() / w.sum()
            a += step_a
            if abs(step_a) < 1e-10:
                break
            continue
        g = np.array([r.sum(), (r * x).sum()])
        h = np.array([[w.sum(), (w * x).sum()], [(w * x).sum(), (w * x * x).sum()]])
        try:
            step = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            return float("nan"), float("nan")
        a, b = a + step[0], b + step[1]
        if np.max(np.abs(step)) < 1e-10:
            break
    return float(a), float(b)


def calibration_slope_intercept(label: np.ndarray, prob: np.ndarray) -> tuple[float, float]:
    """Calibration slope and intercept (calibration-in-the-large).

    Slope: ``b`` of the logistic model ``logit P(y=1) = a + b logit(p)`` (1 is ideal; < 1 means
    predictions too extreme). Intercept: ``a`` of ``logit P(y=1) = a + logit(p)`` with the slope
    fixed at 1 (0 is ideal; < 0 means predictions too high on average). Van Calster et al. 2019.

    Returns
    -------
    (slope, intercept) : tuple of float
        NaN when the labels hold one class only.
    """
    y = np.asarray(label, dtype=float)
    if y.min() == y.max():
        return float("nan"), float("nan")
    x = _logit(prob)
    _, slope = _newton_logistic(x, y, offset=False)
    intercept, _ = _newton_logistic(x, y, offset=True)
    return slope, intercept


def point_metrics(label: np.ndarray, prob: np.ndarray) -> dict[str, float]:
    """All of :data:`METRIC_NAMES` for one set of predictions (NaN where undefined)."""
    y = np.asarray(label, dtype=int)
    p = np.asarray(prob, dtype=float)
    one_class = y.min() == y.max()
    slope, intercept = calibration_slope_intercept(y, p)
    return {
        "roc_auc": float("nan") if one_class else float(roc_auc_score(y, p)),
        "pr_auc": float("nan") if one_class else float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, p, labels=[0, 1])),
        "calibration_slope": slope,
        "calibration_intercept": intercept,
    }


def net_benefit(label: np.ndarray, prob: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Decision-curve net benefit ``TP/n - FP/n * t/(1-t)`` at each threshold ``t``.

    Vickers & Elkin 2006. Compare with "treat all" (``prevalence - (1-prevalence) t/(1-t)``) and
    "treat none" (0).
    """
    y = np.asarray(label, dtype=int)
    p = np.asarray(prob, dtype=float)
    n = len(y)
    result = []
    for t in np.asarray(thresholds, dtype=float):
        act = p >= t
        tp = np.sum(act & (y == 1))
        fp = np.sum(act & (y == 0))
        result.append(tp / n - fp / n * t / (1 - t))
    return np.asarray(result)


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its 95 % athlete-clustered bootstrap interval."""

    value: float
    low: float
    high: float

    def text(self, digits: int = 3) -> str:
        """``"0.724 (0.690-0.760)"``."""
        return f"{self.value:.{digits}f} ({self.low:.{digits}f}-{self.high:.{digits}f})"


@dataclass(frozen=True)
class Evaluation:
    """Metrics of one set of held-out predictions.

    Attributes
    ----------
    metrics : dict of str to Estimate
        Keys :data:`METRIC_NAMES`.
    prevalence : float
        Share of rows with an event (the no-skill PR-AUC).
    n_rows, n_events, n_athletes : int
    n_boot : int
        Bootstrap replicates that held both classes.
    """

    metrics: dict[str, Estimate]
    prevalence: float
    n_rows: int
    n_events: int
    n_athletes: int
    n_boot: int
    per_athlete_auc: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, float | int]:
        """Flat JSON-ready figures (``roc_auc``, ``roc_auc_low``, ``roc_auc_high``, ...)."""
        flat: dict[str, float | int] = {
            "prevalence": self.prevalence, "n_rows": self.n_rows, "n_events": self.n_events,
            "n_athletes": self.n_athletes, "n_boot": self.n_boot}
        for name, est in self.metrics.items():
            flat[name] = est.value
            flat[f"{name}_low"] = est.low
            flat[f"{name}_high"] = est.high
        return flat


def clustered_bootstrap(label: np.ndarray, prob: np.ndarray, groups: np.ndarray,
                        statistic: Callable[[np.ndarray, np.ndarray], dict[str, float]],
                        n_boot: int, seed: int) -> dict[str, np.ndarray]:
    """Replicates of ``statistic`` over athlete-resampled data sets.

    Replicates whose labels hold a single class are dropped.
    """
    y = np.asarray(label)
    p = np.asarray(prob, dtype=float)
    athletes, inverse = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(inverse == i) for i in range(len(athletes))]
    rng = np.random.default_rng(seed)
    found: dict[str, list[float]] = {}
    for _ in range(n_boot):
        drawn = rng.integers(0, len(athletes), size=len(athletes))
        rows = np.concatenate([members[i] for i in drawn])
        if y[rows].min() == y[rows].max():
            continue
        for name, value in statistic(y[rows], p[rows]).items():
            found.setdefault(name, []).append(value)
    return {name: np.asarray(values) for name, values in found.items()}


def evaluate(label: np.ndarray, prob: np.ndarray, groups: np.ndarray, *, n_boot: int = 200,
             seed: int = 0) -> Evaluation:
    """Point metrics with 95 % athlete-clustered percentile intervals.

    Raises
    ------
    RiskError
        When the labels hold a single class (no metric is defined).
    """
    y = np.asarray(label, dtype=int)
    if len(y) == 0 or y.min() == y.max():
        raise RiskError("the held-out rows hold only one class; metrics need injury events "
                        "and healthy events")
    point = point_metrics(y, prob)
    reps = clustered_bootstrap(y, prob, groups, point_metrics, n_boot, seed)
    metrics = {}
    for name in METRIC_NAMES:
        values = reps.get(name, np.array([]))
        values = values[np.isfinite(values)]
        low, high = (np.quantile(values, [0.025, 0.975]) if len(values)
                     else (float("nan"), float("nan")))
        metrics[name] = Estimate(point[name], float(low), float(high))
    per_athlete = {}
    for who in np.unique(groups):
        rows = groups == who
        if 0 < y[rows].sum() < rows.sum():
            per_athlete[str(who)] = float(roc_auc_score(y[rows], np.asarray(prob)[rows]))
    return Evaluation(metrics=metrics, prevalence=float(y.mean()), n_rows=len(y),
                      n_events=int(y.sum()), n_athletes=len(np.unique(groups)),
                      n_boot=len(reps.get("brier", [])), per_athlete_auc=per_athlete)

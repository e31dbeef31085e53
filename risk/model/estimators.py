"""Balanced bagging of histogram gradient boosting, calibrated on held-out athletes.

Lövdal et al. 2021 trained an ensemble of boosted trees, each on all injury events plus an
equal-sized random draw of healthy events, and averaged their outputs. This module does the same
with scikit-learn's :class:`~sklearn.ensemble.HistGradientBoostingClassifier` (no extra boosting
library). Balanced bags inflate the probabilities (every bag sees 50 % injuries), so the bagged
score is recalibrated by Platt scaling (:class:`~sklearn.calibration.CalibratedClassifierCV`)
on out-of-fold predictions from athlete-grouped folds of the training data.

References
----------
Lövdal SS, den Hartigh RJR, Azzopardi G. Int J Sports Physiol Perform 2021;16(10):1522-1531.
doi:10.1123/ijspp.2020-0518
Platt J. Probabilistic outputs for support vector machines. Adv Large Margin Classif 1999.
Van Calster B et al. Calibration: the Achilles heel of predictive analytics. BMC Med
2019;17:230. doi:10.1186/s12916-019-1466-7
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold
from threadpoolctl import threadpool_limits

from risk.errors import RiskError


class TooFewEventsError(RiskError):
    """Not enough injury events (or athletes with them) to fit or evaluate a model."""


@dataclass(frozen=True)
class ModelSettings:
    """Hyper-parameters and evaluation sizes (defaults follow the authors: 9 bags, 5 runs).

    Attributes
    ----------
    n_bags : int
        Balanced bags (Lövdal et al.: 9).
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf
        Of each :class:`~sklearn.ensemble.HistGradientBoostingClassifier`.
    calibration_folds : int
        Athlete-grouped folds of the training data for Platt scaling.
    repetitions : int
        Repetitions of the authors' protocol (different bag draws).
    cv_folds : int
        Athlete-grouped folds of the strict protocol.
    n_boot : int
        Athlete-clustered bootstrap replicates of every interval.
    seed : int
        Seed of every random draw.
    """

    n_bags: int = 9
    max_iter: int = 100
    learning_rate: float = 0.1
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 20
    calibration_folds: int = 3
    repetitions: int = 5
    cv_folds: int = 5
    n_boot: int = 200
    seed: int = 0


class BalancedBaggedBoosting(ClassifierMixin, BaseEstimator):
    """Average of boosted-tree classifiers, each fitted on a class-balanced subsample.

    Every bag holds all positive rows and as many negative rows drawn without replacement (with
    replacement when there are fewer negatives than positives). Bags are small (twice the
    number of events), so each tree runs on one OpenMP thread: on a shared machine that is
    several times faster than the default of one thread per core.

    Parameters
    ----------
    n_bags : int, default 9
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf
        Passed to each :class:`~sklearn.ensemble.HistGradientBoostingClassifier`.
    random_state : int, optional
    """

    def __init__(self, n_bags: int = 9, max_iter: int = 100, learning_rate: float = 0.1,
                 max_leaf_nodes: int = 15, min_samples_leaf: int = 20,
                 random_state: int | None = None) -> None:
        self.n_bags = n_bags
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> BalancedBaggedBoosting:
        values = np.asarray(X, dtype=float)
        labels = np.asarray(y).astype(int)
        positives = np.flatnonzero(labels == 1)
        negatives = np.flatnonzero(labels == 0)
        if len(positives) == 0 or len(negatives) == 0:
            raise TooFewEventsError("the training rows hold only one class; a model needs "
                                    "injury events and healthy events")
        rng = np.random.default_rng(self.random_state)
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = values.shape[1]
        self.estimators_: list[HistGradientBoostingClassifier] = []
        with threadpool_limits(limits=1, user_api="openmp"):
            self._fit_bags(values, labels, positives, negatives, rng)
        return self

    def _fit_bags(self, values: np.ndarray, labels: np.ndarray, positives: np.ndarray,
                  negatives: np.ndarray, rng: np.random.Generator) -> None:
        for _ in range(self.n_bags):
            drawn = rng.choice(negatives, size=len(positives),
                               replace=len(negatives) < len(positives))
            rows = np.concatenate([positives, drawn])
            tree = HistGradientBoostingClassifier(
                max_iter=self.max_iter, learning_rate=self.learning_rate,
                max_leaf_nodes=self.max_leaf_nodes,
                min_samples_leaf=min(self.min_samples_leaf, max(1, len(rows) // 4)),
                early_stopping=False, random_state=int(rng.integers(2**31 - 1)))
            tree.fit(values[rows], labels[rows])
            self.estimators_.append(tree)

    def bag_probabilities(self, X: Any) -> np.ndarray:
        """Positive-class probability of every bag, shape ``(n_bags, n_rows)``."""
        values = np.asarray(X, dtype=float)
        with threadpool_limits(limits=1, user_api="openmp"):
            return np.vstack([tree.predict_proba(values)[:, 1] for tree in self.estimators_])

    def predict_proba(self, X: Any) -> np.ndarray:
        positive = self.bag_probabilities(X).mean(axis=0)
        return np.column_stack([1.0 - positive, positive])

    def predict(self, X: Any) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def grouped_splits(label: np.ndarray, groups: np.ndarray, n_splits: int,
                   seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Athlete-grouped folds, stratified when every fold can hold an injury event.

    Raises
    ------
    TooFewEventsError
        With fewer than two athletes, or a fold whose training part has no event.
    """
    athletes = np.unique(groups)
    folds = min(n_splits, len(athletes))
    if folds < 2:
        raise TooFewEventsError(f"{len(athletes)} athlete(s): grouped folds need at least 2")
    with_events = np.unique(groups[label == 1])
    splitter: Any = (StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
                     if len(with_events) >= folds else GroupKFold(n_splits=folds))
    splits = [(np.asarray(a), np.asarray(b)) for a, b in splitter.split(label, label, groups)]
    for train, _ in splits:
        if label[train].sum() == 0:
            raise TooFewEventsError(
                f"injury events in {len(with_events)} athlete(s) only: an athlete-grouped fold "
                "would train without any event; more labelled injuries are needed")
    return splits


def calibrated_bagged_model(settings: ModelSettings, label: np.ndarray, groups: np.ndarray,
                            seed: int) -> CalibratedClassifierCV:
    """The unfitted model: bagged boosting wrapped in athlete-grouped Platt scaling.

    ``ensemble=False``: the calibration map is fitted on out-of-fold scores of the grouped
    folds, then the bagged model is refitted on all rows.
    """
    base = BalancedBaggedBoosting(
        n_bags=settings.n_bags, max_iter=settings.max_iter,
        learning_rate=settings.learning_rate, max_leaf_nodes=settings.max_leaf_nodes,
        min_samples_leaf=settings.min_samples_leaf, random_state=seed)
    splits = grouped_splits(label, groups, settings.calibration_folds, seed)
    return CalibratedClassifierCV(base, method="sigmoid", cv=splits, ensemble=False)


def fit_calibrated(features: np.ndarray, label: np.ndarray, groups: np.ndarray,
                   settings: ModelSettings, seed: int) -> CalibratedClassifierCV:
    """Fit :func:`calibrated_bagged_model` on ``features``."""
    model = calibrated_bagged_model(settings, label, groups, seed)
    model.fit(np.asarray(features, dtype=float), label)
    return model


def bag_interval(model: CalibratedClassifierCV, features: np.ndarray,
                 quantiles: tuple[float, float] = (0.1, 0.9)) -> tuple[np.ndarray, np.ndarray]:
    """Spread of the calibrated probability across bags (model uncertainty, not a CI).

    Each bag's score goes through the same Platt map; the given quantiles across bags are
    returned as ``(low, high)`` per row.
    """
    fitted = model.calibrated_classifiers_[0]
    bags = fitted.estimator.bag_probabilities(np.asarray(features, dtype=float))
    calibrator = fitted.calibrators[0]
    mapped = np.vstack([calibrator.predict(row) for row in bags])
    low, high = np.quantile(mapped, quantiles, axis=0)
    return low, high

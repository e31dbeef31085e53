"""Evaluation protocols on the Lövdal data: the authors' split and a stricter grouped CV.

Authors' protocol (Lövdal et al. 2021): the last 10 athletes by ID are the test set; every
athlete's features are z-scored with the mean and SD of that athlete's *healthy* events; a
calibrated balanced bag of boosted trees is trained on the other athletes; the run is repeated
(5 times) with fresh bag draws, and the test AUC of each run is reported (the paper: 0.724 day,
0.678 week). Scaling by healthy events reads the labels of the test athletes, so the figure may
be optimistic.

Strict protocol: athlete-grouped K-fold cross-validation; the only normalisation is a scaler
fitted on the training folds (a pipeline step), so no statistic of a test athlete reaches the
model. Out-of-fold predictions are pooled and evaluated with athlete-clustered intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from risk.model.estimators import (
    ModelSettings,
    TooFewEventsError,
    calibrated_bagged_model,
    grouped_splits,
)
from risk.model.lovdal import LovdalData, per_athlete_normalise
from risk.model.metrics import Evaluation, evaluate, point_metrics

TEST_ATHLETES = 10


@dataclass(frozen=True)
class ProtocolResult:
    """What one protocol measured.

    Attributes
    ----------
    protocol : str
        ``"authors"`` or ``"grouped_cv"``.
    description : str
        One sentence on the split and the normalisation.
    evaluation : Evaluation
        Metrics of the pooled held-out predictions (authors: mean over repetitions).
    run_auc : tuple of float
        Test ROC-AUC of each repetition (authors) or each fold (grouped CV).
    prediction : ndarray
        Held-out probability of every evaluated row.
    rows : ndarray of int
        Row numbers (of the input) the predictions belong to.
    """

    protocol: str
    description: str
    evaluation: Evaluation
    run_auc: tuple[float, ...]
    prediction: np.ndarray
    rows: np.ndarray

    @property
    def mean_run_auc(self) -> float:
        """Mean of :attr:`run_auc` (what the paper reports)."""
        finite = [a for a in self.run_auc if np.isfinite(a)]
        return float(np.mean(finite)) if finite else float("nan")


def _labels(data: LovdalData) -> np.ndarray:
    if data.label is None:
        raise TooFewEventsError("the file has no 'injury' column; evaluation needs labels")
    return data.label


def authors_split(athlete: np.ndarray, n_test: int = TEST_ATHLETES) -> np.ndarray:
    """Boolean mask of the test rows: the ``n_test`` highest athlete IDs."""
    ids = np.unique(athlete)
    if len(ids) <= n_test:
        raise TooFewEventsError(f"{len(ids)} athletes: the authors' split needs more than "
                                f"{n_test} (the last {n_test} by ID are the test set)")
    return np.isin(athlete, ids[-n_test:])


def authors_protocol(data: LovdalData, settings: ModelSettings) -> ProtocolResult:
    """Run the authors' protocol (see module notes) ``settings.repetitions`` times."""
    label = _labels(data)
    test = authors_split(data.athlete)
    scaled = per_athlete_normalise(data.features, data.athlete, label == 0).to_numpy()
    train = ~test
    runs: list[np.ndarray] = []
    aucs: list[float] = []
    for rep in range(settings.repetitions):
        seed = settings.seed + rep
        model = calibrated_bagged_model(settings, label[train], data.athlete[train], seed)
        model.fit(scaled[train], label[train])
        prob = model.predict_proba(scaled[test])[:, 1]
        runs.append(prob)
        aucs.append(point_metrics(label[test], prob)["roc_auc"])
    pooled = np.mean(runs, axis=0)
    evaluation = evaluate(label[test], pooled, data.athlete[test], n_boot=settings.n_boot,
                          seed=settings.seed)
    return ProtocolResult(
        protocol="authors",
        description=(f"test = last {TEST_ATHLETES} athletes by ID; per-athlete z-scores from "
                     "healthy events (uses test labels); calibrated balanced bagging of "
                     f"{settings.n_bags} boosted-tree bags; {settings.repetitions} repetitions"),
        evaluation=evaluation, run_auc=tuple(aucs), prediction=pooled,
        rows=np.flatnonzero(test))


def grouped_cv_protocol(data: LovdalData, settings: ModelSettings) -> ProtocolResult:
    """Athlete-grouped K-fold CV with normalisation fitted on the training folds only."""
    label = _labels(data)
    values = data.features.to_numpy(dtype=float)
    prob = np.full(len(label), np.nan)
    aucs: list[float] = []
    for fold, (train, test) in enumerate(
            grouped_splits(label, data.athlete, settings.cv_folds, settings.seed)):
        seed = settings.seed + fold
        model = make_pipeline(
            StandardScaler(),
            calibrated_bagged_model(settings, label[train], data.athlete[train], seed))
        model.fit(values[train], label[train])
        prob[test] = model.predict_proba(values[test])[:, 1]
        aucs.append(point_metrics(label[test], prob[test])["roc_auc"])
    evaluation = evaluate(label, prob, data.athlete, n_boot=settings.n_boot,
                          seed=settings.seed)
    return ProtocolResult(
        protocol="grouped_cv",
        description=(f"{len(aucs)}-fold athlete-grouped cross-validation; scaler fitted on the "
                     "training folds only; calibrated balanced bagging of "
                     f"{settings.n_bags} boosted-tree bags"),
        evaluation=evaluation, run_auc=tuple(aucs), prediction=prob,
        rows=np.arange(len(label)))

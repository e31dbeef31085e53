"""The benchmark pipeline recovers a planted signal and does not leak (shuffled labels ~0.5).

Runs on small generated files with the Lövdal schema; a further test runs the real files when
they are at ../shared/data/lovdal2021 (they are not shipped: see PROVENANCE.txt there).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from risk.model.estimators import (
    BalancedBaggedBoosting,
    ModelSettings,
    TooFewEventsError,
    bag_interval,
    fit_calibrated,
)
from risk.model.lovdal import lovdal_data
from risk.model.protocols import authors_protocol, authors_split, grouped_cv_protocol
from tests.factories.lovdal import lovdal_frame

QUICK = ModelSettings(n_bags=2, max_iter=15, repetitions=2, cv_folds=3, calibration_folds=2,
                      n_boot=30)
REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "lovdal2021"


@pytest.fixture(scope="module")
def planted():
    return lovdal_data(lovdal_frame("day", athletes=16, rows_per_athlete=90, seed=2))


def test_authors_split_is_the_last_ten_athletes_by_id() -> None:
    athlete = np.array([3, 12, 1, 11, 5, 7, 2, 4, 6, 8, 9, 10, 0])
    test = authors_split(athlete)
    assert sorted(set(athlete[test])) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    with pytest.raises(TooFewEventsError, match="needs more than 10"):
        authors_split(np.arange(10))


def test_balanced_bags_hold_every_event_and_as_many_healthy_rows() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    y = (rng.random(300) < 0.1).astype(int)
    model = BalancedBaggedBoosting(n_bags=3, max_iter=5, random_state=0).fit(x, y)
    assert len(model.estimators_) == 3
    for tree in model.estimators_:
        assert tree.n_features_in_ == 3
    assert model.bag_probabilities(x).shape == (3, 300)
    with pytest.raises(TooFewEventsError, match="only one class"):
        BalancedBaggedBoosting().fit(x, np.zeros(300))


def test_calibration_brings_probabilities_to_the_prevalence(planted) -> None:
    x = planted.features.to_numpy()
    model = fit_calibrated(x, planted.label, planted.athlete, QUICK, seed=0)
    prob = model.predict_proba(x)[:, 1]
    raw = model.calibrated_classifiers_[0].estimator.predict_proba(x)[:, 1]
    # balanced bags see 50 % events; calibrated output is near the real prevalence
    assert raw.mean() > 0.3
    assert prob.mean() == pytest.approx(planted.label.mean(), abs=0.03)
    low, high = bag_interval(model, x[:20])
    assert np.all(low <= high) and np.all((low >= 0) & (high <= 1))


def test_both_protocols_recover_the_planted_signal(planted) -> None:
    authors = authors_protocol(planted, QUICK)
    strict = grouped_cv_protocol(planted, QUICK)
    assert len(authors.run_auc) == 2 and len(strict.run_auc) == 3
    assert authors.evaluation.metrics["roc_auc"].value > 0.7
    assert strict.evaluation.metrics["roc_auc"].value > 0.7
    assert strict.evaluation.metrics["pr_auc"].low > strict.evaluation.prevalence
    assert authors.evaluation.n_athletes == 10
    assert strict.evaluation.n_rows == len(planted.label)


def test_shuffled_labels_give_chance_auc(planted) -> None:
    rng = np.random.default_rng(11)
    frame = lovdal_frame("day", athletes=16, rows_per_athlete=90, seed=2)
    frame["injury"] = rng.permutation(frame["injury"].to_numpy())
    shuffled = lovdal_data(frame)
    result = grouped_cv_protocol(shuffled, QUICK)
    assert abs(result.evaluation.metrics["roc_auc"].value - 0.5) < 0.08


@pytest.mark.slow
@pytest.mark.parametrize(("approach", "paper"), [("day", 0.724), ("week", 0.678)])
def test_published_data_if_present(approach: str, paper: float) -> None:
    path = REAL / f"{approach}_approach_maskedID_timeseries.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent: the Lövdal CSVs are not on this machine (download them "
                    "from DataverseNL doi:10.34894/UWU9PV; see PROVENANCE.txt)")
    from etl.model_store import read_lovdal

    data, identity = read_lovdal(path, approach)  # type: ignore[arg-type]
    assert identity.genuine, identity.note
    assert data.n_events > 500 and len(np.unique(data.athlete)) == 74
    result = authors_protocol(data, ModelSettings(n_boot=100))
    assert abs(result.mean_run_auc - paper) < 0.08

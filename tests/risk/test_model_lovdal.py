"""Schema of the Lövdal et al. 2021 files: columns, suffix order, rest days, normalisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk.errors import FrameContractError
from risk.model.lovdal import (
    DAY_FEATURES,
    WEEK_FEATURES,
    describe_feature,
    lovdal_data,
    per_athlete_normalise,
    rest_day_mask,
)
from tests.factories.lovdal import lovdal_frame


def test_day_columns_run_from_seven_days_before_to_the_day_before() -> None:
    assert len(DAY_FEATURES) == 70
    assert DAY_FEATURES[0] == "nr. sessions"
    assert DAY_FEATURES[-1] == "perceived recovery.6"
    assert describe_feature("total km.6", "day") == "total km, 1 day before the event"
    assert describe_feature("total km", "day") == "total km, 7 days before the event"


def test_week_columns_run_from_three_weeks_before_to_last_week() -> None:
    assert len(WEEK_FEATURES) == 66
    assert WEEK_FEATURES[0] == "nr. sessions.2"
    assert WEEK_FEATURES[-1] == "max recovery"
    assert describe_feature("total kms", "week") == "total kms, week 1 before the event"
    assert describe_feature("total kms.2", "week") == "total kms, week 3 before the event"


def test_reads_generated_day_and_week_frames() -> None:
    day = lovdal_data(lovdal_frame("day", athletes=3, rows_per_athlete=10))
    assert day.approach == "day" and day.features.shape == (30, 70)
    assert list(day.features.columns) == list(DAY_FEATURES)
    week = lovdal_data(lovdal_frame("week", athletes=3, rows_per_athlete=10))
    assert week.approach == "week" and week.features.shape == (30, 69)
    assert set(np.unique(week.athlete)) == {0, 1, 2}


def test_first_block_may_carry_a_dot_zero_suffix() -> None:
    frame = lovdal_frame("day", athletes=2, rows_per_athlete=5)
    frame = frame.rename(columns={"total km": "total km.0"})
    data = lovdal_data(frame)
    assert "total km" in data.features.columns


def test_missing_columns_are_named() -> None:
    frame = lovdal_frame("day", athletes=2, rows_per_athlete=5).drop(columns=["km Z3-4.2"])
    with pytest.raises(FrameContractError, match=r"missing column\(s\) 'km Z3-4.2'.*doi"):
        lovdal_data(frame)


def test_a_non_number_names_column_and_row() -> None:
    frame = lovdal_frame("day", athletes=2, rows_per_athlete=5).astype({"total km.3": object})
    frame.loc[3, "total km.3"] = "n/a"
    with pytest.raises(FrameContractError, match=r"'total km.3', data row 4: 'n/a'"):
        lovdal_data(frame)


def test_label_must_be_binary() -> None:
    frame = lovdal_frame("day", athletes=2, rows_per_athlete=5)
    frame.loc[2, "injury"] = 2
    with pytest.raises(FrameContractError, match="data row 3: 2 is not 0 or 1"):
        lovdal_data(frame)


def test_label_is_optional_for_scoring() -> None:
    frame = lovdal_frame("day", athletes=2, rows_per_athlete=5).drop(columns=["injury"])
    with pytest.raises(FrameContractError, match="'injury'"):
        lovdal_data(frame)
    assert lovdal_data(frame, require_label=False).label is None


def test_rest_day_value_is_kept_and_found() -> None:
    data = lovdal_data(lovdal_frame("day", athletes=2, rows_per_athlete=20))
    mask = rest_day_mask(data)
    assert mask.shape[1] == 21
    assert (data.features[mask.columns][mask] == -0.01).sum().sum() == mask.sum().sum() > 0


def test_per_athlete_normalisation_uses_reference_rows_only() -> None:
    features = pd.DataFrame({"x": [1.0, 3.0, 100.0, 10.0, 10.0, 20.0]})
    athlete = np.array([0, 0, 0, 1, 1, 1])
    reference = np.array([True, True, False, True, True, False])
    z = per_athlete_normalise(features, athlete, reference)["x"].to_numpy()
    # athlete 0: mean 2, SD (ddof 1) sqrt(2); athlete 1: mean 10, SD 0 -> only centred
    assert z[:3] == pytest.approx([-1 / np.sqrt(2), 1 / np.sqrt(2), 98 / np.sqrt(2)])
    assert z[3:] == pytest.approx([0.0, 0.0, 10.0])

"""ACWR context flags, monotony/strain and data gaps on hand-made daily frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk.errors import FrameContractError
from risk.evidence import explain
from risk.rules.acwr import acwr_flags
from risk.rules.data_gap import data_gap_flags
from risk.rules.monotony import monotony_flags
from risk.settings import RiskSettings
from tests.risk.flag_helpers import daily_frame, day, sessions_frame

S = RiskSettings()
SEVEN = sessions_frame([{"date": "2024-03-01", "km": 5}]).assign(local_date=day("2024-03-01"))


def _seven_days(**context: list[object]) -> pd.DataFrame:
    return daily_frame(SEVEN, until="2024-03-07", context=context)


def test_acwr_bands_on_the_uncoupled_ratio() -> None:
    daily = _seven_days(acwr_uncoupled=[1.79, 1.80, 1.9, 1.2, 0.75, 0.7499, 0.5],
                        acwr_state=["ok"] * 7, acute_load=[4.0] * 7,
                        chronic_load_uncoupled=[2.0] * 7)
    flags = acwr_flags(daily, S)
    assert [(f.kind, f.local_date, f.value) for f in flags] == [
        ("acwr_high", day("2024-03-02"), 1.8), ("acwr_low", day("2024-03-06"), 0.7499)]
    high = flags[0]
    assert high.severity == "low" and high.threshold == 1.8
    assert "1.80 times" in high.message and "Context, not a risk score" in high.message
    assert "running distance was 1.80 times" in high.message
    assert "(28.0 vs 14.0 km per week)" in high.message
    assert explain(high.evidence_key).grade == "C"


def test_no_acwr_flag_while_warming_up_or_without_base() -> None:
    daily = _seven_days(acwr_uncoupled=[2.5] * 7,
                        acwr_state=["warming_up"] * 3 + ["insufficient_base"] * 4)
    assert acwr_flags(daily, S) == []


def test_acwr_suppressed_for_28_days_after_an_injury() -> None:
    daily = _seven_days(acwr_uncoupled=[2.5] * 7, acwr_state=["ok"] * 7)
    injuries = pd.DataFrame({"athlete": ["Ana"], "onset_date": [day("2024-02-01")],
                             "resolved_date": [day("2024-02-05")]})
    # 5 Feb + 28 days = 4 Mar: 1-4 Mar suppressed, a flag starts on 5 Mar.
    assert [f.local_date for f in acwr_flags(daily, S, injuries)] == [day("2024-03-05")]
    open_injury = pd.DataFrame({"athlete": ["Ana"], "onset_date": [day("2024-02-10")]})
    assert acwr_flags(daily, S, open_injury) == []   # 10 Feb + 28 d = 9 Mar
    other = pd.DataFrame({"athlete": ["Ben"], "onset_date": [day("2024-03-01")]})
    assert len(acwr_flags(daily, S, other)) == 1


def test_missing_context_columns_name_the_fix() -> None:
    daily = _seven_days().drop(columns=["acwr_uncoupled"])
    with pytest.raises(FrameContractError, match=r"acwr_uncoupled.*context_metrics"):
        acwr_flags(daily, S)


def test_monotony_above_2_and_no_variation_at_the_cap() -> None:
    daily = _seven_days(monotony=[np.nan, 1.5, 2.0, 2.1, 2.5, 1.0, 10.0],
                        strain=[np.nan] * 7)
    flags = monotony_flags(daily, S)
    assert [(f.local_date, f.category, f.value) for f in flags] == [
        (day("2024-03-04"), "monotony", 2.1), (day("2024-03-07"), "no_variation", 10.0)]
    assert "running distance monotony was 2.1" in flags[0].message
    assert "no variation" in flags[1].message
    assert explain(flags[0].evidence_key).grade == "C"


def test_strain_above_own_90th_percentile_after_182_days() -> None:
    sessions = SEVEN.assign(local_date=day("2024-01-01"))
    days = 201
    strain = [100.0] * days
    strain[150] = 1000.0      # too early: fewer than 182 earlier values
    strain[200] = 100.5       # earlier values: 199 x 100 and one 1000 -> 90th percentile 100
    daily = daily_frame(sessions, until="2024-07-19",
                        context={"strain": strain, "monotony": [1.0] * days})
    (flag,) = monotony_flags(daily, S)
    assert (flag.local_date, flag.category, flag.severity) == (day("2024-07-19"), "strain",
                                                               "moderate")
    assert (flag.value, flag.threshold) == (100.5, 100.0)


def test_missing_days_stretch_is_a_data_gap() -> None:
    two = _seven_days()
    two.loc[[2, 3], "load_status"] = "missing"
    assert data_gap_flags(two, S) == []
    three = _seven_days()
    three.loc[[2, 3, 4], "load_status"] = "missing"
    (flag,) = data_gap_flags(three, S)
    assert (flag.local_date, flag.category, flag.value) == (day("2024-03-05"), "missing_days", 3)
    assert explain(flag.evidence_key).grade == "D" and "mean little" in flag.message


def test_fewer_recorded_days_than_usual() -> None:
    # A run every other day for days 0..96 (1 Jan .. 6 Apr 2024), then nothing to day 120.
    start = pd.Timestamp("2024-01-01")
    rows = [{"date": (start + pd.Timedelta(days=d)).date().isoformat(), "km": 5}
            for d in range(0, 97, 2)]
    daily = daily_frame(sessions_frame(rows), until="2024-04-30")
    (flag,) = data_gap_flags(daily, S)
    # Day 104 (14 Apr): days 91..104 hold 3 recorded days (92, 94, 96); usual = the 42
    # recorded days of days 7..90 x 14/84 = 7; 3 < 3.5. Day 103 still holds 4.
    assert flag.local_date == day("2024-04-14")
    assert (flag.category, flag.value, flag.threshold) == ("few_recorded_days", 3.0, 3.5)
    assert "Only 3 of the 14 days" in flag.message

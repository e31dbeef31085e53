"""Context metrics against values worked out by hand (SCIENCE.md 1.1-1.5, 2.1, 3.2, 3.6)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from loadwatch.columns import GLOSSARY
from risk.context import CONTEXT_COLUMNS, context_metrics
from risk.errors import FrameContractError, SettingsError
from risk.settings import RiskSettings

D0 = dt.date(2024, 1, 1)


def series(loads: list[float], *, athlete: str = "Ann", runs: list[int] | None = None,
           status: list[str] | None = None, start: dt.date = D0) -> pd.DataFrame:
    """A hand-made daily frame: distance = the loads, one run on every day with distance."""
    n = len(loads)
    return pd.DataFrame({
        "athlete": athlete,
        "local_date": [start + dt.timedelta(i) for i in range(n)],
        "load_status": status or ["ok" if x > 0 else "rest" for x in loads],
        "run_count": runs or [1 if x > 0 else 0 for x in loads],
        "distance_km": [float(x) for x in loads],
        "duration_min": [6.0 * x for x in loads],
        "trimp_au": [float(x) for x in loads],
    })


def test_ratios_are_hidden_for_the_first_28_days() -> None:
    c = context_metrics(series([5.0] * 60))
    assert c["acwr_state"].iloc[:27].eq("warming_up").all()
    assert c["acwr_uncoupled"].iloc[:27].isna().all()
    assert c["acwr_state"].iloc[27] == "ok"  # 28 days of history
    assert c["acwr_uncoupled"].iloc[27:].tolist() == pytest.approx([1.0] * 33)
    assert c["acwr_coupled"].iloc[27:].tolist() == pytest.approx([1.0] * 33)
    assert c["history_days"].iloc[27] == 28


def test_coupled_and_uncoupled_after_a_step() -> None:
    # 4 km/day for 21 days, then 8 km/day for 7 days; at day 27:
    # acute = 8; uncoupled chronic = 4; coupled chronic = (21*4 + 7*8) / 28 = 5
    c = context_metrics(series([4.0] * 21 + [8.0] * 7)).iloc[27]
    assert c["acute_load"] == pytest.approx(8.0)
    assert c["chronic_load_uncoupled"] == pytest.approx(4.0)
    assert c["chronic_load_coupled"] == pytest.approx(5.0)
    assert c["acwr_uncoupled"] == pytest.approx(2.0)
    assert c["acwr_coupled"] == pytest.approx(1.6)
    # the algebraic link of SCIENCE.md 1.1: uncoupled = 3 coupled / (4 - coupled)
    assert c["acwr_uncoupled"] == pytest.approx(3 * 1.6 / (4 - 1.6))


def test_rest_days_are_zeros_in_the_windows() -> None:
    # a 14 km run every 7th day: every 7-day window holds exactly one run
    loads = [14.0 if i % 7 == 0 else 0.0 for i in range(35)]
    c = context_metrics(series(loads)).iloc[34]
    assert c["acute_load"] == pytest.approx(2.0)  # 14 / 7
    assert c["chronic_load_uncoupled"] == pytest.approx(2.0)  # 3 runs x 14 / 21
    assert c["acwr_state"] == "insufficient_base"  # only 3 runs in the chronic window


def test_insufficient_base_by_distance_and_by_run_count() -> None:
    three_runs = [0.0] * 28
    for day in (2, 9, 16, 23):
        three_runs[day] = 10.0  # 30 km in the chronic window (1.43 km/day) but 3 runs
    c = context_metrics(series(three_runs)).iloc[27]
    assert c["acwr_state"] == "insufficient_base" and math.isnan(c["acwr_uncoupled"])
    four_runs = list(three_runs)
    four_runs[18] = 10.0
    c = context_metrics(series(four_runs)).iloc[27]
    assert c["acwr_state"] == "ok"
    # acute 10/7 ; chronic 40/21 ; ratio 0.75
    assert c["acwr_uncoupled"] == pytest.approx((10 / 7) / (40 / 21))
    short_runs = [0.0] * 28
    for day in (1, 5, 9, 13, 17):
        short_runs[day] = 4.0  # 5 runs but 20 km / 21 d = 0.95 km/day
    short_runs[24] = 4.0
    assert context_metrics(series(short_runs)).iloc[27]["acwr_state"] == "insufficient_base"


def test_zero_chronic_load_gives_no_ratio_not_infinity() -> None:
    c = context_metrics(series([0.0] * 40 + [10.0])).iloc[-1]
    assert c["acwr_state"] == "insufficient_base"
    assert math.isnan(c["acwr_uncoupled"]) and math.isnan(c["acwr_ewma"])
    assert c["chronic_load_uncoupled"] == 0.0


def test_ewma_starts_at_zero() -> None:
    c = context_metrics(series([10.0] + [0.0] * 30))
    lam_a, lam_c = 2 / 8, 2 / 29
    # E_0 = 0.25 * 10 = 2.5; E_1 = 0.75 * 2.5 = 1.875; E_2 = 1.40625
    assert c["ewma_acute_load"].iloc[:3].tolist() == pytest.approx([2.5, 1.875, 1.40625])
    assert c["ewma_chronic_load"].iloc[0] == pytest.approx(20 / 29)
    assert c["ewma_chronic_load"].iloc[1] == pytest.approx(20 / 29 * 27 / 29)
    assert c["ewma_acute_load"].iloc[10] == pytest.approx(lam_a * 10 * (1 - lam_a) ** 10)
    assert c["ewma_chronic_load"].iloc[10] == pytest.approx(lam_c * 10 * (1 - lam_c) ** 10)


def test_ewma_ratios_of_a_constant_load() -> None:
    c = context_metrics(series([5.0] * 40)).iloc[30]
    ea = 5 * (1 - 0.75**31)
    ec = 5 * (1 - (27 / 29) ** 31)
    ec_week_ago = 5 * (1 - (27 / 29) ** 24)
    assert c["acwr_ewma"] == pytest.approx(ea / ec)
    assert c["acwr_ewma_uncoupled"] == pytest.approx(ea / ec_week_ago)


def test_ctl_atl_tsb_exponential_form_hidden_for_42_days() -> None:
    c = context_metrics(series([5.0] * 50))
    assert c[["ctl", "atl", "tsb"]].iloc[:42].isna().all().all()
    # CTL_t = 5 (1 - exp(-(t+1)/42)) because 1 - alpha = exp(-1/42)
    assert c["ctl"].iloc[42] == pytest.approx(5 * (1 - math.exp(-43 / 42)))
    assert c["atl"].iloc[42] == pytest.approx(5 * (1 - math.exp(-43 / 7)))
    # TSB from yesterday: CTL_41 - ATL_41 = 5 (exp(-42/7) - exp(-42/42))
    assert c["tsb"].iloc[42] == pytest.approx(5 * (math.exp(-6) - math.exp(-1)))


def test_monotony_and_strain() -> None:
    c = context_metrics(series([5.0] * 10))
    # days 0-2: fewer than 4 recorded days in the window
    assert c["monotony"].iloc[:3].isna().all()
    # day 3: window [0, 0, 0, 5, 5, 5, 5]: mean/SD = sqrt(p / (1 - p)) with p = 4/7
    assert c["monotony"].iloc[3] == pytest.approx(math.sqrt(4 / 3))
    assert c["strain"].iloc[3] == pytest.approx(20 * math.sqrt(4 / 3))
    # day 6 on: seven equal days: SD 0 -> capped at 10 ("no variation"); strain 35 x 10
    assert c["monotony"].iloc[6:].tolist() == [10.0] * 4
    assert c["strain"].iloc[6] == pytest.approx(350.0)
    alternating = context_metrics(series([10.0, 0.0] * 5)).iloc[6]
    # [10, 0, 10, 0, 10, 0, 10]: mean 40/7, population SD 10 sqrt(4/7 * 3/7)
    mean = 40 / 7
    sd = 10 * math.sqrt(4 / 7 * 3 / 7)
    assert alternating["monotony"] == pytest.approx(mean / sd)
    assert alternating["strain"] == pytest.approx(40 * mean / sd)
    week_off = context_metrics(series([5.0] * 7 + [0.0] * 7)).iloc[13]
    assert math.isnan(week_off["monotony"])  # an all-zero week


def test_missing_days_do_not_count_as_recorded_for_monotony() -> None:
    loads = [5.0, 5, 5, 0, 0, 5, 5, 5, 5, 5]
    marked = context_metrics(series(loads, status=["ok"] * 3 + ["missing"] * 2 + ["ok"] * 5))
    plain = context_metrics(series(loads))
    # day 4: days 0-2 recorded, 3-4 missing -> 3 recorded days -> NaN; unmarked: 5 -> a value
    assert math.isnan(marked["monotony"].iloc[4])
    # unmarked day 4: window [0, 0, 5, 5, 5, 0, 0]: p = 3/7 -> sqrt(p / (1 - p))
    assert plain["monotony"].iloc[4] == pytest.approx(math.sqrt(3 / 4))
    # day 6: window [5, 5, 5, 0, 0, 5, 5], 5 recorded days: sqrt((5/7) / (2/7))
    assert marked["monotony"].iloc[6] == pytest.approx(math.sqrt(5 / 2))


def test_week_change() -> None:
    c = context_metrics(series([2.0] * 7 + [3.0] * 7 + [0.0] * 7 + [1.0] * 7))
    assert math.isnan(c["week_change_pct"].iloc[12])  # not 14 days of history yet
    assert c["week_distance_km"].iloc[13] == pytest.approx(21.0)
    assert c["prev_week_distance_km"].iloc[13] == pytest.approx(14.0)
    assert c["week_change_pct"].iloc[13] == pytest.approx(50.0)
    assert c["week_change_pct"].iloc[20] == pytest.approx(-100.0)
    # day 21: 1 km vs days 8-14 (6 x 3 km + 0) = 18 km -> 100 * (1 - 18) / 18
    assert c["week_change_pct"].iloc[21] == pytest.approx(100 * (1 - 18) / 18)
    assert math.isnan(c["week_change_pct"].iloc[27])  # previous week was 0 km


def test_load_measure_is_selectable() -> None:
    c = context_metrics(series([4.0] * 21 + [8.0] * 7), load="duration_min").iloc[27]
    assert c["load_measure"] == "duration_min"
    assert c["acute_load"] == pytest.approx(48.0)  # 8 km x 6 min
    assert c["week_distance_km"] == pytest.approx(56.0)  # always distance
    with pytest.raises(SettingsError, match="unknown load measure 'furlongs'"):
        context_metrics(series([1.0]), load="furlongs")


def test_unknown_loads_count_as_zero() -> None:
    frame = series([5.0] * 10)
    frame.loc[3, "trimp_au"] = np.nan
    c = context_metrics(frame, load="trimp_au")
    assert c["acute_load"].iloc[6] == pytest.approx(30 / 7)


def test_settings_change_the_thresholds() -> None:
    loads = [5.0] * 30
    default = context_metrics(series(loads)).iloc[29]
    strict = context_metrics(series(loads), settings=RiskSettings().with_overrides(
        {"acwr_min_chronic_runs": 22, "monotony_cap": 5})).iloc[29]
    assert default["acwr_state"] == "ok" and strict["acwr_state"] == "insufficient_base"
    assert default["monotony"] == 10.0 and strict["monotony"] == 5.0


def test_athletes_are_independent_and_row_order_is_kept() -> None:
    ann = series([4.0] * 21 + [8.0] * 7)
    ben = series([3.0, 0.0, 6.0] * 12, athlete="Ben", start=D0 - dt.timedelta(5))
    both = pd.concat([ben, ann], ignore_index=True).sample(frac=1.0, random_state=3)
    together = context_metrics(both)
    assert together.index.tolist() == both.index.tolist()
    alone = context_metrics(ben)
    mine = together[together["athlete"] == "Ben"].sort_values("local_date")
    for name in ("acute_load", "acwr_uncoupled", "ewma_chronic_load", "monotony", "strain"):
        np.testing.assert_allclose(mine[name].to_numpy(dtype=float),
                                   alone[name].to_numpy(dtype=float), rtol=1e-12)


def test_gaps_in_the_daily_frame_are_refused() -> None:
    frame = series([5.0] * 10).drop(index=4)
    with pytest.raises(FrameContractError, match="athlete 'Ann' is not one row per consecutive "
                       r"day \(gap or duplicate before 2024-01-06\)"):
        context_metrics(frame)
    with pytest.raises(FrameContractError, match="lacks run_count"):
        context_metrics(series([5.0]).drop(columns=["run_count"]))


def test_empty_input_and_glossary() -> None:
    empty = context_metrics(series([5.0]).iloc[0:0])
    assert empty.empty and set(CONTEXT_COLUMNS) <= set(empty.columns)
    assert [c for c in CONTEXT_COLUMNS if c not in GLOSSARY] == []


def test_repeated_index_labels_keep_their_rows() -> None:
    frame = series([4.0] * 21 + [8.0] * 7)
    frame.index = [0] * len(frame)
    c = context_metrics(frame)
    assert len(c) == 28 and c["acwr_uncoupled"].iloc[27] == pytest.approx(2.0)

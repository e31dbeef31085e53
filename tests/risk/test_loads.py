"""Load formulas against values worked out by hand (SCIENCE.md 3.3, 3.5, 4.1)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from risk.loads import (
    banister_trimp,
    default_threshold_hr,
    gap_factor,
    heart_rate_reserve_frac,
    hrss,
    minetti_cost,
    normalised_graded_speed,
    rtss,
    trimp_from_average,
    trimp_weight,
)


def test_trimp_test_vectors_from_science_md() -> None:
    # HRr = (150 - 50) / (190 - 50) = 100/140 = 0.714286
    # male:   60 * 0.714286 * 0.64 * exp(1.92 * 0.714286) = 42.857 * 0.64 * 3.94105 = 108.10
    # female: 60 * 0.714286 * 0.86 * exp(1.67 * 0.714286) = 42.857 * 0.86 * 3.29660 = 121.50
    assert trimp_from_average(60, 150, 50, 190, "M") == pytest.approx(108.1, abs=0.05)
    assert trimp_from_average(60, 150, 50, 190, "F") == pytest.approx(121.5, abs=0.05)


def test_unknown_sex_uses_the_mean_of_both_curves() -> None:
    male = trimp_from_average(60, 150, 50, 190, "M")
    female = trimp_from_average(60, 150, 50, 190, "F")
    assert trimp_from_average(60, 150, 50, 190, None) == pytest.approx((male + female) / 2)


def test_weighting_is_exponential_not_a_power_of_064() -> None:
    # the common bug 0.64 ** (1.92 * x) would give 0.64 ** 1.92 = 0.424 at x = 1
    assert trimp_weight(1.0, "M") == pytest.approx(0.64 * math.exp(1.92))
    assert trimp_weight(0.0, "F") == pytest.approx(0.86)


def test_heart_rate_reserve_is_clipped() -> None:
    assert heart_rate_reserve_frac(40.0, 50, 190) == 0.0
    assert heart_rate_reserve_frac(200.0, 50, 190) == 1.0
    assert heart_rate_reserve_frac(120.0, 50, 190) == pytest.approx(0.5)


def test_per_sample_trimp_equals_average_form_for_constant_heart_rate() -> None:
    t = np.arange(0.0, 3601.0, 1.0)  # 3600 one-second intervals = 60 min
    hr = np.full(len(t), 150.0)
    assert banister_trimp(t, hr, 50, 190, "M") == pytest.approx(108.0954, abs=1e-3)


def test_per_sample_trimp_skips_gaps_over_60_s_and_missing_samples() -> None:
    # 0..600 s every 1 s (10 min), a 120 s gap, then 10 more minutes: the gap is not integrated
    t = np.concatenate([np.arange(0.0, 601.0), np.arange(721.0, 1322.0)])
    hr = np.full(len(t), 150.0)
    twenty_minutes = 108.09536 / 3  # 20 of the 60 minutes of the test vector
    assert banister_trimp(t, hr, 50, 190, "M") == pytest.approx(twenty_minutes, rel=1e-4)
    hr_half_missing = hr.copy()
    hr_half_missing[:600] = np.nan  # the first 10 min carry no heart rate
    assert banister_trimp(t, hr_half_missing, 50, 190, "M") == pytest.approx(
        twenty_minutes / 2, rel=1e-4)


def test_trimp_without_heart_rate_is_nan_not_zero() -> None:
    t = np.arange(0.0, 100.0)
    assert math.isnan(banister_trimp(t, np.full(len(t), np.nan), 50, 190, "M"))


def test_hrss_is_100_for_one_hour_at_threshold() -> None:
    lthr = default_threshold_hr(50, 190)  # 50 + 0.85 * 140 = 169
    assert lthr == pytest.approx(169.0)
    trimp = trimp_from_average(60, lthr, 50, 190, "F")
    assert hrss(trimp, 50, 190, lthr, "F") == pytest.approx(100.0)
    assert hrss(trimp / 2, 50, 190, lthr, "F") == pytest.approx(50.0)


@pytest.mark.parametrize(("grade", "factor"), [
    (-0.20, 0.50), (-0.10, 0.60), (0.0, 1.0), (0.05, 1.30), (0.10, 1.66), (0.20, 2.50),
])
def test_minetti_factors(grade: float, factor: float) -> None:
    assert gap_factor(grade) == pytest.approx(factor, abs=0.005)


def test_minetti_cost_values_and_clipping() -> None:
    assert minetti_cost(0.0) == pytest.approx(3.6)
    assert minetti_cost(-0.20) == pytest.approx(1.80, abs=0.005)
    assert minetti_cost(0.10) == pytest.approx(5.97, abs=0.005)
    assert minetti_cost(0.80) == pytest.approx(minetti_cost(0.45))
    assert minetti_cost(-0.80) == pytest.approx(minetti_cost(-0.45))


def test_rtss_uses_speed_ratio_squared() -> None:
    assert rtss(3600, 4.0, 4.0) == pytest.approx(100.0)
    # 30 min at 1.1 x threshold speed: 100 * 0.5 * 1.21 = 60.5
    assert rtss(1800, 4.4, 4.0) == pytest.approx(60.5)


def test_normalised_graded_speed_of_steady_flat_run_is_its_speed() -> None:
    t = np.arange(0.0, 601.0)
    assert normalised_graded_speed(t, np.full(len(t), 3.5), np.zeros(len(t))) == pytest.approx(3.5)


def test_normalised_graded_speed_weights_hard_parts_more_than_the_mean() -> None:
    # 5 min at 2 m/s, 5 min at 4 m/s (flat): mean 3.0, fourth-power mean of the 30-s averages
    # is close to ((2^4 + 4^4) / 2) ** 0.25 = 136 ** 0.25 = 3.415
    t = np.arange(0.0, 601.0)
    v = np.where(t < 300, 2.0, 4.0)
    ngs = normalised_graded_speed(t, v, np.zeros(len(t)))
    assert 3.3 < ngs < 3.42


def test_normalised_graded_speed_credits_uphill() -> None:
    t = np.arange(0.0, 601.0)
    flat = normalised_graded_speed(t, np.full(len(t), 3.0), np.zeros(len(t)))
    uphill = normalised_graded_speed(t, np.full(len(t), 3.0), np.full(len(t), 0.10))
    assert uphill == pytest.approx(flat * gap_factor(0.10))

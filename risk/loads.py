"""Load formulas as small pure functions: Banister TRIMP, HRSS, rTSS and Minetti's cost of running.

Every function works on scalars or numpy arrays and returns the same shape; nothing here knows
about frames or athletes beyond the numbers it is given. The formulas and test vectors are those
of SCIENCE.md sections 3.3, 3.5 and 4.1.

References
----------
Banister EW. Modeling elite athletic performance. In: MacDougall JD, Wenger HA, Green HJ (eds),
Physiological Testing of the High-Performance Athlete. Human Kinetics, 1991:403-424.

Morton RH, Fitz-Clarke JR, Banister EW. Modeling human performance in running. J Appl Physiol
1990;69(3):1171-1177. doi:10.1152/jappl.1990.69.3.1171

Minetti AE, Moia C, Roi GS, Susta D, Ferretti G. Energy cost of walking and running at extreme
uphill and downhill slopes. J Appl Physiol 2002;93(3):1039-1046. doi:10.1152/japplphysiol.01177.2001

Allen H, Coggan A. Training and Racing with a Power Meter, 2nd ed. VeloPress, 2010 (NP/IF/TSS).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Banister weighting constants ``(k1, k2)`` in ``y = k1 * exp(k2 * HRr)`` (SCIENCE.md 3.3).
TRIMP_CONSTANTS: dict[str, tuple[float, float]] = {"M": (0.64, 1.92), "F": (0.86, 1.67)}
#: Minetti 2002 polynomial coefficients, highest power first, J/kg/m for decimal grade ``i``.
MINETTI_COEFFICIENTS: tuple[float, ...] = (155.4, -30.4, -43.3, 46.3, 19.5, 3.6)
#: Grades outside this range (decimal) are clipped: the polynomial was fitted on -0.45..+0.45.
MINETTI_GRADE_LIMIT = 0.45
#: Sample gaps longer than this are not integrated (SCIENCE.md 3.3, choochoo's ``max_secs``).
MAX_GAP_S = 60.0
#: Default fraction of the heart-rate reserve at the lactate threshold (SCIENCE.md 3.5).
LTHR_RESERVE_FRAC = 0.85
#: Rolling window of the normalised graded speed, in seconds (SCIENCE.md 3.5).
NGS_WINDOW_S = 30.0


def heart_rate_reserve_frac(hr_bpm: FloatArray | float, rest_hr_bpm: float,
                            max_hr_bpm: float) -> FloatArray | float:
    """Fraction of the heart-rate reserve, clipped to [0, 1].

    Parameters
    ----------
    hr_bpm : float or array
        Heart rate [1/min]; NaN stays NaN.
    rest_hr_bpm, max_hr_bpm : float
        Resting and maximal heart rate [1/min]; ``max_hr_bpm > rest_hr_bpm``.

    Returns
    -------
    float or array
        ``clip((HR - rest) / (max - rest), 0, 1)`` [-].
    """
    value = np.clip((np.asarray(hr_bpm, dtype=float) - rest_hr_bpm) / (max_hr_bpm - rest_hr_bpm),
                    0.0, 1.0)
    return float(value) if np.ndim(value) == 0 else value


def trimp_weight(hrr_frac: FloatArray | float, sex: str | None) -> FloatArray | float:
    """Banister's exponential weighting ``y(HRr)``.

    Parameters
    ----------
    hrr_frac : float or array
        Fraction of heart-rate reserve [-].
    sex : {"M", "F", None}
        ``None`` (unknown) gives the mean of the male and female curves (SCIENCE.md 3.3,
        heuristic; the dashboard shows a badge).

    Returns
    -------
    float or array
        ``0.64 exp(1.92 HRr)`` (male), ``0.86 exp(1.67 HRr)`` (female) or their mean [-].
    """
    x = np.asarray(hrr_frac, dtype=float)
    curves = [TRIMP_CONSTANTS[sex]] if sex in TRIMP_CONSTANTS else list(TRIMP_CONSTANTS.values())
    value = np.mean([k1 * np.exp(k2 * x) for k1, k2 in curves], axis=0)
    return float(value) if np.ndim(value) == 0 else value


def trimp_from_average(duration_min: float, avg_hr_bpm: float, rest_hr_bpm: float,
                       max_hr_bpm: float, sex: str | None) -> float:
    """Banister TRIMP from a session's average heart rate.

    ``TRIMP = duration_min * HRr_avg * y(HRr_avg)``. Test vectors (SCIENCE.md 3.3): 60 min at
    HR 150, rest 50, max 190 gives 108.1 (male) and 121.5 (female).

    Parameters
    ----------
    duration_min : float
        Session duration [min].
    avg_hr_bpm, rest_hr_bpm, max_hr_bpm : float
        Average, resting and maximal heart rate [1/min].
    sex : {"M", "F", None}
        See :func:`trimp_weight`.

    Returns
    -------
    float
        TRIMP [au]; NaN when the average heart rate or the duration is missing.

    References
    ----------
    Banister 1991; Morton et al. 1990, doi:10.1152/jappl.1990.69.3.1171
    """
    hrr = heart_rate_reserve_frac(float(avg_hr_bpm), rest_hr_bpm, max_hr_bpm)
    return float(duration_min * hrr * trimp_weight(hrr, sex))


def banister_trimp(time_s: FloatArray, hr_bpm: FloatArray, rest_hr_bpm: float,
                   max_hr_bpm: float, sex: str | None, *, max_gap_s: float = MAX_GAP_S) -> float:
    """Banister TRIMP integrated sample by sample.

    Each interval between consecutive samples ``[t_i, t_i+1)`` contributes
    ``(t_i+1 - t_i)/60 * HRr_i * y(HRr_i)`` using the heart rate at its start. Intervals
    longer than ``max_gap_s`` (pauses, dropouts) and intervals starting on a missing heart-rate
    sample contribute nothing.

    Parameters
    ----------
    time_s : array
        Sample times [s], increasing.
    hr_bpm : array
        Heart-rate samples [1/min]; NaN where missing.
    rest_hr_bpm, max_hr_bpm : float
        Resting and maximal heart rate [1/min].
    sex : {"M", "F", None}
        See :func:`trimp_weight`.
    max_gap_s : float, default 60
        Longest interval that is integrated [s].

    Returns
    -------
    float
        TRIMP [au]; NaN when no interval has a heart rate (a run without a strap is "unknown",
        not 0).
    """
    t = np.asarray(time_s, dtype=float)
    hr = np.asarray(hr_bpm, dtype=float)
    if len(t) < 2:
        return float("nan")
    dt = np.diff(t)
    start_hr = hr[:-1]
    usable = (dt > 0) & (dt <= max_gap_s) & np.isfinite(start_hr)
    if not usable.any():
        return float("nan")
    hrr = heart_rate_reserve_frac(start_hr[usable], rest_hr_bpm, max_hr_bpm)
    return float(np.sum(dt[usable] / 60.0 * hrr * trimp_weight(hrr, sex)))


def default_threshold_hr(rest_hr_bpm: float, max_hr_bpm: float) -> float:
    """Default lactate-threshold heart rate ``rest + 0.85 (max - rest)`` [1/min] (SCIENCE 3.5)."""
    return rest_hr_bpm + LTHR_RESERVE_FRAC * (max_hr_bpm - rest_hr_bpm)


def hrss(trimp_au: float, rest_hr_bpm: float, max_hr_bpm: float, threshold_hr_bpm: float,
         sex: str | None) -> float:
    """Heart-rate stress score: TRIMP normalised to one hour at the lactate threshold.

    ``HRSS = 100 * TRIMP / TRIMP_1h_LT`` with ``TRIMP_1h_LT = 60 * HRr_LT * y(HRr_LT)``
    (SCIENCE.md 3.5; the open Elevate/GoldenCheetah normalisation, grade C).

    Parameters
    ----------
    trimp_au : float
        Session TRIMP [au] (NaN propagates).
    rest_hr_bpm, max_hr_bpm, threshold_hr_bpm : float
        Resting, maximal and lactate-threshold heart rate [1/min].
    sex : {"M", "F", None}
        Must be the same as for the TRIMP.

    Returns
    -------
    float
        HRSS [au]; 100 = one hour at the threshold heart rate.
    """
    hrr_lt = heart_rate_reserve_frac(threshold_hr_bpm, rest_hr_bpm, max_hr_bpm)
    reference = 60.0 * hrr_lt * trimp_weight(hrr_lt, sex)
    return float(100.0 * trimp_au / reference)


def minetti_cost(grade: FloatArray | float) -> FloatArray | float:
    """Minetti's energy cost of running on a slope, ``Cr(i)`` [J/kg/m].

    ``Cr(i) = 155.4 i^5 - 30.4 i^4 - 43.3 i^3 + 46.3 i^2 + 19.5 i + 3.6`` for decimal grade ``i``,
    clipped to +-0.45 (the fitted range). ``Cr(0) = 3.6``, ``Cr(-0.20) = 1.80``,
    ``Cr(+0.10) = 5.97``.

    References
    ----------
    Minetti et al. 2002, doi:10.1152/japplphysiol.01177.2001
    """
    i = np.clip(np.asarray(grade, dtype=float), -MINETTI_GRADE_LIMIT, MINETTI_GRADE_LIMIT)
    value = np.polyval(MINETTI_COEFFICIENTS, i)
    return float(value) if np.ndim(value) == 0 else value


def gap_factor(grade: FloatArray | float) -> FloatArray | float:
    """Grade-adjustment factor ``Cr(i) / Cr(0)`` [-]: -20 % -> 0.50, +10 % -> 1.66, +20 % -> 2.50.

    Multiplying a speed or a distance on grade ``i`` (decimal) by this factor gives the flat
    speed or distance of equal metabolic cost. It says nothing about musculoskeletal load:
    downhill running costs less energy but loads tissue more, so uphill and downhill vertical
    are tracked separately (SCIENCE.md 4.1).
    """
    value = np.asarray(minetti_cost(grade), dtype=float) / MINETTI_COEFFICIENTS[-1]
    return float(value) if np.ndim(value) == 0 else value


def normalised_graded_speed(time_s: FloatArray, speed_mps: FloatArray, grade: FloatArray, *,
                            window_s: float = NGS_WINDOW_S, max_gap_s: float = MAX_GAP_S) -> float:
    """Approximate normalised graded speed (NGS) [m/s].

    Grade-adjust each speed sample with :func:`gap_factor`, take a time-based rolling mean over
    ``window_s`` seconds, then the fourth-power mean ``(mean(v30^4))^(1/4)``, by analogy with
    Coggan's Normalized Power (SCIENCE.md 3.5, approximation graded C/D). Samples are weighted
    by the interval they start (gaps longer than ``max_gap_s`` get no weight).

    Parameters
    ----------
    time_s, speed_mps : array
        Sample times [s] and speeds [m/s].
    grade : array
        Decimal grade per sample; NaN is treated as flat.
    window_s : float, default 30
        Rolling-mean window [s].
    max_gap_s : float, default 60
        Longest interval that is weighted [s].

    Returns
    -------
    float
        NGS [m/s]; NaN when there is no usable speed sample.
    """
    t = np.asarray(time_s, dtype=float)
    v = np.asarray(speed_mps, dtype=float)
    g = np.nan_to_num(np.asarray(grade, dtype=float), nan=0.0)
    if len(t) < 2:
        return float("nan")
    dt = np.append(np.diff(t), 0.0)
    weight = np.where((dt > 0) & (dt <= max_gap_s) & np.isfinite(v), dt, 0.0)
    if weight.sum() <= 0:
        return float("nan")
    adjusted = np.nan_to_num(v, nan=0.0) * np.asarray(gap_factor(g), dtype=float)
    weighted = np.concatenate(([0.0], np.cumsum(adjusted * weight)))
    total = np.concatenate(([0.0], np.cumsum(weight)))
    start = np.searchsorted(t, t - window_s + 1e-9, side="left")
    end = np.arange(1, len(t) + 1)
    span = total[end] - total[start]
    rolling = np.divide(weighted[end] - weighted[start], span, out=np.zeros_like(span),
                        where=span > 0)
    return float((np.sum(weight * rolling**4) / weight.sum()) ** 0.25)


def rtss(duration_s: float, ngs_mps: float, threshold_speed_mps: float) -> float:
    """Running training stress score ``100 * (duration_s / 3600) * IF^2`` with ``IF = NGS / FTS``.

    Speeds, not paces: a pace ratio inverts the relation (SCIENCE.md 3.5). One hour at the
    threshold speed scores 100.

    Parameters
    ----------
    duration_s : float
        Moving duration [s].
    ngs_mps : float
        Normalised graded speed [m/s] (:func:`normalised_graded_speed`, or the average speed
        for a summary-only estimate).
    threshold_speed_mps : float
        Functional threshold speed, about one hour's race speed [m/s].

    Returns
    -------
    float
        rTSS [au].
    """
    intensity = ngs_mps / threshold_speed_mps
    return float(100.0 * (duration_s / 3600.0) * intensity**2)

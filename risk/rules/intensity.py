"""Hard days and intensity flags (SCIENCE.md 5.1 and section 9; all D-grade heuristics).

A run is *hard* when any of: session RPE >= 7 (CR-10); time above threshold speed >= 10 min;
rTSS (else HRSS) >= 1.5 x the median of the athlete's earlier runs (needs 5 earlier runs;
runs under 10 min, such as accidental recordings, are left out of the median).
A day is hard when one of its runs is. ``intensity_spike`` (severity moderate) fires for more
than 3 hard days in 7, and for 7-day time above threshold speed > 1.3 x the mean week of the
21 days before (and at least 10 min more). Consecutive hard days are reported by
:mod:`risk.rules.recovery` as ``poor_recovery`` so that one pattern gives one flag.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk import evidence_load as ev
from risk.flag import Flag
from risk.rules.common import (
    athlete_spans,
    daily_sorted,
    episode_starts,
    expanding_before,
    firing_days,
    run_sessions,
    trailing,
    week_over_baseline,
)
from risk.settings import RiskSettings

PLAUSIBLE = "Hamstring demand rises with speed: plausible, not proven."


def hard_runs(sessions: pd.DataFrame, settings: RiskSettings) -> pd.DataFrame:
    """Runs with ``is_hard`` and the reason (``hard_reason``), sorted by athlete and start.

    Returns the frame of :func:`risk.rules.common.run_sessions` plus ``is_hard`` (bool) and
    ``hard_reason`` (``rpe``, ``time_above_threshold``, ``stress`` or ``""``).
    """
    runs = run_sessions(sessions)
    reason = pd.Series("", index=runs.index, dtype="object")
    if runs.empty:
        runs["is_hard"] = pd.Series(dtype=bool)
        runs["hard_reason"] = reason
        return runs
    stress = _stress(runs)
    minutes = _numeric(runs, "duration_min")
    stress = stress.where(~(minutes < settings.hard_stress_min_duration_min))
    earlier = expanding_before(stress, runs["athlete_code"],
                               int(settings.hard_stress_min_sessions), "median")
    by_stress = (stress >= settings.hard_stress_factor * earlier).fillna(False)
    above = _numeric(runs, "time_above_threshold_s")
    by_time = (above >= 60.0 * settings.hard_time_above_threshold_min).fillna(False)
    rpe = _numeric(runs, "perceived_exertion")
    by_rpe = (rpe >= settings.hard_rpe).fillna(False)
    reason = reason.mask(by_stress, "stress").mask(by_time, "time_above_threshold")
    reason = reason.mask(by_rpe, "rpe")
    runs["is_hard"] = by_rpe | by_time | by_stress
    runs["hard_reason"] = reason
    return runs


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce")


def _stress(runs: pd.DataFrame) -> pd.Series:
    stress = _numeric(runs, "rtss_au")
    return stress.fillna(_numeric(runs, "hrss_au"))


def hard_day_series(sessions: pd.DataFrame, frame: pd.DataFrame,
                    settings: RiskSettings) -> pd.Series:
    """Per row of a :func:`daily_sorted` frame: whether that day had a hard run."""
    runs = hard_runs(sessions, settings)
    if frame.empty or runs.empty:
        return pd.Series(False, index=frame.index)
    hard = runs.iloc[np.flatnonzero(runs["is_hard"].to_numpy(dtype=bool))]
    names = pd.Index(list(dict.fromkeys(athlete_spans(frame)[2])))
    day_keys = _day_keys(_name_codes(frame, names), frame["day_ts"])
    hard_keys = _day_keys(_name_codes(hard, names), hard["day_ts"])
    return pd.Series(np.isin(day_keys, hard_keys), index=frame.index)


def _name_codes(frame: pd.DataFrame, names: pd.Index) -> np.ndarray:
    """Per row, the position of its athlete in ``names`` (-1 if absent), looked up once per
    stretch of rows of one athlete."""
    starts, stops, athletes = athlete_spans(frame)
    return np.repeat(names.get_indexer(pd.Index(athletes)), stops - starts)


def _day_keys(codes: np.ndarray, days: pd.Series) -> np.ndarray:
    """One integer per (athlete code, day)."""
    return codes.astype("int64") * 1_000_000 + days.to_numpy(
        dtype="datetime64[D]").astype("int64")


def intensity_flags(sessions: pd.DataFrame, daily: pd.DataFrame, settings: RiskSettings,
                    hard_days: pd.Series | None = None) -> list[Flag]:
    """Too many hard days in 7, and time above threshold speed far above its baseline.

    Parameters
    ----------
    sessions : DataFrame
        Session frame (``perceived_exertion``, ``time_above_threshold_s``, ``rtss_au`` or
        ``hrss_au`` where known).
    daily : DataFrame
        Daily frame (``time_above_threshold_min`` for the weekly rule).
    settings : RiskSettings
        ``hard_*``, ``hard_days_max_per_7d``, ``intensity_week_factor``,
        ``intensity_week_min_delta_min``.
    hard_days : Series of bool, optional
        :func:`hard_day_series` of these frames when the caller has it already (it is shared
        with :func:`risk.rules.recovery.poor_recovery_flags`); computed here when not given.

    Returns
    -------
    list of Flag
        ``intensity_spike`` with category ``hard_day_share`` or ``time_above_threshold``, on
        the first day of each stretch where the rule holds.

    References
    ----------
    Dorn TW, Schache AG, Pandy MG. J Exp Biol 2012;215:1944-1956. doi:10.1242/jeb.064527.
    Ramskov D et al. BMJ Open Sport Exerc Med 2018;4:e000333.
    """
    frame = daily_sorted(daily)
    if frame.empty:
        return []
    if hard_days is None:
        hard_days = hard_day_series(sessions, frame, settings)
    hard_7d = trailing(frame, hard_days.to_numpy(dtype=float), 7)
    flags: list[Flag] = []
    counts = hard_7d.to_numpy()
    share = episode_starts(frame, hard_7d > settings.hard_days_max_per_7d)
    for index, athlete, day in firing_days(frame, share):
        count = int(counts[index])
        flags.append(Flag(
            athlete=athlete, local_date=day, kind="intensity_spike",
            severity="moderate", value=float(count), threshold=settings.hard_days_max_per_7d,
            unit="days",
            message=f"{count} of the 7 days to {day} were hard days (more than "
            f"{settings.hard_days_max_per_7d:.0f}). {PLAUSIBLE}",
            advice="Keep most days easy: two or three hard days a week, with easy days "
            "between them.",
            evidence_key=ev.INTENSITY_SPIKE, category="hard_day_share",
        ))
    if "time_above_threshold_min" in frame.columns:
        flags.extend(_time_above_flags(frame, settings))
    return flags


def _time_above_flags(frame: pd.DataFrame, settings: RiskSettings) -> list[Flag]:
    condition, week, base = week_over_baseline(frame, "time_above_threshold_min",
                                               settings.intensity_week_factor,
                                               settings.intensity_week_min_delta_min)
    flags = []
    weeks, bases = week.to_numpy(), base.to_numpy()
    for index, athlete, day in firing_days(frame, episode_starts(frame, condition)):
        this, usual = float(weeks[index]), float(bases[index])
        flags.append(Flag(
            athlete=athlete, local_date=day, kind="intensity_spike",
            severity="moderate", value=this,
            threshold=round(settings.intensity_week_factor * usual, 6), unit="min",
            message=f"You ran {this:.0f} min above your threshold speed in the 7 days to {day}, "
            f"against {usual:.0f} min in an average week of the 3 weeks before. {PLAUSIBLE}",
            advice="Add fast running gradually and keep fast sessions apart from hill "
            "sessions.",
            evidence_key=ev.INTENSITY_SPIKE, category="time_above_threshold",
            details={"baseline_week_min": usual},
        ))
    return flags

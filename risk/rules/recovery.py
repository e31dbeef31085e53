"""``poor_recovery``, load part: hard days back to back, no rest day for a long stretch.

SCIENCE.md 5.1 (D-grade hints, not risk scores). Severity moderate for both. The wellness
part (Hooper z-scores, SCIENCE.md 5.2) belongs to the symptom log: :func:`poor_recovery_flags`
takes the wellness frame and hands it to :data:`WELLNESS_RULE` when one is installed, so the
symptom module plugs in without changing this file's callers.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from risk import evidence_load as ev
from risk.flag import Flag
from risk.rules.common import daily_sorted, firing_days, streak_lengths
from risk.rules.intensity import hard_day_series
from risk.settings import RiskSettings

#: ``(wellness, settings) -> list[Flag]``; set by the symptom-log module (``risk.symptoms``).
WellnessRule = Callable[[pd.DataFrame, RiskSettings], list[Flag]]
WELLNESS_RULE: list[WellnessRule] = []


def install_wellness_rule(rule: WellnessRule) -> None:
    """Register the wellness z-score rule (called once by the symptom-log module)."""
    if rule not in WELLNESS_RULE:
        WELLNESS_RULE.append(rule)


def rest_days(frame: pd.DataFrame, settings: RiskSettings) -> pd.Series:
    """Per row of a :func:`daily_sorted` frame: a rest day (no running, little other load).

    Rest means no running distance and a total duration below ``rest_total_load_frac`` of the
    athlete's median duration on training days. Days marked ``missing`` are neither rest nor
    training (unknown).
    """
    runs = (pd.to_numeric(frame["distance_km"], errors="coerce").fillna(0.0)
            if "distance_km" in frame.columns else pd.Series(0.0, index=frame.index))
    if "total_duration_min" in frame.columns:
        total = pd.to_numeric(frame["total_duration_min"], errors="coerce").fillna(0.0)
        median = total.where(total > 0).groupby(
            frame["athlete_code"] if "athlete_code" in frame.columns else frame["athlete"],
            sort=False).transform("median")
        little = (total < settings.rest_total_load_frac * median.fillna(0.0)) | (total == 0)
    else:
        little = pd.Series(True, index=frame.index)
    return (runs <= 0) & little


def poor_recovery_flags(sessions: pd.DataFrame, daily: pd.DataFrame, settings: RiskSettings,
                        wellness: pd.DataFrame | None = None,
                        hard_days: pd.Series | None = None) -> list[Flag]:
    """Back-to-back hard days and too many days without rest (plus wellness when installed).

    Parameters
    ----------
    sessions : DataFrame
        Session frame (for hard days, see :func:`risk.rules.intensity.hard_runs`).
    daily : DataFrame
        Daily frame (``distance_km``, ``total_duration_min``, ``load_status``).
    settings : RiskSettings
        ``consecutive_hard_days``, ``no_rest_days``, ``rest_total_load_frac``.
    wellness : DataFrame, optional
        Wellness entries, handed to the installed wellness rule.
    hard_days : Series of bool, optional
        :func:`risk.rules.intensity.hard_day_series` of these frames when the caller has it
        already (it is shared with the intensity rule); computed here when not given.

    Returns
    -------
    list of Flag
        ``poor_recovery`` with category ``back_to_back_hard`` (on the day the streak of hard
        days reaches ``consecutive_hard_days``) or ``no_rest`` (on the day the stretch
        without rest reaches ``no_rest_days``).
    """
    frame = daily_sorted(daily)
    flags: list[Flag] = []
    if not frame.empty:
        if hard_days is None:
            hard_days = hard_day_series(sessions, frame, settings)
        hard_streaks = streak_lengths(frame, hard_days).to_numpy()
        back_to_back = hard_streaks == int(settings.consecutive_hard_days)
        for index, athlete, day in firing_days(frame, back_to_back):
            flags.append(Flag(
                athlete=athlete, local_date=day, kind="poor_recovery",
                severity="moderate", value=float(hard_streaks[index]),
                threshold=settings.consecutive_hard_days, unit="days",
                message=f"You had {int(hard_streaks[index])} hard days in a row up to {day}.",
                advice="Follow a hard day with an easy day or rest so that tissues can recover.",
                evidence_key=ev.RECOVERY_LOAD, category="back_to_back_hard",
            ))
        missing = frame["load_status"].eq("missing") if "load_status" in frame else False
        training = ~rest_days(frame, settings) & ~missing
        streaks = streak_lengths(frame, training).to_numpy()
        for index, athlete, day in firing_days(frame, streaks == int(settings.no_rest_days)):
            flags.append(Flag(
                athlete=athlete, local_date=day, kind="poor_recovery",
                severity="moderate", value=float(streaks[index]), threshold=settings.no_rest_days,
                unit="days",
                message=f"By {day} you had trained {int(streaks[index])} days in a row without a "
                "rest day.",
                advice="Plan at least one rest day (or a very light day) every week.",
                evidence_key=ev.RECOVERY_LOAD, category="no_rest",
            ))
    if wellness is not None and not wellness.empty:
        for rule in WELLNESS_RULE:
            flags.extend(rule(wellness, settings))
    return flags

"""``monotony_high``: Foster monotony > 2.0 and strain above the athlete's own 90th percentile.

SCIENCE.md 3.2. Monotony and strain are computed by :mod:`risk.context` (7-day window, cap 10,
NaN with fewer than 4 recorded days); this module only judges them. Severity: monotony -> low,
strain above the athlete's own 90th percentile -> moderate.
"""

from __future__ import annotations

import pandas as pd

from risk import evidence_load as ev
from risk.flag import Flag
from risk.rules.common import (
    daily_sorted,
    episode_starts,
    expanding_before,
    firing_days,
    measure_words,
    require,
)
from risk.settings import RiskSettings


def monotony_flags(daily: pd.DataFrame, settings: RiskSettings) -> list[Flag]:
    """Monotony above ``monotony_max`` and strain above the athlete's own percentile.

    Parameters
    ----------
    daily : DataFrame
        Daily frame with context metrics ``monotony`` and ``strain``.
    settings : RiskSettings
        ``monotony_max``, ``monotony_cap``, ``strain_percentile``, ``strain_min_history_days``.

    Returns
    -------
    list of Flag
        ``monotony_high`` with category ``monotony`` (``no_variation`` at the cap) or
        ``strain``, on the first day of each stretch where it holds.

    Notes
    -----
    The strain threshold is the ``strain_percentile`` of the athlete's strain on all earlier
    days, used once ``strain_min_history_days`` earlier values exist (past data only).

    References
    ----------
    Foster C. Med Sci Sports Exerc 1998;30(7):1164-1168. doi:10.1097/00005768-199807000-00023
    """
    require(daily, ("monotony", "strain"), "daily",
            "add the context metrics with risk.context.context_metrics first")
    frame = daily_sorted(daily)
    if frame.empty:
        return []
    monotony = pd.to_numeric(frame["monotony"], errors="coerce")
    strain = pd.to_numeric(frame["strain"], errors="coerce")
    measure = measure_words(str(frame["load_measure"].iloc[0]))[0] \
        if "load_measure" in frame else "training load"
    flags = []
    values = monotony.to_numpy()
    above = episode_starts(frame, monotony.round(6) > settings.monotony_max)
    for index, athlete, day in firing_days(frame, above):
        value = float(values[index])
        capped = value >= settings.monotony_cap
        what = ("every day carried the same load (no variation)" if capped
                else f"monotony was {value:.1f} (above {settings.monotony_max:.1f})")
        flags.append(Flag(
            athlete=athlete, local_date=day, kind="monotony_high",
            severity="low", value=value, threshold=settings.monotony_max, unit="ratio",
            message=f"In the 7 days to {day} your {measure} {what}: little difference "
            "between hard, easy and rest days.",
            advice="Vary the days: make easy days easier and keep at least one rest day.",
            evidence_key=ev.MONOTONY, category="no_variation" if capped else "monotony",
        ))
    limit = expanding_before(strain, frame["athlete_code"],
                             int(settings.strain_min_history_days), "quantile",
                             settings.strain_percentile / 100.0)
    high = strain.round(6) > limit.round(6)
    strains, limits = strain.to_numpy(), limit.to_numpy()
    for index, athlete, day in firing_days(frame, episode_starts(frame, high)):
        value, threshold = float(strains[index]), float(limits[index])
        flags.append(Flag(
            athlete=athlete, local_date=day, kind="monotony_high",
            severity="moderate", value=value, threshold=threshold, unit="au",
            message=f"Your training strain in the 7 days to {day} ({value:.0f}) was above "
            f"{settings.strain_percentile:.0f} % of your own earlier weeks ({threshold:.0f}).",
            advice="Follow a high-strain week with an easier one.",
            evidence_key=ev.MONOTONY, category="strain",
        ))
    return flags

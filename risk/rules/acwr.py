"""ACWR context flags on the uncoupled ratio (SCIENCE.md 1.1, 1.3, 1.5).

``acwr_high`` when the uncoupled ratio is >= 1.80 (coupled ~1.5), ``acwr_low`` when it is
< 0.75 (coupled 0.8). Severity is always ``low``: these are context, not a risk score.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from risk import evidence_load as ev
from risk.flag import Flag
from risk.rules.common import (
    daily_sorted,
    episode_starts,
    firing_days,
    measure_words,
    require,
)
from risk.settings import RiskSettings

CAVEAT = ("Context, not a risk score: the ratio bands come from team sports and studies in "
          "runners disagree.")


def injury_suppression(daily: pd.DataFrame, injuries: pd.DataFrame | None,
                       days: float) -> pd.Series:
    """True on the days that fall within ``days`` after a logged injury (onset to resolution).

    ``injuries`` has ``athlete`` and ``onset_date`` and optionally ``resolved_date``; a day is
    suppressed from the onset until ``days`` after the resolution (or after the onset when no
    resolution is recorded). ``daily`` must come from :func:`daily_sorted`.
    """
    suppressed = pd.Series(False, index=daily.index)
    if injuries is None or injuries.empty:
        return suppressed
    require(injuries, ("athlete", "onset_date"), "injuries",
            "give one row per injury with athlete and onset_date")
    span = pd.Timedelta(days=days)
    for row in injuries.to_dict("records"):
        onset = pd.Timestamp(row["onset_date"]).normalize()
        resolved = row.get("resolved_date")
        end = (onset if resolved is None or pd.isna(resolved)
               else pd.Timestamp(resolved).normalize()) + span
        suppressed |= ((daily["athlete"] == row["athlete"]) & (daily["day_ts"] >= onset)
                       & (daily["day_ts"] <= end))
    return suppressed


def acwr_flags(daily: pd.DataFrame, settings: RiskSettings,
               injuries: pd.DataFrame | None = None) -> list[Flag]:
    """Uncoupled ACWR outside the usual band, as context.

    Parameters
    ----------
    daily : DataFrame
        Daily frame with context metrics (``acwr_uncoupled``, ``acwr_state``, ``acute_load``,
        ``chronic_load_uncoupled``; ``load_measure`` optional).
    settings : RiskSettings
        ``acwr_high``, ``acwr_low``, ``injury_suppress_days``.
    injuries : DataFrame, optional
        Logged injuries (``athlete``, ``onset_date``, optional ``resolved_date``).

    Returns
    -------
    list of Flag
        ``acwr_high`` / ``acwr_low`` on the first day of each stretch outside the band.

    Notes
    -----
    Never while ``acwr_state`` is ``warming_up`` or ``insufficient_base`` (the ratio is hidden
    then), and not for ``injury_suppress_days`` after a logged injury, when a low chronic load
    inflates every ratio.

    References
    ----------
    Gabbett TJ. Br J Sports Med 2016;50(5):273-280. doi:10.1136/bjsports-2015-095788.
    Windt J, Gabbett TJ. Br J Sports Med 2019;53(16):988-990. Impellizzeri FM et al. Sports
    Med 2021;51(3):581-592.
    """
    require(daily, ("acwr_uncoupled", "acwr_state"), "daily",
            "add the context metrics with risk.context.context_metrics first")
    frame = daily_sorted(daily)
    if frame.empty:
        return []
    ratio = pd.to_numeric(frame["acwr_uncoupled"], errors="coerce")
    usable = (frame["acwr_state"] == "ok") & ratio.notna()
    usable &= ~injury_suppression(frame, injuries, settings.injury_suppress_days)
    high = usable & (ratio.round(6) >= settings.acwr_high)
    low = usable & (ratio.round(6) < settings.acwr_low)
    measures = (frame["load_measure"].to_numpy(dtype=object) if "load_measure" in frame
                else np.full(len(frame), "distance_km", dtype=object))
    ratios = ratio.to_numpy(dtype=float)
    acute, chronic = _weekly(frame, "acute_load"), _weekly(frame, "chronic_load_uncoupled")
    flags = []
    for kind, condition in (("acwr_high", high), ("acwr_low", low)):
        for index, athlete, day in firing_days(frame, episode_starts(frame, condition)):
            flags.append(_flag(athlete, day, kind, float(ratios[index]), str(measures[index]),
                               float(acute[index]), float(chronic[index]), settings))
    return flags


def _flag(athlete: str, day: dt.date, kind: str, ratio: float, measure: str, acute: float,
          chronic: float, settings: RiskSettings) -> Flag:
    name, unit = measure_words(measure)
    amounts = (f" ({acute:.1f} vs {chronic:.1f} {unit} per week)"
               if np.isfinite(acute) and np.isfinite(chronic) else "")
    if kind == "acwr_high":
        message = (f"In the 7 days to {day} your {name} was {ratio:.2f} times your "
                   f"average week of the 3 weeks before{amounts}. {CAVEAT}")
        advice = ("How this week compares with your recent weeks: if it was unplanned, let "
                  "the next days be easier; single runs matter more (30-day longest rule).")
        threshold = settings.acwr_high
        category = "above_band"
    else:
        message = (f"In the 7 days to {day} your {name} was {ratio:.2f} times your "
                   f"average week of the 3 weeks before{amounts}: under-loaded. {CAVEAT}")
        advice = ("After a lighter spell, build back gradually: keep single runs within 10 % "
                  "of your 30-day longest.")
        threshold = settings.acwr_low
        category = "below_band"
    return Flag(athlete=athlete, local_date=day, kind=kind,
                severity="low", value=round(ratio, 6), threshold=threshold, unit="ratio",
                message=message, advice=advice, evidence_key=ev.ACWR, category=category)


def _weekly(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Seven times the daily mean ``column`` (a week's load); NaN where unknown or absent."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return 7.0 * pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float,
                                                                          na_value=np.nan)

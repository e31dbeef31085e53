"""Forward guidance: how long the next run can be, and what week keeps the ratio in band.

* Next long run: at most ``1.10 x`` the longest run of the 30 days before ``on`` (Frandsen et
  al. 2025: runs within 10 % of the 30-day longest are the reference group). With no run in
  those 30 days the state is ``return_after_break`` and no distance is given.
* ACWR context for the coming 7 days ``[on, on + 6]``: the uncoupled chronic load of the last
  of those days is the mean daily distance of the 21 days before ``on``, which is known today,
  so the weekly distance that keeps the uncoupled ratio within ``[acwr_low, acwr_band_high]``
  (0.75-1.44, Gabbett's 0.8-1.3 coupled) is ``7 C x [0.75, 1.44]``. Context, not a risk score.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from risk import evidence_load as ev
from risk.rules.common import as_day, run_sessions
from risk.settings import RiskSettings

CHRONIC_DAYS = 21
WARM_UP_DAYS = 28


@dataclass(frozen=True)
class Guidance:
    """What the next days can hold, for one athlete.

    Attributes
    ----------
    state : str
        ``ok``, ``return_after_break`` (no run in the 30 days before ``on``) or ``no_runs``.
    longest_30d_km, longest_30d_date
        The longest run of the 30 days before ``on`` and its date.
    max_next_run_km
        ``guidance_longest_factor`` x the longest (the top of the reference band).
    moderate_above_km, large_above_km
        Distances above which a run would be a moderate (> 30 %) or large (> 100 %) spike.
    acwr_state : str
        ``ok``, ``warming_up`` (< 28 days of history) or ``insufficient_base``.
    chronic_week_km
        Average week of the 21 days before ``on`` (7 x mean daily running distance).
    week_low_km, week_high_km
        The next-7-days distance range that keeps the uncoupled ACWR in band.
    message, acwr_message
        Plain-language sentences for the runner.
    evidence_keys
        Keys into :mod:`risk.evidence`.
    """

    athlete: str
    on: dt.date
    state: str
    longest_30d_km: float | None
    longest_30d_date: dt.date | None
    max_next_run_km: float | None
    moderate_above_km: float | None
    large_above_km: float | None
    acwr_state: str
    chronic_week_km: float | None
    week_low_km: float | None
    week_high_km: float | None
    message: str
    acwr_message: str
    evidence_keys: tuple[str, ...] = (ev.SESSION_SPIKE, ev.ACWR)


def next_run_guidance(sessions: pd.DataFrame, daily: pd.DataFrame | None, athlete: str,
                      on: dt.date, settings: RiskSettings | None = None) -> Guidance:
    """Guidance for ``athlete``'s runs from day ``on`` (runs on ``on`` itself not counted).

    Parameters
    ----------
    sessions : DataFrame
        Session frame (runs: ``athlete``, ``local_date``, ``distance_km``, sport).
    daily : DataFrame or None
        Daily frame (``athlete``, ``local_date``, ``distance_km``); when None the daily
        running distance is summed from ``sessions``.
    athlete : str
    on : date
        The first day the guidance is for (usually today, or tomorrow after today's run).
    settings : RiskSettings, optional

    Returns
    -------
    Guidance

    References
    ----------
    Frandsen JSB et al. Br J Sports Med 2025;59(17):1203-1210. doi:10.1136/bjsports-2024-109380.
    Gabbett TJ. Br J Sports Med 2016;50(5):273-280. doi:10.1136/bjsports-2015-095788.
    """
    settings = settings or RiskSettings()
    day = pd.Timestamp(on)
    runs = run_sessions(sessions[sessions["athlete"] == athlete])
    before = runs[runs["day_ts"] < day]
    window = before[before["day_ts"] >= day - pd.Timedelta(days=settings.session_window_days)]
    window = window[window["run_km"] > 0]
    longest = longest_date = maximum = moderate = large = None
    if before.empty:
        state = "no_runs"
        message = ("No runs recorded yet: start with distances you know you can manage "
                   "comfortably.")
    elif window.empty:
        state = "return_after_break"
        message = (f"No run in the last {settings.session_window_days:.0f} days: start clearly "
                   "shorter than before your break and build up gradually.")
    else:
        state = "ok"
        top = window.iloc[int(window["run_km"].to_numpy().argmax())]
        longest = round(float(top["run_km"]), 6)
        longest_date = pd.Timestamp(top["day_ts"]).date()
        maximum = round(longest * settings.guidance_longest_factor, 6)
        moderate = round(longest * (1 + settings.session_moderate_pct / 100.0), 6)
        large = round(longest * (1 + settings.session_large_pct / 100.0), 6)
        message = (f"Next long run: at most {maximum:.1f} km, within 10 % of your longest run "
                   f"of the last {settings.session_window_days:.0f} days ({longest:.1f} km on "
                   f"{longest_date}). Longer than {maximum:.1f} km is a small spike, longer than "
                   f"{moderate:.1f} km a moderate one, longer than {large:.1f} km a large one.")
    acwr_state, chronic, low, high, acwr_message = _acwr_band(runs, daily, athlete, day, settings)
    return Guidance(athlete=athlete, on=on, state=state, longest_30d_km=longest,
                    longest_30d_date=longest_date, max_next_run_km=maximum,
                    moderate_above_km=moderate, large_above_km=large, acwr_state=acwr_state,
                    chronic_week_km=chronic, week_low_km=low, week_high_km=high,
                    message=message, acwr_message=acwr_message)


def _acwr_band(runs: pd.DataFrame, daily: pd.DataFrame | None, athlete: str, day: pd.Timestamp,
               settings: RiskSettings) -> tuple[str, float | None, float | None, float | None,
                                                str]:
    if daily is not None and not daily.empty:
        own = daily[daily["athlete"] == athlete]
        days = as_day(own["local_date"])
        distance = pd.to_numeric(own["distance_km"], errors="coerce").fillna(0.0)
    else:
        days, distance = runs["day_ts"], runs["run_km"].fillna(0.0)
    start = day - pd.Timedelta(days=CHRONIC_DAYS)
    in_window = (days >= start) & (days < day)
    chronic_daily = float(distance[in_window].sum()) / CHRONIC_DAYS
    run_count = int(((runs["day_ts"] >= start) & (runs["day_ts"] < day)
                     & (runs["run_km"] > 0)).sum())
    first = min([d for d in (days.min(), runs["day_ts"].min()) if pd.notna(d)], default=day)
    if (day - first).days < WARM_UP_DAYS:
        return ("warming_up", None, None, None,
                f"Fewer than {WARM_UP_DAYS} days of history: there is no usual week to compare "
                "with yet; follow the longest-run guidance.")
    if (chronic_daily < settings.acwr_min_chronic_km_per_day
            or run_count < settings.acwr_min_chronic_runs):
        return ("insufficient_base", round(7 * chronic_daily, 6), None, None,
                "Too little recent running for a usual week (returning from a break?): follow "
                "the longest-run guidance instead.")
    chronic = round(7 * chronic_daily, 6)
    low = round(chronic * settings.acwr_low, 6)
    high = round(chronic * settings.acwr_band_high, 6)
    return ("ok", chronic, low, high,
            f"Context, not a risk score: {low:.1f}-{high:.1f} km over the next 7 days keeps "
            f"this week within {settings.acwr_low:.2f}-{settings.acwr_band_high:.2f} times your "
            f"average week of the last 3 weeks ({chronic:.1f} km).")

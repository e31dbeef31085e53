"""Hill flags: session and weekly uphill vertical spikes, first steep exposure (SCIENCE.md 4.2).

All three mirror the distance rules and are D-grade heuristics (rationale B: Roberts &
Belliveau 2005). Severity: session or week spike -> moderate, first steep exposure -> low.
Downhill vertical is tracked by the daily frame but never netted against uphill.
"""

from __future__ import annotations

import pandas as pd

from risk import evidence_load as ev
from risk.flag import Flag
from risk.rules.common import (
    as_int_id,
    daily_sorted,
    episode_starts,
    exceeds_array,
    firing_days,
    pct_change,
    prior_window,
    run_sessions,
    to_date,
    week_over_baseline,
)
from risk.settings import RiskSettings

PLAUSIBLE = "Uphill running loads the hamstrings as hip extensors: plausible, not proven."


def _uphill(runs: pd.DataFrame) -> pd.Series:
    if "up_vert_m" in runs.columns:
        values = pd.to_numeric(runs["up_vert_m"], errors="coerce")
        if "elevation_gain_m" in runs.columns:
            values = values.fillna(pd.to_numeric(runs["elevation_gain_m"], errors="coerce"))
        return values
    if "elevation_gain_m" in runs.columns:
        return pd.to_numeric(runs["elevation_gain_m"], errors="coerce")
    return pd.Series(float("nan"), index=runs.index)


def hill_session_flags(sessions: pd.DataFrame, settings: RiskSettings) -> list[Flag]:
    """A run whose uphill vertical exceeds 1.10 x the most of any run in the prior 30 days.

    Parameters
    ----------
    sessions : DataFrame
        Session frame with ``up_vert_m`` (falls back to ``elevation_gain_m``).
    settings : RiskSettings
        ``hill_session_factor``, ``hill_session_min_m``, ``session_window_days``.

    Returns
    -------
    list of Flag
        ``hill_spike`` (category ``session``) for runs with ``up >= 100 m`` and
        ``up > 1.10 * max(up of runs in (start - 30 d, start))``; runs with no prior run in
        the window are left to the return-after-break state.
    """
    runs = run_sessions(sessions)
    if runs.empty:
        return []
    runs["up_m"] = _uphill(runs)
    runs["prior_up_m"] = prior_window(runs, "up_m", settings.session_window_days, "max")
    prior_m = runs["prior_up_m"]
    chosen = (prior_m.notna() & (runs["up_m"] >= settings.hill_session_min_m)
              & ((prior_m <= 0) | exceeds_array(runs["up_m"], prior_m,
                                                 settings.hill_session_factor)))
    flags = []
    for row in runs[chosen].to_dict("records"):
        up, prior = float(row["up_m"]), float(row["prior_up_m"])
        day = to_date(row["day_ts"])
        change = pct_change(up, prior) if prior > 0 else None
        more = f"{change:.0f} % more than" if change is not None else "more than"
        flags.append(Flag(
            athlete=str(row["athlete"]), local_date=day, kind="hill_spike", severity="moderate",
            value=up, threshold=round(settings.hill_session_factor * prior, 6), unit="m",
            message=f"Your run on {day} climbed {up:.0f} m, {more} your hilliest run of the "
            f"previous {settings.session_window_days:.0f} days ({prior:.0f} m). {PLAUSIBLE}",
            advice=f"Add climbing gradually: keep a run's climb within 10 % of {prior:.0f} m "
            "for now, and watch for sit-bone pain on hills.",
            evidence_key=ev.HILL_SPIKE, activity_id=as_int_id(row["activity_id"]),
            category="session", details={"prior_max_up_m": prior},
        ))
    return flags


def hill_week_flags(daily: pd.DataFrame, settings: RiskSettings) -> list[Flag]:
    """7-day uphill vertical above 1.30 x the mean week of the 21 days before, by >= 150 m.

    Needs ``up_vert_m`` in the daily frame and 28 days of history; flags the first day of
    each stretch where it holds.
    """
    if "up_vert_m" not in daily.columns:
        return []
    frame = daily_sorted(daily)
    if frame.empty:
        return []
    condition, week, base = week_over_baseline(frame, "up_vert_m", settings.hill_week_factor,
                                               settings.hill_week_min_delta_m)
    flags = []
    weeks, bases = week.to_numpy(), base.to_numpy()
    for index, athlete, day in firing_days(frame, episode_starts(frame, condition)):
        this, usual = float(weeks[index]), float(bases[index])
        flags.append(Flag(
            athlete=athlete, local_date=day, kind="hill_spike",
            severity="moderate", value=this, threshold=round(settings.hill_week_factor * usual, 6),
            unit="m",
            message=f"You climbed {this:.0f} m in the 7 days to {day}, against {usual:.0f} m in "
            f"an average week of the 3 weeks before. {PLAUSIBLE}",
            advice="Spread the extra climbing over more weeks; keep hill sessions apart from "
            "fast sessions.",
            evidence_key=ev.HILL_SPIKE, category="week", details={"baseline_week_m": usual},
        ))
    return flags


def steep_exposure_flags(sessions: pd.DataFrame, settings: RiskSettings) -> list[Flag]:
    """The first run with steep (> +10 %) climbing after 28 days without any.

    Needs ``time_up_10pct_s`` (from streams; without it nothing is judged). A run counts as
    steep with at least ``steep_min_s`` above +10 %; the athlete needs ``steep_window_days``
    of earlier runs so that the absence of steep running is known.
    """
    if "time_up_10pct_s" not in sessions.columns:
        return []
    runs = run_sessions(sessions)
    if runs.empty:
        return []
    steep_s = pd.to_numeric(runs["time_up_10pct_s"], errors="coerce")
    runs["is_steep"] = (steep_s >= settings.steep_min_s).astype(float)
    window = settings.steep_window_days
    # No run in the window is no steep run in it (SCIENCE.md 4.2, rest days are 0).
    runs["steep_before"] = prior_window(runs, "is_steep", window, "sum").fillna(0.0)
    first = runs.groupby("athlete_code", sort=False)["start_ts"].transform("min")
    known = runs["start_ts"] - first >= pd.Timedelta(days=window)
    chosen = runs[(runs["is_steep"] > 0) & (runs["steep_before"] == 0) & known]
    flags = []
    for row in chosen.to_dict("records"):
        day = to_date(row["day_ts"])
        seconds = float(row["time_up_10pct_s"])
        flags.append(Flag(
            athlete=str(row["athlete"]), local_date=day, kind="hill_spike", severity="low",
            value=seconds / 60.0, threshold=settings.steep_min_s / 60.0, unit="min",
            message=f"Your run on {day} had {seconds / 60.0:.0f} min above a 10 % gradient, the "
            f"first steep running in {window:.0f} days. {PLAUSIBLE}",
            advice="Introduce steep climbs in short doses and build up over weeks.",
            evidence_key=ev.HILL_SPIKE, activity_id=as_int_id(row["activity_id"]),
            category="first_steep",
        ))
    return flags

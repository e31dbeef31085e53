"""Volume flags: single-session spike (primary, Frandsen 2025) and weekly spike (secondary).

SCIENCE.md 2.1 and 2.2. Severity mapping (docs/flags.md): session spike small (>10-30 %) ->
low, moderate (>30-100 %) -> moderate, large (>100 %) -> high; return after a break -> low;
weekly spike > 30 % -> low, > 60 % -> moderate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from risk import evidence_load as ev
from risk.flag import Flag
from risk.rules.common import (
    PCT_DECIMALS,
    as_int_id,
    daily_sorted,
    episode_starts,
    exceeds_array,
    firing_days,
    history_days,
    km,
    pct,
    pct_change,
    prior_window,
    require,
    run_sessions,
    to_date,
    trailing,
)
from risk.settings import RiskSettings

BANDS: tuple[str, ...] = ("reference", "small", "moderate", "large")
BAND_SEVERITY: dict[str, str] = {"small": "low", "moderate": "moderate", "large": "high"}


def spike_band(spike_pct: float, settings: RiskSettings) -> str:
    """Frandsen band of a percentage increase over the 30-day longest run.

    ``<= 10`` reference, ``(10, 30]`` small, ``(30, 100]`` moderate, ``> 100`` large (with
    the default settings).
    """
    if spike_pct > settings.session_large_pct:
        return "large"
    if spike_pct > settings.session_moderate_pct:
        return "moderate"
    if spike_pct > settings.session_small_pct:
        return "small"
    return "reference"


def session_spike_flags(sessions: pd.DataFrame, settings: RiskSettings) -> list[Flag]:
    """Each run against the longest run of the previous 30 days (strictly before its start).

    Parameters
    ----------
    sessions : DataFrame
        Session frame (``athlete``, ``activity_id``, ``local_date``, ``start_time_utc``,
        ``sport_type`` or ``is_run``, ``distance_km``). Only runs count, for the run judged
        and for the 30-day longest.
    settings : RiskSettings
        ``session_window_days``, ``session_*_pct``, ``same_day_sum_factor``.

    Returns
    -------
    list of Flag
        ``session_spike`` flags with category ``small``/``moderate``/``large``,
        ``same_day_sum`` (the runs of one day summed, a heuristic extension) or
        ``return_after_break`` (no run in the previous 30 days, after earlier history).

    Notes
    -----
    ``spike_pct = 100 (d - Lmax30) / Lmax30``. The very first run in the data is not judged
    (no history, not a break).

    References
    ----------
    Frandsen JSB et al. How much running is too much? Br J Sports Med 2025;59(17):1203-1210.
    doi:10.1136/bjsports-2024-109380
    """
    runs = run_sessions(sessions)
    if runs.empty:
        return []
    window = settings.session_window_days
    runs["lmax_km"] = prior_window(runs, "run_km", window, "max")
    first_start = runs.groupby("athlete_code", sort=False)["start_ts"].transform("first")
    distance, lmax = runs["run_km"], runs["lmax_km"]
    judged = (distance > 0) & (lmax > 0)
    runs["spike_pct"] = (100.0 * (distance - lmax) / lmax).round(PCT_DECIMALS).where(judged)
    runs["band"] = np.select(
        [runs["spike_pct"] > settings.session_large_pct,
         runs["spike_pct"] > settings.session_moderate_pct,
         runs["spike_pct"] > settings.session_small_pct], [3, 2, 1], 0)
    runs["day_key"] = runs["athlete_code"].to_numpy() * 100_000 + (
        runs["day_ts"].to_numpy(dtype="datetime64[D]").astype("int64"))
    bands_by_day = runs["band"].where(judged).groupby(runs["day_key"]).max()
    # A break needs an earlier run: a second run starting with the athlete's first (a double
    # on the first day without start times) is no return.
    returning = (distance > 0) & lmax.isna() & (runs["start_ts"] > first_start)
    flags = [_return_after_break(row, float(row["run_km"]), window)
             for row in runs[returning].to_dict("records")]
    for row in runs[runs["band"] > 0].to_dict("records"):
        distance_km, longest, spike = (float(row["run_km"]), float(row["lmax_km"]),
                                       float(row["spike_pct"]))
        band = BANDS[int(row["band"])]
        day = to_date(row["day_ts"])
        flags.append(Flag(
            athlete=str(row["athlete"]), local_date=day, kind="session_spike",
            severity=BAND_SEVERITY[band], value=spike, threshold=_band_floor(band, settings),
            unit="%",
            message=f"Your run on {day} ({km(distance_km)}) was {pct(spike)} longer than your "
            f"longest run in the previous {window:.0f} days ({km(longest)}): a {band} "
            "single-session spike.",
            advice=f"Keep your next long runs within 10 % of {km(longest)} (at most "
            f"{km(longest * settings.guidance_longest_factor)}) until this distance is usual.",
            evidence_key=ev.SESSION_SPIKE, activity_id=as_int_id(row["activity_id"]),
            category=band, details={"longest_prior_km": longest, "distance_km": distance_km},
        ))
    flags.extend(_same_day_flags(runs, settings, bands_by_day))
    return flags


def _band_floor(band: str, settings: RiskSettings) -> float:
    return {"small": settings.session_small_pct, "moderate": settings.session_moderate_pct,
            "large": settings.session_large_pct}[band]


def _return_after_break(row: dict[Any, Any], distance: float, window: float) -> Flag:
    day = to_date(row["day_ts"])
    return Flag(
        athlete=str(row["athlete"]), local_date=day, kind="session_spike",
        severity="low", value=None, threshold=None, unit="",
        message=f"Your run on {day} ({km(distance)}) was your first in more than "
        f"{window:.0f} days: returning after a break, so there is no recent longest run to "
        "compare it with.",
        advice="Start clearly shorter than before the break and build up gradually; each run "
        "is then judged against your new 30-day longest.",
        evidence_key=ev.RETURN_AFTER_BREAK, activity_id=as_int_id(row["activity_id"]),
        category="return_after_break", details={"distance_km": distance},
    )


def _same_day_flags(runs: pd.DataFrame, settings: RiskSettings,
                    bands_by_day: pd.Series) -> list[Flag]:
    """Days with two or more runs whose sum is a bigger spike than any single run of them."""
    key = runs["day_key"].to_numpy()
    counts = runs.groupby("day_key", sort=False)["run_km"].agg(["size", "sum"])
    unique, first_at = np.unique(key, return_index=True)
    last_at = len(key) - 1 - np.unique(key[::-1], return_index=True)[1]
    appearance = np.argsort(first_at, kind="stable")
    first_at, last_at = first_at[appearance], last_at[appearance]
    doubles = counts["size"].reindex(unique[appearance]).to_numpy() >= 2
    first_at, last_at = first_at[doubles], last_at[doubles]
    days = key[first_at]
    total = counts["sum"].reindex(days).to_numpy(dtype="float64")
    lmax = runs["lmax_km"].to_numpy(dtype="float64")[first_at]
    with np.errstate(divide="ignore", invalid="ignore"):
        spike = np.round(100.0 * (total - lmax) / lmax, PCT_DECIMALS)
    over = (lmax > 0) & np.isfinite(total) & np.isfinite(lmax) & (
        spike > round(100.0 * (settings.same_day_sum_factor - 1.0), PCT_DECIMALS))
    band = np.select([spike > settings.session_large_pct, spike > settings.session_moderate_pct,
                      spike > settings.session_small_pct], [3, 2, 1], 0)
    single = bands_by_day.reindex(days).fillna(0).to_numpy()
    run_counts = counts["size"].reindex(days).to_numpy()
    chosen = np.flatnonzero(over & (band > 0) & (band > single))
    flags: list[Flag] = []
    for position in chosen:
        row = runs.iloc[first_at[position]]
        total_km, longest = float(total[position]), float(lmax[position])
        spike_pct = pct_change(total_km, longest)
        band_name = spike_band(spike_pct, settings)
        date = to_date(row["day_ts"])
        flags.append(Flag(
            athlete=str(row["athlete"]), local_date=date, kind="session_spike",
            severity=BAND_SEVERITY[band_name], value=spike_pct,
            threshold=_band_floor(band_name, settings), unit="%",
            message=f"Your {int(run_counts[position])} runs on {date} added up to "
            f"{km(total_km)}, {pct(spike_pct)} more than your longest single run in the "
            f"previous {settings.session_window_days:.0f} days ({km(longest)}); summing a "
            "day's runs is our extension of the single-session rule.",
            advice=f"Keep a day's running within 10 % of {km(longest)} (at most "
            f"{km(longest * settings.guidance_longest_factor)}) unless that distance is usual.",
            evidence_key=ev.SAME_DAY_SUM,
            activity_id=as_int_id(runs["activity_id"].iloc[last_at[position]]),
            category="same_day_sum",
            details={"longest_prior_km": longest, "day_total_km": total_km},
        ))
    return flags


def weekly_spike_flags(daily: pd.DataFrame, settings: RiskSettings) -> list[Flag]:
    """7-day running distance against the previous 7 days (secondary flag, imprecise evidence).

    Parameters
    ----------
    daily : DataFrame
        Daily frame (``athlete``, ``local_date``, ``distance_km``; ``load_status`` optional).
    settings : RiskSettings
        ``weekly_spike_pct``, ``weekly_spike_moderate_pct``.

    Returns
    -------
    list of Flag
        One ``weekly_spike`` flag on the first day of each stretch of days where
        ``W_t > (1 + pct/100) W_prev``.

    Notes
    -----
    ``W_t`` sums the 7 days up to today, ``W_prev`` the 7 days before. No ratio when
    ``W_prev == 0`` (return after a break: the session rule speaks then), before 14 days of
    history, or when a day of the 14 is marked ``missing`` (the data-gap flag speaks then).

    References
    ----------
    Nielsen RO et al. J Orthop Sports Phys Ther 2014;44(10):739-747.
    doi:10.2519/jospt.2014.5164. Damsted C et al. J Orthop Sports Phys Ther
    2019;49(4):230-238. doi:10.2519/jospt.2019.8541
    """
    require(daily, ("distance_km",), "daily", "build it with risk.daily.daily_frame")
    frame = daily_sorted(daily)
    if frame.empty:
        return []
    week = trailing(frame, "distance_km", 7)
    previous = trailing(frame, "distance_km", 7, skip=7)
    missing = (frame["load_status"] == "missing").astype(float) if "load_status" in frame \
        else pd.Series(0.0, index=frame.index)
    gaps = trailing(frame, missing, 14)
    factor = 1.0 + settings.weekly_spike_pct / 100.0
    condition = exceeds_array(week, previous, factor) & (history_days(frame) >= 13) & (gaps == 0)
    starts = episode_starts(frame, condition)
    flags = []
    weeks, previous_weeks = week.to_numpy(), previous.to_numpy()
    for index, athlete, day in firing_days(frame, starts):
        this, before = float(weeks[index]), float(previous_weeks[index])
        change = pct_change(this, before)
        severity = "moderate" if change > settings.weekly_spike_moderate_pct else "low"
        flags.append(Flag(
            athlete=athlete, local_date=day, kind="weekly_spike",
            severity=severity, value=change, threshold=settings.weekly_spike_pct, unit="%",
            message=f"You ran {km(this)} in the 7 days to {day}, {pct(change)} more than the "
            f"7 days before ({km(before)}).",
            advice="A secondary signal (the evidence for week-to-week change is imprecise): "
            "check that single runs stay within 10 % of your 30-day longest and let this "
            "week's volume settle before adding more.",
            evidence_key=ev.WEEKLY_SPIKE, category="week_over_week",
            details={"week_km": this, "previous_week_km": before},
        ))
    return flags

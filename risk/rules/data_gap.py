"""``data_gap``: too little data for the load metrics to mean much (SCIENCE.md 0; D-grade).

Two triggers, severity low: a stretch of days marked ``missing`` (trained but not recorded),
and fewer recorded days in the last 14 than usual (less than half the athlete's usual count,
taken over the 84 days before those 14).
"""

from __future__ import annotations

import pandas as pd

from risk import evidence_load as ev
from risk.flag import Flag
from risk.rules.common import (
    daily_sorted,
    episode_starts,
    firing_days,
    history_days,
    require,
    streak_lengths,
    trailing,
)
from risk.settings import RiskSettings

CONSEQUENCE = "so loads, ratios and spikes around these days mean little."


def data_gap_flags(daily: pd.DataFrame, settings: RiskSettings) -> list[Flag]:
    """Missing-day stretches and unusually few recorded days.

    Parameters
    ----------
    daily : DataFrame
        Daily frame with ``load_status`` (``ok`` | ``rest`` | ``missing``).
    settings : RiskSettings
        ``data_gap_*``.

    Returns
    -------
    list of Flag
        ``data_gap`` with category ``missing_days`` (on the day a stretch of missing days
        reaches ``data_gap_missing_days``) or ``few_recorded_days`` (first day of a stretch
        where the recorded days of the last ``data_gap_window_days`` fall below
        ``data_gap_recorded_frac`` of usual; needs the full history window and a usual count
        of at least ``data_gap_min_usual_days``).
    """
    require(daily, ("load_status",), "daily", "build it with risk.daily.daily_frame")
    frame = daily_sorted(daily)
    if frame.empty:
        return []
    flags = []
    missing = frame["load_status"].eq("missing")
    streak = streak_lengths(frame, missing)
    streaks = streak.to_numpy()
    for index, athlete, day in firing_days(frame, streak == int(settings.data_gap_missing_days)):
        flags.append(Flag(
            athlete=athlete, local_date=day, kind="data_gap",
            severity="low", value=float(streaks[index]), threshold=settings.data_gap_missing_days,
            unit="days",
            message=f"{int(streaks[index])} days up to {day} are marked as trained but not "
            f"recorded, {CONSEQUENCE}",
            advice="Add the missing runs (file upload or a CSV line) if you can.",
            evidence_key=ev.DATA_GAP, category="missing_days",
        ))
    window, history = int(settings.data_gap_window_days), int(settings.data_gap_history_days)
    recorded = frame["load_status"].eq("ok").astype(float)
    recent = trailing(frame, recorded, window)
    usual = (trailing(frame, recorded, window + history) - recent) * window / history
    few = ((recent.round(6) < (settings.data_gap_recorded_frac * usual).round(6))
           & (usual >= settings.data_gap_min_usual_days)
           & (history_days(frame) >= window + history - 1))
    recents, usuals = recent.to_numpy(), usual.to_numpy()
    for index, athlete, day in firing_days(frame, episode_starts(frame, few)):
        flags.append(Flag(
            athlete=athlete, local_date=day, kind="data_gap",
            severity="low", value=float(recents[index]),
            threshold=round(settings.data_gap_recorded_frac * float(usuals[index]), 6),
            unit="days",
            message=f"Only {int(recents[index])} of the {window} days to {day} have a recorded "
            f"activity, against about {float(usuals[index]):.0f} usually, {CONSEQUENCE}",
            advice="If you trained without recording, mark those days as 'trained but not "
            "recorded' or add the runs; if you rested, all is well.",
            evidence_key=ev.DATA_GAP, category="few_recorded_days",
        ))
    return flags

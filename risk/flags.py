"""All training-load flags for a squad: :func:`compute_flags` runs every rule module.

Rules (docs/flags.md has thresholds, severities, sources and grades):

==================  ===================================================  =================
kind                module                                               evidence
==================  ===================================================  =================
session_spike       :mod:`risk.rules.volume` (incl. same-day sum,        Frandsen 2025 (A)
                    return after a break)
weekly_spike        :mod:`risk.rules.volume`                             Nielsen 2014 (A)
acwr_high/low       :mod:`risk.rules.acwr`                               Gabbett 2016 (C)
hill_spike          :mod:`risk.rules.hills`                              heuristic (D)
intensity_spike     :mod:`risk.rules.intensity`                          heuristic (D)
monotony_high       :mod:`risk.rules.monotony`                           Foster 1998 (C)
poor_recovery       :mod:`risk.rules.recovery` (load part; wellness hook) heuristic (D)
overstride          :mod:`risk.overstride`                               proxy (D)
data_gap            :mod:`risk.rules.data_gap`                           heuristic (D)
==================  ===================================================  =================
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from risk import evidence_load  # noqa: F401  (registers the evidence keys used below)
from risk.errors import SettingsError
from risk.flag import KINDS, SEVERITY_RANK, Flag, flags_frame
from risk.overstride import SESSION_WINDOW_COLUMNS, overstride_flags
from risk.rules.acwr import acwr_flags
from risk.rules.common import DAILY_HELPERS, RUN_HELPERS, daily_sorted, run_sessions
from risk.rules.data_gap import data_gap_flags
from risk.rules.hills import hill_session_flags, hill_week_flags, steep_exposure_flags
from risk.rules.intensity import hard_day_series, intensity_flags
from risk.rules.monotony import monotony_flags
from risk.rules.recovery import poor_recovery_flags
from risk.rules.volume import session_spike_flags, weekly_spike_flags
from risk.settings import RiskSettings, settings_for
from risk.vocabulary import ensure_column

#: The columns of a flags frame (:data:`risk.flag.FLAG_COLUMNS`) in the shared glossary.
FLAG_GLOSSARY: dict[str, tuple[str, str]] = {
    "kind": ("", "flag kind (risk.flag.KINDS)"),
    "severity": ("", "flag severity: low, moderate, high or urgent"),
    "value": ("see unit", "the measured value that crossed the threshold"),
    "threshold": ("see unit", "the threshold the value crossed"),
    "unit": ("", "unit of value and threshold"),
    "message": ("", "one plain-language sentence about the flag"),
    "evidence_key": ("", "key of the flag's evidence entry (loadwatch flags --explain KEY)"),
    "category": ("", "sub-kind of the flag, e.g. the session-spike band"),
    "advice": ("", "what to do next, one sentence"),
}
for _name, (_unit, _meaning) in FLAG_GLOSSARY.items():
    ensure_column(_name, _unit, _meaning, "risk.flag")

#: The flag kinds this module produces (the load vocabulary).
LOAD_KINDS: tuple[str, ...] = (
    "session_spike", "weekly_spike", "acwr_high", "acwr_low", "hill_spike", "intensity_spike",
    "monotony_high", "poor_recovery", "overstride", "data_gap",
)
#: Spike kinds: a runner whose training has no spikes should trigger none of these.
SPIKE_KINDS: tuple[str, ...] = ("session_spike", "weekly_spike", "hill_spike", "intensity_spike")


def compute_flags(sessions: pd.DataFrame, daily: pd.DataFrame,
                  settings: RiskSettings | None = None,
                  athletes: Mapping[str, Any] | None = None,
                  overrides: Mapping[str, Mapping[str, Any]] | None = None, *,
                  windows: pd.DataFrame | None = None,
                  injuries: pd.DataFrame | None = None,
                  wellness: pd.DataFrame | None = None,
                  kinds: Iterable[str] | None = None) -> list[Flag]:
    """Every load flag for every athlete in the frames.

    Parameters
    ----------
    sessions : DataFrame
        Session frame (``risk.sessions.session_frame``).
    daily : DataFrame
        Daily frame with context metrics (``risk.daily.daily_frame`` then
        ``risk.context.context_metrics``).
    settings : RiskSettings, optional
        Thresholds (defaults of SCIENCE.md section 9).
    athletes : mapping of str to AthleteSettings, optional
        Per-athlete physiology; the load rules read the session metrics already derived
        from it, so it is accepted for the shared contract and not needed here.
    overrides : mapping, optional
        ``{athlete or "*": {setting: value or {"value", "by", "reason"}}}``, see
        :mod:`risk.settings`. Each flag judged with overridden settings lists them in
        ``details["overrides"]``.
    windows : DataFrame, optional
        Flat steady 60-s windows (``activity_id``, ``speed_mps``, ``cadence_spm``,
        ``duration_s``) for the overstride proxy; without them the per-run summaries
        ``flat_steady_*`` of ``sessions`` are used when present, else no overstride flags.
    injuries : DataFrame, optional
        Logged injuries (``athlete``, ``onset_date``, optional ``resolved_date``): ACWR flags
        are suppressed for 28 days after them.
    wellness : DataFrame, optional
        Wellness entries for the wellness part of ``poor_recovery`` (symptom log).
    kinds : iterable of str, optional
        Only these kinds (default :data:`LOAD_KINDS`).

    Returns
    -------
    list of Flag
        In athlete, date and urgency order (as :func:`risk.flag.flags_frame` sorts them).

    Raises
    ------
    FrameContractError
        When a frame lacks a column a selected rule needs (the message names it).
    SettingsError
        For an unknown kind or an invalid override.
    """
    del athletes
    selected = tuple(kinds) if kinds is not None else LOAD_KINDS
    unknown = sorted(set(selected) - set(LOAD_KINDS))
    if unknown:
        raise SettingsError(f"unknown load flag kind(s) {', '.join(unknown)}; "
                            f"choose from {', '.join(LOAD_KINDS)}")
    base = settings or RiskSettings()
    names = sorted({str(name) for frame in (sessions, daily) if "athlete" in frame.columns
                    for name in pd.unique(frame["athlete"].dropna())})
    groups: dict[RiskSettings, list[str]] = {}
    for name in names:
        groups.setdefault(settings_for(str(name), base, overrides), []).append(name)
    sessions, daily = _prepared(sessions, daily)
    session_rows, daily_rows = _athlete_rows(sessions), _athlete_rows(daily)
    flags: list[Flag] = []
    for effective, members in groups.items():
        found = []
        for first in range(0, len(members), BLOCK_ATHLETES):
            block = members[first:first + BLOCK_ATHLETES]
            found += _run_rules(_rows_of(sessions, session_rows, block),
                                _rows_of(daily, daily_rows, block), effective, set(selected),
                                windows, injuries, wellness if first == 0 else None)
        if effective.applied:
            changed = [f"{o.name}={o.value:g} ({o.by or 'unknown'}: {o.reason or 'no reason'})"
                       for o in effective.applied]
            for flag in found:
                flag.details["overrides"] = changed
        flags.extend(found)
    return sorted(flags, key=_order_key)


#: The session and daily columns the rules read (the rest is not copied while preparing).
SESSION_INPUTS = frozenset({
    "athlete", "activity_id", "sport_type", "is_run", "local_date", "start_time_utc",
    "start_time_local", "distance_km", "distance_m", "duration_min", "elevation_gain_m",
    "up_vert_m", "time_up_10pct_s", "time_above_threshold_s", "perceived_exertion", "rtss_au",
    "hrss_au", *SESSION_WINDOW_COLUMNS, *RUN_HELPERS})
DAILY_INPUTS = frozenset({
    "athlete", "local_date", "load_status", "distance_km", "total_duration_min", "up_vert_m",
    "time_above_threshold_min", "acwr_uncoupled", "acwr_state", "acute_load",
    "chronic_load_uncoupled", "load_measure", "monotony", "strain", *DAILY_HELPERS})


def _prepared(sessions: pd.DataFrame,
              daily: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs and the days sorted by athlete and time once, with the helper columns every
    rule reads (frames lacking the key columns are passed on for the rules to name)."""
    if all(c in sessions.columns for c in ("athlete", "local_date")) and (
            "is_run" in sessions.columns or "sport_type" in sessions.columns) and (
            "distance_km" in sessions.columns or "distance_m" in sessions.columns):
        sessions = run_sessions(sessions[[c for c in sessions.columns
                                          if c in SESSION_INPUTS]])
    if all(c in daily.columns for c in ("athlete", "local_date")):
        daily = daily_sorted(daily[[c for c in daily.columns if c in DAILY_INPUTS]])
    return sessions, daily


#: Athletes judged together: the rules are per athlete, blocks bound the temporaries.
BLOCK_ATHLETES = 128


def _athlete_rows(frame: pd.DataFrame) -> dict[str, tuple[int, int]] | None:
    """``{athlete: (first row, stop row)}`` of a prepared frame (rows grouped by athlete)."""
    if "athlete_code" not in frame.columns or frame.empty:
        return None
    codes = frame["athlete_code"].to_numpy()
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    stops = np.r_[starts[1:], len(codes)]
    names = frame["athlete"].iloc[starts].astype(str).tolist()
    return {name: (int(a), int(b)) for name, a, b in zip(names, starts, stops, strict=True)}


def _rows_of(frame: pd.DataFrame, rows: dict[str, tuple[int, int]] | None,
             members: list[str]) -> pd.DataFrame:
    """The rows of ``members`` (a slice when they are contiguous), with a default index."""
    if rows is None:
        if "athlete" not in frame.columns:
            return frame
        return frame[frame["athlete"].isin(members)].reset_index(drop=True)
    spans = sorted(rows[name] for name in members if name in rows)
    if not spans:
        return frame.iloc[:0]
    if all(a[1] == b[0] for a, b in itertools.pairwise(spans)):
        part = frame.iloc[spans[0][0]:spans[-1][1]]
    else:
        part = frame.iloc[np.concatenate([np.arange(a, b) for a, b in spans])]
    return part if len(part) == len(frame) else part.reset_index(drop=True)


def _run_rules(sessions: pd.DataFrame, daily: pd.DataFrame, settings: RiskSettings,
               kinds: set[str], windows: pd.DataFrame | None, injuries: pd.DataFrame | None,
               wellness: pd.DataFrame | None) -> list[Flag]:
    flags: list[Flag] = []
    if "session_spike" in kinds:
        flags += session_spike_flags(sessions, settings)
    if "weekly_spike" in kinds:
        flags += weekly_spike_flags(daily, settings)
    if kinds & {"acwr_high", "acwr_low"}:
        flags += [f for f in acwr_flags(daily, settings, injuries) if f.kind in kinds]
    if "hill_spike" in kinds:
        flags += hill_session_flags(sessions, settings)
        flags += hill_week_flags(daily, settings)
        flags += steep_exposure_flags(sessions, settings)
    hard_days = None
    if {"intensity_spike", "poor_recovery"} <= kinds and not daily.empty:
        hard_days = hard_day_series(sessions, daily_sorted(daily), settings)
    if "intensity_spike" in kinds:
        flags += intensity_flags(sessions, daily, settings, hard_days)
    if "monotony_high" in kinds:
        flags += monotony_flags(daily, settings)
    if "poor_recovery" in kinds:
        flags += poor_recovery_flags(sessions, daily, settings, wellness, hard_days)
    if "overstride" in kinds:
        flags += overstride_flags(sessions, windows, settings)
    if "data_gap" in kinds:
        flags += data_gap_flags(daily, settings)
    return flags


def _order_key(flag: Flag) -> tuple[str, Any, int, int]:
    return (flag.athlete, flag.local_date, -SEVERITY_RANK[flag.severity], KINDS.index(flag.kind))


def load_flags_frame(sessions: pd.DataFrame, daily: pd.DataFrame,
                     settings: RiskSettings | None = None, **options: Any) -> pd.DataFrame:
    """:func:`compute_flags` as a :func:`risk.flag.flags_frame`."""
    return flags_frame(compute_flags(sessions, daily, settings, **options))

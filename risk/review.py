"""Pre-injury review: what happened in the weeks before pain started (for clinicians).

Pure functions over the frames of an analysis (``sessions``, ``daily`` with the context
metrics, ``flags``) plus optional symptom and wellness frames; no IO. The dashboard's Review
page and the printable report both render a :class:`Review`.

Windows (all on local calendar days, the onset day included because the run on that day is
often the one that hurt):

* the review window is the ``weeks`` x 7 days ending on the onset day;
* "recent" is its last ``weeks // 2`` weeks, "before" the weeks ahead of that; with the
  default 8 weeks: recent = onset-27 .. onset, before = onset-55 .. onset-28;
* weekly measures are compared as means per 7 days, so halves of unequal length compare;
* the longest run compares the longest run of the 30 days up to the onset with the longest
  run of the 30 days before those (the single-session rule's window, Frandsen et al. 2025,
  doi:10.1136/bjsports-2024-109380).

What changed is descriptive: it lists how training changed, and never says why pain started.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from loadwatch.columns import define
from risk.evidence import explain

WEEK_FIRST_DATE = define("week_first_date", "date", "first local day of a 7-day block")
WEEK_LAST_DATE = define("week_last_date", "date", "last local day of a 7-day block")
WEEKS_BEFORE_END = define("weeks_before_end", "weeks",
                          "7-day block number counted back from the end date (0 = last block)")
WEEKLY_DISTANCE_KM = define("weekly_distance_km", "km", "running distance in a 7-day block")
WEEKLY_RUN_COUNT = define("weekly_run_count", "runs", "number of runs in a 7-day block")
WEEKLY_LONGEST_RUN_KM = define("weekly_longest_run_km", "km", "longest run in a 7-day block")
WEEKLY_DURATION_MIN = define("weekly_duration_min", "min", "running time in a 7-day block")
WEEKLY_UP_VERT_M = define("weekly_up_vert_m", "m", "uphill vertical of runs in a 7-day block")
WEEKLY_ABOVE_THRESHOLD_MIN = define(
    "weekly_time_above_threshold_min", "min", "running time above threshold in a 7-day block")
WEEKLY_SRPE_AU = define("weekly_srpe_au", "au", "session-RPE load in a 7-day block", "Foster 2001")
WEEKLY_REST_DAYS = define("weekly_rest_days", "days", "days without any session in a 7-day block")
WEEKLY_RECORDED_DAYS = define("weekly_recorded_days", "days",
                              "days of the block inside the athlete's recorded history")
CHANGE_MEASURE = define("change_measure", "", "what the what-changed row compares")
CHANGE_UNIT = define("change_unit", "", "unit of the compared values")
BASELINE_VALUE = define("baseline_value", "(change_unit)",
                        "value in the earlier half of the window")
RECENT_VALUE = define("recent_value", "(change_unit)", "value in the recent half of the window")
ABSOLUTE_CHANGE = define("absolute_change", "(change_unit)", "recent_value - baseline_value")
RELATIVE_CHANGE_PCT = define("relative_change_pct", "%",
                             "100 x (recent - baseline) / baseline; NaN when baseline is 0")
FLAG_EVIDENCE_GRADE = define("flag_evidence_grade", "", "evidence grade A-D of the flag's rule")
FLAG_EVIDENCE_CITATION = define("flag_evidence_citation", "", "citation behind the flag's rule")

_WEEKLY_SUMS: dict[str, str] = {
    "distance_km": WEEKLY_DISTANCE_KM,
    "run_count": WEEKLY_RUN_COUNT,
    "duration_min": WEEKLY_DURATION_MIN,
    "up_vert_m": WEEKLY_UP_VERT_M,
    "time_above_threshold_min": WEEKLY_ABOVE_THRESHOLD_MIN,
    "srpe_au": WEEKLY_SRPE_AU,
}
WEEKLY_COLUMNS: tuple[str, ...] = (
    "athlete", WEEKS_BEFORE_END, WEEK_FIRST_DATE, WEEK_LAST_DATE, *_WEEKLY_SUMS.values(),
    WEEKLY_LONGEST_RUN_KM, WEEKLY_REST_DAYS, WEEKLY_RECORDED_DAYS,
)
WHAT_CHANGED_COLUMNS: tuple[str, ...] = (
    CHANGE_MEASURE, CHANGE_UNIT, BASELINE_VALUE, RECENT_VALUE, ABSOLUTE_CHANGE, RELATIVE_CHANGE_PCT,
)
LONGEST_RUN_WINDOW_DAYS = 30


class AnalysisFrames(Protocol):
    """What the review needs of an analysis (``loadwatch.analysis.Analysis`` fits)."""

    @property
    def sessions(self) -> pd.DataFrame: ...

    @property
    def daily(self) -> pd.DataFrame: ...

    @property
    def flags(self) -> pd.DataFrame: ...


@dataclass(frozen=True)
class Review:
    """The weeks before an onset, ready to show or print.

    Attributes
    ----------
    athlete, onset, weeks
        Whose review, the onset day (local date), the window length in weeks.
    start
        First day of the window (``onset - 7 * weeks + 1``).
    recent_start
        First day of the "recent" half.
    daily
        The athlete's daily rows in the window (loads, ACWR, status), one per day.
    weekly
        7-day blocks ending on the onset day (:data:`WEEKLY_COLUMNS`), oldest first.
    what_changed
        One row per measure (:data:`WHAT_CHANGED_COLUMNS`).
    flags
        The athlete's flags in the window with their evidence grade and citation.
    symptoms, wellness
        The athlete's entries in the window (empty frames when none were given).
    is_synthetic
        True for a simulated demo athlete (the report labels it synthetic).
    injury_label
        The injury record the onset comes from, in words ("" for any onset date).
    """

    athlete: str
    onset: dt.date
    weeks: int
    start: dt.date
    recent_start: dt.date
    daily: pd.DataFrame
    weekly: pd.DataFrame
    what_changed: pd.DataFrame
    flags: pd.DataFrame
    symptoms: pd.DataFrame
    wellness: pd.DataFrame
    is_synthetic: bool = False
    injury_label: str = ""


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.normalize()


def _in_window(frame: pd.DataFrame, athlete: str, first: dt.date, last: dt.date,
               date_column: str = "local_date") -> pd.DataFrame:
    if frame is None or frame.empty or date_column not in frame.columns:
        return frame.iloc[0:0].copy() if frame is not None else pd.DataFrame()
    days = _dates(frame[date_column])
    mask = (days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last))
    if "athlete" in frame.columns:
        mask &= frame["athlete"] == athlete
    return frame.loc[mask].copy()


def weekly_totals(daily: pd.DataFrame, *, end: dt.date, weeks: int,
                  athletes: list[str] | None = None) -> pd.DataFrame:
    """Running totals per athlete in 7-day blocks ending on ``end`` (oldest block first).

    Parameters
    ----------
    daily
        Daily frame (``risk.daily.daily_frame`` contract): ``athlete``, ``local_date``,
        ``distance_km``, ``run_count``, ``session_count``, ``duration_min``, ``up_vert_m``,
        ``time_above_threshold_min``, ``srpe_au``, ``longest_run_km``; missing load columns
        give NaN totals.
    end
        Last local day of the last block.
    weeks
        Number of blocks.
    athletes
        Athletes to include (every athlete of ``daily`` when None); an athlete gets a row for
        every block, with NaN totals for blocks before their recorded history.

    Returns
    -------
    pandas.DataFrame
        :data:`WEEKLY_COLUMNS`. Blocks are ``[end - 7k - 6, end - 7k]`` for k = weeks-1 .. 0.
        Sums skip NaN days but are NaN when every recorded day of the block is NaN (e.g.
        uphill vertical without altitude data). ``weekly_rest_days`` counts recorded days with
        no session at all.
    """
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, not {weeks}")
    names = sorted(set(athletes if athletes is not None else daily.get("athlete", [])))
    first = end - dt.timedelta(days=7 * weeks - 1)
    frame = daily.loc[daily["athlete"].isin(names)] if names else daily.iloc[0:0]
    days = _dates(frame["local_date"]) if not frame.empty else pd.Series(dtype="datetime64[ns]")
    frame = frame.loc[(days >= pd.Timestamp(first)) & (days <= pd.Timestamp(end))]
    block = ((pd.Timestamp(end) - _dates(frame["local_date"])).dt.days // 7).astype("int64")
    work = pd.DataFrame({"athlete": frame["athlete"].to_numpy(),
                         WEEKS_BEFORE_END: block.to_numpy()})
    for source, target in _WEEKLY_SUMS.items():
        work[target] = (pd.to_numeric(frame[source], errors="coerce").to_numpy()
                        if source in frame.columns else np.nan)
    work[WEEKLY_LONGEST_RUN_KM] = (
        pd.to_numeric(frame["longest_run_km"], errors="coerce").to_numpy()
        if "longest_run_km" in frame.columns else np.nan)
    sessions = (pd.to_numeric(frame["session_count"], errors="coerce").fillna(0).to_numpy()
                if "session_count" in frame.columns else np.ones(len(frame)))
    work[WEEKLY_REST_DAYS] = (sessions == 0).astype("int64")
    work[WEEKLY_RECORDED_DAYS] = 1
    grouped = work.groupby(["athlete", WEEKS_BEFORE_END])
    sums = grouped[list(_WEEKLY_SUMS.values())].sum(min_count=1)
    sums[WEEKLY_LONGEST_RUN_KM] = grouped[WEEKLY_LONGEST_RUN_KM].max()
    sums[WEEKLY_REST_DAYS] = grouped[WEEKLY_REST_DAYS].sum()
    sums[WEEKLY_RECORDED_DAYS] = grouped[WEEKLY_RECORDED_DAYS].sum()
    full = pd.MultiIndex.from_product([names, range(weeks - 1, -1, -1)],
                                      names=["athlete", WEEKS_BEFORE_END])
    out = sums.reindex(full).reset_index()
    out[WEEKLY_RECORDED_DAYS] = out[WEEKLY_RECORDED_DAYS].fillna(0).astype("int64")
    out[WEEKLY_REST_DAYS] = out[WEEKLY_REST_DAYS].astype("float64")
    offsets = pd.to_timedelta(7 * out[WEEKS_BEFORE_END], unit="D")
    out[WEEK_LAST_DATE] = (pd.Timestamp(end) - offsets).dt.date
    out[WEEK_FIRST_DATE] = (pd.Timestamp(end) - offsets - pd.Timedelta(days=6)).dt.date
    return out[list(WEEKLY_COLUMNS)]


def _longest_streak(active: np.ndarray) -> int:
    """Longest run of consecutive True values."""
    best = current = 0
    for value in active:
        current = current + 1 if value else 0
        best = max(best, current)
    return best


def _per_week(daily: pd.DataFrame, column: str, days: int) -> float:
    if column not in daily.columns or days <= 0:
        return float("nan")
    values = pd.to_numeric(daily[column], errors="coerce")
    if values.notna().sum() == 0:
        return float("nan")
    return float(values.sum()) * 7.0 / days


def _cadence(sessions: pd.DataFrame) -> float:
    if sessions.empty or "avg_cadence_spm" not in sessions.columns:
        return float("nan")
    cadence = pd.to_numeric(sessions["avg_cadence_spm"], errors="coerce")
    weight = pd.to_numeric(sessions.get("moving_time_s", pd.Series(1.0, index=sessions.index)),
                           errors="coerce").fillna(0.0)
    ok = cadence.notna() & (weight > 0)
    if not ok.any():
        return float("nan")
    return float((cadence[ok] * weight[ok]).sum() / weight[ok].sum())


HOOPER_ITEMS: tuple[str, ...] = ("sleep_hooper", "fatigue_hooper", "stress_hooper",
                                 "soreness_hooper")


def hooper_index(wellness: pd.DataFrame) -> pd.Series:
    """Hooper index per wellness entry: the sum of its four 1-7 items (4-28, higher = worse).

    NaN unless all four items are present. Hooper SL, Mackinnon LT, Howard A, Gordon RD,
    Bachmann AW. *Markers for monitoring overtraining and recovery.* Med Sci Sports Exerc
    1995;27(1):106-112 (SCIENCE.md 5.2).
    """
    if wellness.empty or not set(HOOPER_ITEMS) <= set(wellness.columns):
        return pd.Series(float("nan"), index=wellness.index, dtype="float64")
    items = wellness[list(HOOPER_ITEMS)].apply(pd.to_numeric, errors="coerce")
    return items.sum(axis=1, min_count=len(HOOPER_ITEMS)).astype("float64")


def _hooper(wellness: pd.DataFrame) -> float:
    values = hooper_index(wellness)
    return float(values.mean()) if values.notna().any() else float("nan")


def _row(measure: str, unit: str, before: float, recent: float) -> dict[str, object]:
    change = recent - before if not (np.isnan(before) or np.isnan(recent)) else float("nan")
    pct = 100.0 * change / before if before and not np.isnan(change) else float("nan")
    return {CHANGE_MEASURE: measure, CHANGE_UNIT: unit, BASELINE_VALUE: before,
            RECENT_VALUE: recent, ABSOLUTE_CHANGE: change, RELATIVE_CHANGE_PCT: pct}


def what_changed(daily: pd.DataFrame, sessions: pd.DataFrame, athlete: str, onset: dt.date,
                 weeks: int = 8, wellness: pd.DataFrame | None = None) -> pd.DataFrame:
    """Compare the recent half of the review window with the earlier half.

    Rows (per-week values are totals x 7 / days in the half): weekly running distance
    [km/week], runs per week, longest run [km] (30 days up to onset vs the 30 days before),
    uphill vertical [m/week], time above threshold [min/week], session-RPE load [au/week],
    running cadence [steps/min] (moving-time-weighted mean of the runs' average cadence),
    rest days per week, longest stretch without a rest day [days], and the mean Hooper
    wellness index [4-28, higher = worse] when wellness entries are given.

    Returns
    -------
    pandas.DataFrame
        :data:`WHAT_CHANGED_COLUMNS`; NaN where a half has no data for a measure.
    """
    if weeks < 2:
        raise ValueError(f"a review needs at least 2 weeks to compare, not {weeks}")
    recent_days = 7 * (weeks // 2)
    recent_start = onset - dt.timedelta(days=recent_days - 1)
    start = onset - dt.timedelta(days=7 * weeks - 1)
    before_end = recent_start - dt.timedelta(days=1)
    before = _in_window(daily, athlete, start, before_end)
    recent = _in_window(daily, athlete, recent_start, onset)
    runs = sessions
    if "is_run" in sessions.columns:
        runs = sessions.loc[sessions["is_run"].astype(bool)]
    runs_before = _in_window(runs, athlete, start, before_end)
    runs_recent = _in_window(runs, athlete, recent_start, onset)
    long_recent = _in_window(daily, athlete, onset - dt.timedelta(days=LONGEST_RUN_WINDOW_DAYS - 1),
                             onset)
    long_before = _in_window(daily, athlete,
                             onset - dt.timedelta(days=2 * LONGEST_RUN_WINDOW_DAYS - 1),
                             onset - dt.timedelta(days=LONGEST_RUN_WINDOW_DAYS))
    before_n, recent_n = len(before), len(recent)

    def longest(frame: pd.DataFrame) -> float:
        if frame.empty or "longest_run_km" not in frame.columns:
            return float("nan")
        values = pd.to_numeric(frame["longest_run_km"], errors="coerce")
        return float(values.max()) if values.notna().any() else float("nan")

    def rest_days(frame: pd.DataFrame, n: int) -> float:
        if frame.empty or "session_count" not in frame.columns:
            return float("nan")
        return float((pd.to_numeric(frame["session_count"]) == 0).sum()) * 7.0 / n

    def streak(frame: pd.DataFrame) -> float:
        if frame.empty or "session_count" not in frame.columns:
            return float("nan")
        ordered = frame.sort_values("local_date")
        return float(_longest_streak(pd.to_numeric(ordered["session_count"]).to_numpy() > 0))

    rows = [
        _row("weekly running distance", "km/week", _per_week(before, "distance_km", before_n),
             _per_week(recent, "distance_km", recent_n)),
        _row("runs per week", "runs/week", _per_week(before, "run_count", before_n),
             _per_week(recent, "run_count", recent_n)),
        _row("longest run (30 days)", "km", longest(long_before), longest(long_recent)),
        _row("uphill vertical", "m/week", _per_week(before, "up_vert_m", before_n),
             _per_week(recent, "up_vert_m", recent_n)),
        _row("time above threshold", "min/week",
             _per_week(before, "time_above_threshold_min", before_n),
             _per_week(recent, "time_above_threshold_min", recent_n)),
        _row("session-RPE load", "au/week", _per_week(before, "srpe_au", before_n),
             _per_week(recent, "srpe_au", recent_n)),
        _row("running cadence", "steps/min", _cadence(runs_before), _cadence(runs_recent)),
        _row("rest days", "days/week", rest_days(before, before_n),
             rest_days(recent, recent_n)),
        _row("longest stretch without rest", "days", streak(before), streak(recent)),
    ]
    if wellness is not None and not wellness.empty:
        rows.append(_row("wellness (Hooper index, higher = worse)", "4-28",
                         _hooper(_in_window(wellness, athlete, start, before_end)),
                         _hooper(_in_window(wellness, athlete, recent_start, onset))))
    return pd.DataFrame(rows, columns=list(WHAT_CHANGED_COLUMNS))


def flags_with_evidence(flags: pd.DataFrame) -> pd.DataFrame:
    """``flags`` plus the grade and citation of each flag's evidence key."""
    out = flags.copy()
    grades, citations = [], []
    for key in out.get("evidence_key", pd.Series(dtype=object)):
        try:
            evidence = explain(str(key))
        except KeyError:
            grades.append("?")
            citations.append(f"no evidence entry for {key!r}")
            continue
        grades.append(evidence.grade)
        citations.append(evidence.citation + (f" doi:{evidence.doi}" if evidence.doi else ""))
    out[FLAG_EVIDENCE_GRADE] = grades
    out[FLAG_EVIDENCE_CITATION] = citations
    return out


def pre_injury_review(analysis: AnalysisFrames, athlete: str, onset: dt.date, weeks: int = 8, *,
                      symptoms: pd.DataFrame | None = None,
                      wellness: pd.DataFrame | None = None, is_synthetic: bool = False,
                      injury_label: str = "") -> Review:
    """Everything a clinician needs about the ``weeks`` before ``onset``.

    Parameters
    ----------
    analysis
        An analysis (``sessions``, ``daily`` with context metrics, ``flags``).
    athlete
        Whose review.
    onset
        Local date the pain or injury started (an injury record's onset, or any date).
    weeks
        Window length in weeks (at least 2).
    symptoms, wellness
        Optional log frames with ``athlete`` and ``local_date`` columns.
    is_synthetic, injury_label
        Carried into the :class:`Review` for the report's title page.

    Returns
    -------
    Review
    """
    if weeks < 2:
        raise ValueError(f"a review needs at least 2 weeks, not {weeks}")
    start = onset - dt.timedelta(days=7 * weeks - 1)
    recent_start = onset - dt.timedelta(days=7 * (weeks // 2) - 1)
    daily = _in_window(analysis.daily, athlete, start, onset)
    if not daily.empty:
        daily = daily.sort_values("local_date").reset_index(drop=True)
    weekly = weekly_totals(analysis.daily, end=onset, weeks=weeks, athletes=[athlete])
    flags = flags_with_evidence(_in_window(analysis.flags, athlete, start, onset))
    well = _in_window(wellness, athlete, start, onset) if wellness is not None else pd.DataFrame()
    return Review(
        athlete=athlete, onset=onset, weeks=weeks, start=start, recent_start=recent_start,
        daily=daily, weekly=weekly,
        what_changed=what_changed(analysis.daily, analysis.sessions, athlete, onset, weeks,
                                  wellness=well),
        flags=flags.reset_index(drop=True),
        symptoms=(_in_window(symptoms, athlete, start, onset) if symptoms is not None
                  else pd.DataFrame()),
        wellness=well, is_synthetic=is_synthetic, injury_label=injury_label,
    )

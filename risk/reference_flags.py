"""A deliberately simple per-day loop implementation of the load flags.

This module is the independent check of :func:`risk.flags.compute_flags`: every load rule of
docs/flags.md (session spike with the same-day sum and the return after a break, weekly spike,
ACWR high and low with the suppression after injuries, the three hill rules, the two intensity
rules, monotony and strain, the load part of poor recovery, the overstride proxy and the two
data-gap rules) written straight from SCIENCE.md sections 0, 1.5, 2.1, 2.2, 3.2, 4.2, 5.1, 6.3
and 9 as plain Python loops over athletes, days and runs (dictionaries, lists, ``math``,
``statistics``). Every window is recomputed from scratch for every day or run. The daily
metrics (ACWR, monotony, strain) come from the per-day loop of :mod:`risk.reference`, the
thresholds from :class:`risk.settings.RiskSettings`; the cadence baseline is scikit-learn's
``LinearRegression``, the estimator SCIENCE.md 6.3 names. Nothing is shared with the
vectorised rules, so it is slow on purpose; the agreement tests and ``bench/bench_risk.py``
use it.

The result is a list of :class:`ReferenceFlag`: the facts of each flag (athlete, day, kind,
severity, category, value, threshold, run), not its wording.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression

from risk.reference import reference_daily_metrics
from risk.settings import RiskSettings, settings_for

RUNNING = ("Run", "TrailRun", "VirtualRun")
TREADMILL = ("VirtualRun",)
#: Percentages are compared after rounding to this many decimals (docs/flags.md), so that
#: exactly +10 % (11.0 km after 10.0 km) stays in the reference band.
PCT_DECIMALS = 6
#: Robust standard deviation of a normal sample from its median absolute deviation.
MAD_TO_SD = 1.4826
#: The cadence baseline is refitted once without windows this many robust SDs off the line.
TRIM_SDS = 3.0
#: A flat steady window is 60 s long; baseline sizes are counted in 60-s equivalents.
WINDOW_S = 60.0


@dataclass(frozen=True)
class ReferenceFlag:
    """One load flag as the reference loop finds it.

    Parameters
    ----------
    athlete, local_date
        Whose flag and which local calendar day.
    kind, severity, category
        As in docs/flags.md (e.g. ``session_spike``, ``moderate``, ``moderate``).
    value, threshold
        The measured value and the threshold it crossed (None for a return after a break).
    activity_id
        The run that triggered a session-level flag (None for day-level flags).
    """

    athlete: str
    local_date: dt.date
    kind: str
    severity: str
    category: str
    value: float | None
    threshold: float | None
    activity_id: int | None = None


@dataclass(frozen=True)
class _Run:
    """One run of one athlete, with the values the rules read (None when unknown)."""

    activity_id: int | None
    day: dt.date
    start: pd.Timestamp
    km: float | None
    up_m: float | None
    steep_s: float | None
    above_s: float | None
    minutes: float | None
    rpe: float | None
    stress: float | None
    treadmill: bool
    windows: tuple[tuple[float, float, float], ...]


@dataclass(frozen=True)
class _Day:
    """One calendar day of one athlete (running sums over runs, total over every sport)."""

    day: dt.date
    status: str
    km: float | None
    up_m: float | None
    above_min: float | None
    total_min: float | None


def _number(value: object) -> float | None:
    """A float, or None for a missing, NaN or non-numeric value."""
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _identifier(value: object) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _date(value: object) -> dt.date:
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _start(row: Mapping[Any, Any]) -> pd.Timestamp:
    """The start of a session as a naive UTC time (else local time, else local midnight)."""
    utc = row.get("start_time_utc")
    if utc is not None and not pd.isna(utc):
        stamp = pd.Timestamp(utc)
        return stamp.tz_convert(None) if stamp.tzinfo is not None else stamp
    local = row.get("start_time_local")
    if local is not None and not pd.isna(local):
        return pd.Timestamp(local).tz_localize(None)
    return pd.Timestamp(_date(row["local_date"]))


def _sum_known(values: list[float | None]) -> float | None:
    """Sum of the known values; None when none is known."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _window_sum(values: list[float | None], first: int, last: int) -> float | None:
    """Sum of the known values of days ``first..last`` (days before the first day skipped)."""
    return _sum_known(values[max(first, 0):last + 1])


def _pct(value: float, reference: float) -> float:
    """``100 (value - reference) / reference`` rounded to :data:`PCT_DECIMALS`."""
    return round(100.0 * (value - reference) / reference, PCT_DECIMALS)


def _above_factor(value: float, reference: float, factor: float) -> bool:
    """``value > factor x reference``, judged on the rounded percentage (reference > 0)."""
    return reference > 0 and _pct(value, reference) > round(100.0 * (factor - 1.0),
                                                            PCT_DECIMALS)


def _percentile(ordered: list[float], fraction: float) -> float:
    """Linear-interpolation quantile of a sorted list (``fraction`` in [0, 1])."""
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    if lower + 1 >= len(ordered):
        return ordered[lower]
    return ordered[lower] + (ordered[lower + 1] - ordered[lower]) * (position - lower)


def _runs_and_days(sessions: pd.DataFrame, missing: set[tuple[str, dt.date]],
                   windows: pd.DataFrame | None
                   ) -> tuple[dict[str, list[_Run]], dict[str, list[_Day]]]:
    """Per athlete: the runs in start order and the continuous calendar days."""
    own_windows: dict[int, list[tuple[object, object, object]]] = {}
    if windows is not None:
        for row in windows.to_dict(orient="records"):
            key = _identifier(row["activity_id"])
            if key is not None:
                own_windows.setdefault(key, []).append(
                    (row["speed_mps"], row["cadence_spm"], row["duration_s"]))
    runs: dict[str, list[_Run]] = {}
    order: dict[str, list[tuple[pd.Timestamp, int]]] = {}
    sessions_of_day: dict[tuple[str, dt.date], list[dict[Any, Any]]] = {}
    for position, row in enumerate(sessions.to_dict(orient="records")):
        athlete = str(row["athlete"])
        day = _date(row["local_date"])
        sessions_of_day.setdefault((athlete, day), []).append(row)
        is_run = (bool(row["is_run"]) if "is_run" in row and not pd.isna(row["is_run"])
                  else row.get("sport_type") in RUNNING)
        if not is_run:
            continue
        km = (_number(row["distance_km"]) if "distance_km" in row
              else (lambda m: None if m is None else m / 1000)(_number(row.get("distance_m"))))
        up_m = _number(row.get("up_vert_m"))
        if up_m is None:
            up_m = _number(row.get("elevation_gain_m"))
        stress = _number(row.get("rtss_au"))
        if stress is None:
            stress = _number(row.get("hrss_au"))
        identifier = _identifier(row.get("activity_id"))
        run_windows: list[tuple[object, object, object]] = [
            (row.get("flat_steady_speed_mps"), row.get("flat_steady_cadence_spm"),
             row.get("flat_steady_time_s"))]
        if windows is not None:
            run_windows = own_windows.get(identifier, []) if identifier is not None else []
        usable = []
        for speed, cadence, seconds in run_windows:
            v, c, w = _number(speed), _number(cadence), _number(seconds)
            if v is not None and c is not None and w is not None and c > 0 and w > 0:
                usable.append((v, c, w))
        start = _start(row)
        runs.setdefault(athlete, []).append(_Run(
            activity_id=identifier, day=day, start=start, km=km, up_m=up_m,
            steep_s=_number(row.get("time_up_10pct_s")),
            above_s=_number(row.get("time_above_threshold_s")),
            minutes=_number(row.get("duration_min")), rpe=_number(row.get("perceived_exertion")),
            stress=stress, treadmill=row.get("sport_type") in TREADMILL, windows=tuple(usable)))
        order.setdefault(athlete, []).append((start, position))
    for athlete, athlete_runs in runs.items():
        keys = order[athlete]
        ranked = sorted(range(len(athlete_runs)), key=lambda i: keys[i])
        runs[athlete] = [athlete_runs[i] for i in ranked]

    runs_of_day: dict[tuple[str, dt.date], list[_Run]] = {}
    for athlete, athlete_runs in runs.items():
        for run in athlete_runs:
            runs_of_day.setdefault((athlete, run.day), []).append(run)
    dates: dict[str, list[dt.date]] = {}
    for athlete, day in sessions_of_day:
        dates.setdefault(athlete, []).append(day)
    days: dict[str, list[_Day]] = {}
    for athlete in sorted(dates):
        day, last = min(dates[athlete]), max(dates[athlete])
        series = []
        while day <= last:
            rows = sessions_of_day.get((athlete, day), [])
            day_runs = runs_of_day.get((athlete, day), [])
            status = "ok" if rows else ("missing" if (athlete, day) in missing else "rest")
            series.append(_Day(
                day=day, status=status,
                km=_sum_known([r.km for r in day_runs]) if day_runs else 0.0,
                up_m=_sum_known([r.up_m for r in day_runs]) if day_runs else 0.0,
                above_min=(_sum_known([None if r.above_s is None else r.above_s / 60
                                       for r in day_runs]) if day_runs else 0.0),
                total_min=(_sum_known([_number(r.get("duration_min")) for r in rows])
                           if rows else 0.0)))
            day += dt.timedelta(days=1)
        days[athlete] = series
    runs.update({a: [] for a in days if a not in runs})
    return runs, days


def reference_flags(sessions: pd.DataFrame, settings: RiskSettings | None = None,
                    overrides: Mapping[str, Mapping[str, Any]] | None = None, *,
                    missing_days: pd.DataFrame | None = None,
                    injuries: pd.DataFrame | None = None,
                    windows: pd.DataFrame | None = None,
                    metrics: pd.DataFrame | None = None) -> list[ReferenceFlag]:
    """Every load flag of every athlete, one athlete, day and run at a time.

    Parameters
    ----------
    sessions : DataFrame
        Session frame (``risk.sessions.session_frame``): ``athlete``, ``local_date``,
        ``sport_type`` or ``is_run``, ``distance_km``, ``duration_min``, start times and the
        session metrics the rules read when present (``up_vert_m`` or ``elevation_gain_m``,
        ``time_up_10pct_s``, ``time_above_threshold_s``, ``perceived_exertion``, ``rtss_au``,
        ``hrss_au``, ``flat_steady_*``).
    settings : RiskSettings, optional
        Thresholds (defaults of SCIENCE.md section 9).
    overrides : mapping, optional
        ``{athlete or "*": {setting: value}}`` as for :func:`risk.settings.settings_for`.
    missing_days : DataFrame, optional
        ``athlete``, ``local_date`` of days marked trained-but-not-recorded (only days without
        any session count as missing).
    injuries : DataFrame, optional
        ``athlete``, ``onset_date``, optional ``resolved_date``: no ACWR flag from the onset
        until ``injury_suppress_days`` after the resolution (or the onset).
    windows : DataFrame, optional
        Flat steady windows (``activity_id``, ``speed_mps``, ``cadence_spm``,
        ``duration_s``); without them each run's ``flat_steady_*`` summary is one window.
    metrics : DataFrame, optional
        :func:`risk.reference.reference_daily_metrics` of the same sessions and missing days
        (computed here when not given).

    Returns
    -------
    list of ReferenceFlag
        Sorted by athlete, day, kind, category and run.

    References
    ----------
    Frandsen JSB et al. Br J Sports Med 2025;59(17):1203-1210 (session spike). Nielsen RO et
    al. J Orthop Sports Phys Ther 2014;44(10):739-747 (weekly spike). Gabbett TJ. Br J Sports
    Med 2016;50(5):273-280 (ACWR bands). Foster C. Med Sci Sports Exerc 1998;30(7):1164-1168
    (monotony, strain). Heiderscheit BC et al. Med Sci Sports Exerc 2011;43(2):296-302
    (step rate). SCIENCE.md sections 0-6 and 9 for the rules and their heuristics.
    """
    base = settings or RiskSettings()
    marked: set[tuple[str, dt.date]] = set()
    if missing_days is not None:
        marked = {(str(a), _date(d)) for a, d in zip(missing_days["athlete"],
                                                     missing_days["local_date"], strict=True)}
    runs, days = _runs_and_days(sessions, marked, windows)
    missing = {(a, d.day) for a, series in days.items() for d in series
               if d.status == "missing"}
    if metrics is None:
        metrics = reference_daily_metrics(sessions, missing=missing)
    metric_rows: dict[tuple[str, dt.date], dict[Any, Any]] = {
        (str(row["athlete"]), _date(row["local_date"])): row
        for row in metrics.to_dict(orient="records")}
    spans: dict[str, list[tuple[dt.date, dt.date]]] = {}
    if injuries is not None:
        for row in injuries.to_dict(orient="records"):
            onset = _date(row["onset_date"])
            resolved = row.get("resolved_date")
            end = onset if resolved is None or pd.isna(resolved) else _date(resolved)
            spans.setdefault(str(row["athlete"]), []).append((onset, end))
    flags: list[ReferenceFlag] = []
    for athlete in sorted(days):
        own = settings_for(athlete, base, overrides)
        flags += _athlete_flags(athlete, runs[athlete], days[athlete],
                                [metric_rows[(athlete, d.day)] for d in days[athlete]],
                                spans.get(athlete, []), own)
    return sorted(flags, key=lambda f: (f.athlete, f.local_date, f.kind, f.category,
                                        -1 if f.activity_id is None else f.activity_id))


def _athlete_flags(athlete: str, runs: list[_Run], days: list[_Day],
                   metrics: list[dict[str, Any]], injuries: list[tuple[dt.date, dt.date]],
                   s: RiskSettings) -> list[ReferenceFlag]:
    found: list[ReferenceFlag] = []
    found += _session_spikes(athlete, runs, s)
    found += _weekly_spikes(athlete, days, s)
    found += _acwr(athlete, days, metrics, injuries, s)
    found += _hill_sessions(athlete, runs, s)
    found += _hill_weeks(athlete, days, s)
    found += _first_steep(athlete, runs, s)
    hard = _hard_days(runs, s)
    found += _intensity(athlete, days, hard, s)
    found += _monotony(athlete, days, metrics, s)
    found += _poor_recovery(athlete, days, hard, s)
    found += _overstride(athlete, runs, s)
    found += _data_gaps(athlete, days, s)
    return found


def _prior(runs: list[_Run], index: int, days: float) -> list[_Run]:
    """The runs that started in ``(start - days, start)`` of run ``index`` (strictly)."""
    start = runs[index].start
    earliest = start - dt.timedelta(days=days)
    found = []
    j = index - 1
    while j >= 0 and runs[j].start > earliest:
        if runs[j].start < start:
            found.append(runs[j])
        j -= 1
    return found


def _band(spike_pct: float, s: RiskSettings) -> str:
    if spike_pct > s.session_large_pct:
        return "large"
    if spike_pct > s.session_moderate_pct:
        return "moderate"
    if spike_pct > s.session_small_pct:
        return "small"
    return "reference"


BANDS = ("reference", "small", "moderate", "large")
BAND_SEVERITY = {"small": "low", "moderate": "moderate", "large": "high"}


def _band_floor(band: str, s: RiskSettings) -> float:
    return {"small": s.session_small_pct, "moderate": s.session_moderate_pct,
            "large": s.session_large_pct}[band]


def _session_spikes(athlete: str, runs: list[_Run], s: RiskSettings) -> list[ReferenceFlag]:
    """SCIENCE.md 2.2: each run against the longest run of the 30 days before its start;
    a day's runs summed (our extension); a run after 30 days without running."""
    flags = []
    longest: dict[int, float | None] = {}
    best_band: dict[dt.date, int] = {}
    for i, run in enumerate(runs):
        prior_km = [r.km for r in _prior(runs, i, s.session_window_days) if r.km is not None]
        longest[i] = max(prior_km) if prior_km else None
        if run.km is None or run.km <= 0:
            continue
        if not prior_km:
            if runs[0].start < run.start:
                flags.append(ReferenceFlag(athlete, run.day, "session_spike", "low",
                                           "return_after_break", None, None, run.activity_id))
            continue
        lmax = max(prior_km)
        if lmax <= 0:
            continue
        spike = _pct(run.km, lmax)
        band = _band(spike, s)
        best_band[run.day] = max(best_band.get(run.day, 0), BANDS.index(band))
        if band != "reference":
            flags.append(ReferenceFlag(athlete, run.day, "session_spike", BAND_SEVERITY[band],
                                       band, spike, _band_floor(band, s), run.activity_id))
    runs_of_day: dict[dt.date, list[int]] = {}
    for i, run in enumerate(runs):
        runs_of_day.setdefault(run.day, []).append(i)
    for day, of_day in sorted(runs_of_day.items()):
        if len(of_day) < 2:
            continue
        total = _sum_known([runs[i].km for i in of_day])
        first_lmax = longest[of_day[0]]
        if (total is None or first_lmax is None
                or not _above_factor(total, first_lmax, s.same_day_sum_factor)):
            continue
        spike = _pct(total, first_lmax)
        band = _band(spike, s)
        if band == "reference" or BANDS.index(band) <= best_band.get(day, 0):
            continue
        flags.append(ReferenceFlag(athlete, day, "session_spike", BAND_SEVERITY[band],
                                   "same_day_sum", spike, _band_floor(band, s),
                                   runs[of_day[-1]].activity_id))
    return flags


def _weekly_spikes(athlete: str, days: list[_Day], s: RiskSettings) -> list[ReferenceFlag]:
    """SCIENCE.md 2.1: 7-day running distance against the 7 days before (first day of each
    stretch); not before 14 days of history, after a zero week or with a missing day."""
    flags = []
    km = [d.km for d in days]
    before = False
    for t, d in enumerate(days):
        week = _window_sum(km, t - 6, t)
        previous = _window_sum(km, t - 13, t - 7)
        gap = any(x.status == "missing" for x in days[max(t - 13, 0):t + 1])
        now = (t >= 13 and not gap and week is not None and previous is not None
               and _above_factor(week, previous, 1.0 + s.weekly_spike_pct / 100.0))
        if now and not before and week is not None and previous is not None:
            change = _pct(week, previous)
            severity = "moderate" if change > s.weekly_spike_moderate_pct else "low"
            flags.append(ReferenceFlag(athlete, d.day, "weekly_spike", severity,
                                       "week_over_week", change, s.weekly_spike_pct))
        before = now
    return flags


def _acwr(athlete: str, days: list[_Day], metrics: list[dict[str, Any]],
          injuries: list[tuple[dt.date, dt.date]], s: RiskSettings) -> list[ReferenceFlag]:
    """SCIENCE.md 1.3-1.5: uncoupled ACWR >= 1.80 or < 0.75 while the ratio is shown (state
    ok) and not from an injury's onset to 28 days after its resolution."""
    flags = []
    after = dt.timedelta(days=s.injury_suppress_days)
    before = {"acwr_high": False, "acwr_low": False}
    for d, row in zip(days, metrics, strict=True):
        ratio = _number(row["acwr_uncoupled"])
        suppressed = any(onset <= d.day <= end + after for onset, end in injuries)
        usable = row["acwr_state"] == "ok" and ratio is not None and not suppressed
        rounded = round(ratio, 6) if ratio is not None else math.nan
        now = {"acwr_high": usable and rounded >= s.acwr_high,
               "acwr_low": usable and rounded < s.acwr_low}
        for kind, category, threshold in (("acwr_high", "above_band", s.acwr_high),
                                          ("acwr_low", "below_band", s.acwr_low)):
            if now[kind] and not before[kind]:
                flags.append(ReferenceFlag(athlete, d.day, kind, "low", category, rounded,
                                           threshold))
        before = now
    return flags


def _hill_sessions(athlete: str, runs: list[_Run], s: RiskSettings) -> list[ReferenceFlag]:
    """SCIENCE.md 4.2: a run's uphill > 1.10 x the most of any run in the prior 30 days, and
    at least 100 m."""
    flags = []
    for i, run in enumerate(runs):
        prior_up = [r.up_m for r in _prior(runs, i, s.session_window_days) if r.up_m is not None]
        if run.up_m is None or not prior_up or run.up_m < s.hill_session_min_m:
            continue
        most = max(prior_up)
        if most <= 0 or _above_factor(run.up_m, most, s.hill_session_factor):
            flags.append(ReferenceFlag(athlete, run.day, "hill_spike", "moderate", "session",
                                       run.up_m, round(s.hill_session_factor * most, 6),
                                       run.activity_id))
    return flags


def _week_over_base(values: list[float | None], t: int, factor: float,
                    min_delta: float) -> tuple[bool, float, float]:
    """The 7 days to ``t`` against the mean week of the 21 days before (needs 28 days)."""
    week = _window_sum(values, t - 6, t)
    before = _window_sum(values, t - 27, t - 7)
    if t < 27 or week is None:
        return False, math.nan, math.nan
    base = (before or 0.0) / 3.0
    return (_above_factor(week, base, factor) and round(week - base, 6) >= min_delta,
            week, base)


def _hill_weeks(athlete: str, days: list[_Day], s: RiskSettings) -> list[ReferenceFlag]:
    """SCIENCE.md 4.2: 7-day uphill > 1.30 x the mean week of the 21 days before, >= 150 m
    more (first day of each stretch)."""
    flags = []
    up = [d.up_m for d in days]
    before = False
    for t, d in enumerate(days):
        now, week, base = _week_over_base(up, t, s.hill_week_factor, s.hill_week_min_delta_m)
        if now and not before:
            flags.append(ReferenceFlag(athlete, d.day, "hill_spike", "moderate", "week", week,
                                       round(s.hill_week_factor * base, 6)))
        before = now
    return flags


def _first_steep(athlete: str, runs: list[_Run], s: RiskSettings) -> list[ReferenceFlag]:
    """SCIENCE.md 4.2: a run with >= 60 s above +10 % grade when no run of the 28 days before
    had any (the athlete's runs must go back 28 days)."""
    flags = []
    window = s.steep_window_days
    for i, run in enumerate(runs):
        if run.steep_s is None or run.steep_s < s.steep_min_s:
            continue
        if run.start - runs[0].start < dt.timedelta(days=window):
            continue
        prior = _prior(runs, i, window)
        if any(r.steep_s is not None and r.steep_s >= s.steep_min_s for r in prior):
            continue
        flags.append(ReferenceFlag(athlete, run.day, "hill_spike", "low", "first_steep",
                                   run.steep_s / 60.0, s.steep_min_s / 60.0, run.activity_id))
    return flags


def _hard_days(runs: list[_Run], s: RiskSettings) -> set[dt.date]:
    """SCIENCE.md 5.1: days with a run of RPE >= 7, >= 10 min above threshold speed, or rTSS
    (else HRSS) >= 1.5 x the median of the earlier runs (5 of them; runs < 10 min left out)."""
    hard: set[dt.date] = set()
    earlier: list[float] = []
    for run in runs:
        is_hard = run.rpe is not None and run.rpe >= s.hard_rpe
        if run.above_s is not None and run.above_s >= 60.0 * s.hard_time_above_threshold_min:
            is_hard = True
        short = run.minutes is not None and run.minutes < s.hard_stress_min_duration_min
        if run.stress is not None and not short:
            if (len(earlier) >= s.hard_stress_min_sessions
                    and run.stress >= s.hard_stress_factor * statistics.median(earlier)):
                is_hard = True
            bisect.insort(earlier, run.stress)
        if is_hard:
            hard.add(run.day)
    return hard


def _intensity(athlete: str, days: list[_Day], hard: set[dt.date],
               s: RiskSettings) -> list[ReferenceFlag]:
    """SCIENCE.md 9: more than 3 hard days in 7; 7-day time above threshold speed > 1.3 x the
    mean week of the 21 days before and >= 10 min more (first day of each stretch)."""
    flags = []
    before = False
    for t, d in enumerate(days):
        count = sum(1 for x in days[max(t - 6, 0):t + 1] if x.day in hard)
        now = count > s.hard_days_max_per_7d
        if now and not before:
            flags.append(ReferenceFlag(athlete, d.day, "intensity_spike", "moderate",
                                       "hard_day_share", float(count), s.hard_days_max_per_7d))
        before = now
    minutes = [d.above_min for d in days]
    before = False
    for t, d in enumerate(days):
        now, week, base = _week_over_base(minutes, t, s.intensity_week_factor,
                                          s.intensity_week_min_delta_min)
        if now and not before:
            flags.append(ReferenceFlag(athlete, d.day, "intensity_spike", "moderate",
                                       "time_above_threshold", week,
                                       round(s.intensity_week_factor * base, 6)))
        before = now
    return flags


def _monotony(athlete: str, days: list[_Day], metrics: list[dict[str, Any]],
              s: RiskSettings) -> list[ReferenceFlag]:
    """SCIENCE.md 3.2: monotony > 2.0 (at the cap of 10: no variation); strain above the 90th
    percentile of all earlier days' strain once 182 exist (first day of each stretch)."""
    flags = []
    before_monotony = before_strain = False
    history: list[float] = []
    for d, row in zip(days, metrics, strict=True):
        monotony = _number(row["monotony"])
        now = monotony is not None and round(monotony, 6) > s.monotony_max
        if now and not before_monotony and monotony is not None:
            category = "no_variation" if monotony >= s.monotony_cap else "monotony"
            flags.append(ReferenceFlag(athlete, d.day, "monotony_high", "low", category,
                                       monotony, s.monotony_max))
        before_monotony = now
        strain = _number(row["strain"])
        limit = (_percentile(history, s.strain_percentile / 100.0)
                 if len(history) >= s.strain_min_history_days else None)
        high = strain is not None and limit is not None and round(strain, 6) > round(limit, 6)
        if high and not before_strain:
            flags.append(ReferenceFlag(athlete, d.day, "monotony_high", "moderate", "strain",
                                       strain, limit))
        before_strain = high
        if strain is not None:
            bisect.insort(history, strain)
    return flags


def _poor_recovery(athlete: str, days: list[_Day], hard: set[dt.date],
                   s: RiskSettings) -> list[ReferenceFlag]:
    """SCIENCE.md 5.1: the second hard day in a row; the 10th day in a row without rest (no
    running and under 20 % of the median total duration of training days; missing days are
    neither)."""
    flags = []
    streak = 0
    for d in days:
        streak = streak + 1 if d.day in hard else 0
        if streak == int(s.consecutive_hard_days):
            flags.append(ReferenceFlag(athlete, d.day, "poor_recovery", "moderate",
                                       "back_to_back_hard", float(streak),
                                       s.consecutive_hard_days))
    totals = [d.total_min or 0.0 for d in days]
    trained = [x for x in totals if x > 0]
    median = statistics.median(trained) if trained else 0.0
    streak = 0
    for d, total in zip(days, totals, strict=True):
        rest = (d.km or 0.0) <= 0 and (total < s.rest_total_load_frac * median or total == 0)
        streak = streak + 1 if not rest and d.status != "missing" else 0
        if streak == int(s.no_rest_days):
            flags.append(ReferenceFlag(athlete, d.day, "poor_recovery", "moderate", "no_rest",
                                       float(streak), s.no_rest_days))
    return flags


def _cadence_line(windows: list[tuple[float, float, float]]) -> tuple[float, float]:
    """SCIENCE.md 6.3: ``spm = a + b v`` by least squares weighted by window duration,
    refitted once without the windows more than 3 robust SDs off the first line."""
    def fit(chosen: list[tuple[float, float, float]]) -> tuple[float, float]:
        model = LinearRegression().fit(np.array([[v] for v, _, _ in chosen]),
                                       np.array([c for _, c, _ in chosen]),
                                       sample_weight=np.array([w for _, _, w in chosen]))
        return float(model.intercept_), float(model.coef_[0])

    intercept, slope = fit(windows)
    residuals = [c - (intercept + slope * v) for v, c, _ in windows]
    centre = statistics.median(residuals)
    spread = MAD_TO_SD * statistics.median([abs(r - centre) for r in residuals])
    kept = [w for w, r in zip(windows, residuals, strict=True)
            if spread <= 0 or abs(r) <= TRIM_SDS * spread]
    if 2 <= len(kept) < len(windows):
        intercept, slope = fit(kept)
    return intercept, slope


def _overstride(athlete: str, runs: list[_Run], s: RiskSettings) -> list[ReferenceFlag]:
    """SCIENCE.md 6.3: a run's median speed-matched cadence residual <= -5 % of the line
    fitted on the flat steady windows of the 8 weeks before the run's week (Monday)."""
    eligible = []
    for run in runs:
        hilly = (run.km is not None and run.km > 0 and run.up_m is not None
                 and run.up_m / run.km > s.overstride_max_climb_m_per_km)
        if not run.treadmill and not hilly and run.windows:
            eligible.append(run)
    lines: dict[dt.date, tuple[float, float] | None] = {}
    flags = []
    for run in eligible:
        monday = run.day - dt.timedelta(days=run.day.weekday())
        if monday not in lines:
            first = monday - dt.timedelta(days=s.overstride_baseline_days)
            base_runs = [r for r in eligible if first <= r.day < monday]
            base = [w for r in base_runs for w in r.windows]
            enough = (sum(w for _, _, w in base) / WINDOW_S >= s.overstride_min_baseline_windows
                      and len(base_runs) >= s.overstride_min_baseline_sessions
                      and len({v for v, _, _ in base}) >= 2)
            lines[monday] = _cadence_line(base) if enough else None
        line = lines[monday]
        if line is None or sum(w for _, _, w in run.windows) < s.overstride_min_flat_s:
            continue
        intercept, slope = line
        residual = round(statistics.median(
            [100.0 * (c - (intercept + slope * v)) / (intercept + slope * v)
             for v, c, _ in run.windows]), 6)
        if residual <= s.overstride_deficit_pct:
            flags.append(ReferenceFlag(athlete, run.day, "overstride", "low", "cadence_deficit",
                                       residual, s.overstride_deficit_pct, run.activity_id))
    return flags


def _data_gaps(athlete: str, days: list[_Day], s: RiskSettings) -> list[ReferenceFlag]:
    """SCIENCE.md 0: 3 days in a row marked missing; recorded days of the last 14 below half
    the usual count of the 84 days before (usual >= 4; first day of each stretch)."""
    flags = []
    streak = 0
    for d in days:
        streak = streak + 1 if d.status == "missing" else 0
        if streak == int(s.data_gap_missing_days):
            flags.append(ReferenceFlag(athlete, d.day, "data_gap", "low", "missing_days",
                                       float(streak), s.data_gap_missing_days))
    window, history = int(s.data_gap_window_days), int(s.data_gap_history_days)
    before = False
    for t, d in enumerate(days):
        now = False
        recent = usual = 0.0
        if t >= window + history - 1:
            recent = float(sum(1 for x in days[t - window + 1:t + 1] if x.status == "ok"))
            earlier = sum(1 for x in days[t - window - history + 1:t - window + 1]
                          if x.status == "ok")
            usual = earlier * window / history
            now = (round(recent, 6) < round(s.data_gap_recorded_frac * usual, 6)
                   and usual >= s.data_gap_min_usual_days)
        if now and not before:
            flags.append(ReferenceFlag(athlete, d.day, "data_gap", "low", "few_recorded_days",
                                       recent, round(s.data_gap_recorded_frac * usual, 6)))
        before = now
    return flags

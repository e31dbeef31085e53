"""A deliberately simple per-day loop implementation of the main daily metrics.

This module is the independent check of :mod:`risk.daily` and :mod:`risk.context`: it builds
the daily series with dictionaries and walks it one day at a time with plain Python
arithmetic, straight from the formulas of SCIENCE.md sections 1.1, 1.2, 1.5, 2.1, 3.2 and 3.6.
It shares no code with the vectorised implementation (only the column names), is slow on
purpose, and is used by the agreement tests and by ``bench/bench_risk.py`` as the baseline.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

RUNNING = ("Run", "TrailRun", "VirtualRun")

REFERENCE_COLUMNS: tuple[str, ...] = (
    "athlete", "local_date", "distance_km", "run_count", "acute_load", "chronic_load_coupled",
    "chronic_load_uncoupled", "acwr_coupled", "acwr_uncoupled", "ewma_acute_load",
    "ewma_chronic_load", "acwr_ewma", "acwr_ewma_uncoupled", "acwr_state", "ctl", "atl", "tsb",
    "monotony", "strain", "week_distance_km", "prev_week_distance_km", "week_change_pct",
)


def _value(x: object) -> float:
    try:
        number = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(number) else number


def _load(series: list[float], day: int) -> float:
    """The load of day ``day``; days before the first day are 0."""
    return series[day] if day >= 0 else 0.0


def _window(series: list[float], first: int, last: int) -> list[float]:
    return [_load(series, day) for day in range(first, last + 1)]


def reference_daily_metrics(sessions: pd.DataFrame, load: str = "distance_km", *,
                            until: dt.date | None = None,
                            missing: set[tuple[str, dt.date]] | None = None,
                            min_chronic_km_per_day: float = 1.0, min_chronic_runs: int = 4,
                            monotony_cap: float = 10.0) -> pd.DataFrame:
    """Daily metrics of the runs in ``sessions``, one athlete and one day at a time.

    Parameters
    ----------
    sessions : DataFrame
        ``athlete``, ``local_date``, ``sport_type``, ``distance_m`` or ``distance_km``, and the
        session column ``load`` (only running sessions count).
    load : str
        Session column summed per day as the load (e.g. ``distance_km``, ``duration_min``).
    until : date, optional
        Last day of every series (default: each athlete's last activity).
    missing : set of (athlete, date), optional
        Days marked trained-but-not-recorded (they do not count as recorded for monotony).
    min_chronic_km_per_day, min_chronic_runs, monotony_cap
        Thresholds as in SCIENCE.md 1.5 and 3.2.

    Returns
    -------
    DataFrame
        :data:`REFERENCE_COLUMNS`.
    """
    missing = missing or set()
    distance_by_day: dict[tuple[str, dt.date], float] = {}
    load_by_day: dict[tuple[str, dt.date], float] = {}
    runs_by_day: dict[tuple[str, dt.date], int] = {}
    first_day: dict[str, dt.date] = {}
    last_day: dict[str, dt.date] = {}
    for row in sessions.to_dict(orient="records"):
        athlete = str(row["athlete"])
        day = pd.Timestamp(row["local_date"]).date()
        if until is not None and day > until:
            continue
        first_day[athlete] = min(first_day.get(athlete, day), day)
        last_day[athlete] = max(last_day.get(athlete, day), day)
        if row["sport_type"] not in RUNNING:
            continue
        km = (_value(row["distance_km"]) if "distance_km" in row
              else _value(row["distance_m"]) / 1000)
        key = (athlete, day)
        distance_by_day[key] = distance_by_day.get(key, 0.0) + km
        load_by_day[key] = load_by_day.get(key, 0.0) + _value(row[load])
        runs_by_day[key] = runs_by_day.get(key, 0) + 1

    lam_a, lam_c = 2.0 / (7 + 1), 2.0 / (28 + 1)
    alpha_ctl, alpha_atl = 1.0 - math.exp(-1.0 / 42.0), 1.0 - math.exp(-1.0 / 7.0)
    nan = float("nan")
    rows: list[dict[str, object]] = []
    for athlete in sorted(first_day):
        end = until if until is not None else last_day[athlete]
        days: list[dt.date] = []
        day = first_day[athlete]
        while day <= end:
            days.append(day)
            day += dt.timedelta(days=1)
        L = [load_by_day.get((athlete, d), 0.0) for d in days]
        D = [distance_by_day.get((athlete, d), 0.0) for d in days]
        R = [float(runs_by_day.get((athlete, d), 0)) for d in days]
        recorded = [0.0 if (athlete, d) in missing else 1.0 for d in days]
        ewma_a = ewma_c = ctl = atl = 0.0
        ewma_c_history: list[float] = []
        for t, d in enumerate(days):
            yesterday_ctl, yesterday_atl = ctl, atl
            ewma_a = lam_a * L[t] + (1 - lam_a) * ewma_a
            ewma_c = lam_c * L[t] + (1 - lam_c) * ewma_c
            ewma_c_history.append(ewma_c)
            ctl = ctl + alpha_ctl * (L[t] - ctl)
            atl = atl + alpha_atl * (L[t] - atl)

            acute = sum(_window(L, t - 6, t)) / 7
            chronic_coupled = sum(_window(L, t - 27, t)) / 28
            chronic_uncoupled = sum(_window(L, t - 27, t - 7)) / 21
            base_km = sum(_window(D, t - 27, t - 7)) / 21
            base_runs = sum(_window(R, t - 27, t - 7))
            if t < 27:
                state = "warming_up"
            elif base_km < min_chronic_km_per_day or base_runs < min_chronic_runs:
                state = "insufficient_base"
            else:
                state = "ok"
            ok = state == "ok"
            ewma_c_week_ago = ewma_c_history[t - 7] if t >= 7 else nan

            week = _window(L, t - 6, t)
            mean = sum(week) / 7
            sd = math.sqrt(sum((x - mean) ** 2 for x in week) / 7)
            recorded_days = sum(recorded[j] for j in range(max(0, t - 6), t + 1))
            if mean <= 0 or recorded_days < 4:
                monotony = nan
            elif sd <= 1e-9 * mean:
                monotony = monotony_cap
            else:
                monotony = min(mean / sd, monotony_cap)

            week_km = sum(_window(D, t - 6, t))
            prev_km = sum(_window(D, t - 13, t - 7))
            change = 100 * (week_km - prev_km) / prev_km if (t >= 13 and prev_km > 0) else nan

            rows.append({
                "athlete": athlete, "local_date": d, "distance_km": D[t], "run_count": R[t],
                "acute_load": acute,
                "chronic_load_coupled": chronic_coupled,
                "chronic_load_uncoupled": chronic_uncoupled,
                "acwr_coupled": acute / chronic_coupled if ok and chronic_coupled > 0 else nan,
                "acwr_uncoupled": (acute / chronic_uncoupled
                                   if ok and chronic_uncoupled > 0 else nan),
                "ewma_acute_load": ewma_a,
                "ewma_chronic_load": ewma_c,
                "acwr_ewma": ewma_a / ewma_c if ok and ewma_c > 0 else nan,
                "acwr_ewma_uncoupled": (ewma_a / ewma_c_week_ago
                                        if ok and ewma_c_week_ago > 0 else nan),
                "acwr_state": state,
                "ctl": ctl if t >= 42 else nan,
                "atl": atl if t >= 42 else nan,
                "tsb": yesterday_ctl - yesterday_atl if t >= 42 else nan,
                "monotony": monotony,
                "strain": sum(week) * monotony,
                "week_distance_km": week_km,
                "prev_week_distance_km": prev_km,
                "week_change_pct": change,
            })
    return pd.DataFrame(rows, columns=list(REFERENCE_COLUMNS))

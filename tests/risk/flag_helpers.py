"""Hand-made frames with the risk data contract's columns, for the flag rule tests.

Values are chosen in each test so that the expected flags can be worked out by hand; these
helpers only lay them out as the session and daily frames the rules read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

RUNS = {"Run", "TrailRun", "VirtualRun"}


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def sessions_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per session. Keys: ``date`` and ``km`` (required); ``athlete`` (default
    ``"Ana"``), ``sport`` (``"Run"``), ``hour`` (7), ``minutes`` (6 per km), ``up_m``,
    ``steep_s``, ``above_s``, ``rpe``, ``rtss``, ``activity_id`` (numbered from 1)."""
    records = []
    for number, row in enumerate(rows, start=1):
        date = day(row["date"]) if isinstance(row["date"], str) else row["date"]
        start_local = dt.datetime.combine(date, dt.time(int(row.get("hour", 7))))
        sport = row.get("sport", "Run")
        km = float(row["km"])
        minutes = float(row.get("minutes", 6.0 * km))
        records.append({
            "activity_id": row.get("activity_id", number),
            "athlete": row.get("athlete", "Ana"),
            "sport_type": sport,
            "is_run": sport in RUNS,
            "local_date": date,
            "start_time_local": pd.Timestamp(start_local),
            "start_time_utc": pd.Timestamp(start_local, tz="UTC"),
            "distance_km": km,
            "duration_min": minutes,
            "elevation_gain_m": float(row.get("up_m", 0.0)),
            "up_vert_m": float(row.get("up_m", 0.0)),
            "time_up_10pct_s": float(row.get("steep_s", 0.0)),
            "time_above_threshold_s": float(row.get("above_s", 0.0)),
            "perceived_exertion": float(row.get("rpe", np.nan)),
            "rtss_au": float(row.get("rtss", np.nan)),
            "hrss_au": np.nan,
        })
    return pd.DataFrame(records)


def daily_frame(sessions: pd.DataFrame, *, start: str | None = None, until: str | None = None,
                missing: Iterable[str] = (), context: Mapping[str, Iterable[Any]] | None = None
                ) -> pd.DataFrame:
    """Continuous days per athlete from ``start`` (or the first session) to ``until`` (or the
    last session), summing running loads and total duration; ``missing`` days get
    ``load_status = "missing"``. ``context`` columns (e.g. ``acwr_uncoupled``) are given as
    lists over those days (single-athlete frames) and default to NaN / ``"warming_up"``."""
    frames = []
    missing_days = {day(text) for text in missing}
    for athlete, own in sessions.groupby("athlete"):
        first = day(start) if start else min(own["local_date"])
        last = day(until) if until else max(own["local_date"])
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        runs = own[own["is_run"]]
        rows = []
        for date in days:
            today_runs = runs[runs["local_date"] == date]
            today_all = own[own["local_date"] == date]
            status = ("missing" if date in missing_days
                      else "ok" if len(today_all) else "rest")
            rows.append({
                "athlete": athlete, "local_date": date, "load_status": status,
                "run_count": len(today_runs), "session_count": len(today_all),
                "distance_km": float(today_runs["distance_km"].sum()),
                "duration_min": float(today_runs["duration_min"].sum()),
                "up_vert_m": float(today_runs["up_vert_m"].sum()),
                "time_above_threshold_min": float(today_runs["time_above_threshold_s"].sum())
                / 60.0,
                "total_duration_min": float(today_all["duration_min"].sum()),
                "longest_run_km": float(today_runs["distance_km"].max())
                if len(today_runs) else 0.0,
            })
        frame = pd.DataFrame(rows)
        frame["acwr_uncoupled"] = np.nan
        frame["acwr_state"] = "warming_up"
        frame["acute_load"] = np.nan
        frame["chronic_load_uncoupled"] = np.nan
        frame["monotony"] = np.nan
        frame["strain"] = np.nan
        frame["load_measure"] = "distance_km"
        for name, values in (context or {}).items():
            frame[name] = list(values)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def weekly_runs(first_monday: str, weeks: int, pattern: Mapping[int, float],
                **extra: Any) -> list[dict[str, Any]]:
    """Runs repeating ``pattern`` ({weekday 0=Monday: km}) for ``weeks`` weeks."""
    monday = day(first_monday)
    rows = []
    for week in range(weeks):
        for weekday, km in sorted(pattern.items()):
            date = monday + dt.timedelta(days=7 * week + weekday)
            rows.append({"date": date.isoformat(), "km": km, **extra})
    return rows

"""The coach's roster as a frame: one row per athlete, most urgent first (pure, no streamlit).

It only selects and orders what the risk engine produced (flags, context metrics, weekly
totals from :func:`risk.review.weekly_totals`); it computes no metric of its own.

Status of an athlete on day ``on``:

* ``urgent`` / ``high`` / ``watch``: the most severe flag of the 7 days up to ``on``
  (severity urgent -> urgent, high -> high, moderate or low -> watch);
* ``ok``: recent data and no flag in those 7 days;
* ``no data``: no activity in the 14 days up to ``on`` (nothing recent to judge).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from dashboard.palette import SEVERITY_STATUS, STATUSES
from risk.flag import KINDS, SEVERITY_RANK
from risk.review import weekly_totals

FLAG_WINDOW_DAYS = 7
NO_DATA_DAYS = 14
SPARK_WEEKS = 8
PAIN_COLUMNS = ("pain_during_run_nrs", "pain_after_1h_nrs", "pain_next_morning_nrs",
                "pain_at_rest_nrs")
ROSTER_COLUMNS = ("athlete", "status", "top_flag", "message", "week_km", "week_change_pct",
                  "latest_pain", "acwr", "last_data", "weeks_km", "flag_count")


def _top_flags(flags: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    if flags.empty:
        return pd.DataFrame(columns=["athlete", "severity", "kind", "message", "flag_count"])
    days = pd.to_datetime(flags["local_date"])
    recent = flags.loc[(days <= pd.Timestamp(on))
                       & (days > pd.Timestamp(on - dt.timedelta(days=FLAG_WINDOW_DAYS)))].copy()
    if recent.empty:
        return pd.DataFrame(columns=["athlete", "severity", "kind", "message", "flag_count"])
    recent["_rank"] = recent["severity"].map(SEVERITY_RANK)
    recent["_kind"] = recent["kind"].map({k: i for i, k in enumerate(KINDS)})
    recent["_day"] = pd.to_datetime(recent["local_date"])
    recent = recent.sort_values(["athlete", "_rank", "_kind", "_day"],
                                ascending=[True, False, True, False], kind="stable")
    counts = recent.groupby("athlete").size().rename("flag_count")
    top = recent.drop_duplicates("athlete", keep="first").set_index("athlete")
    return top[["severity", "kind", "message"]].join(counts).reset_index()


def _latest_pain(symptoms: pd.DataFrame, on: dt.date) -> pd.Series:
    if symptoms.empty:
        return pd.Series(dtype="object", name="latest_pain")
    frame = symptoms[pd.to_datetime(symptoms["local_date"]) <= pd.Timestamp(on)]
    present = [c for c in PAIN_COLUMNS if c in frame.columns]
    if frame.empty or not present:
        return pd.Series(dtype="object", name="latest_pain")
    frame = frame.assign(_worst=frame[present].max(axis=1)).dropna(subset=["_worst"])
    frame = frame.sort_values(["athlete", "local_date"]).drop_duplicates("athlete", keep="last")
    text = [f"{worst:.0f}/10 on {pd.Timestamp(day):%d %b}"
            for worst, day in zip(frame["_worst"], frame["local_date"], strict=True)]
    return pd.Series(text, index=frame["athlete"].to_numpy(), name="latest_pain")


def roster_rows(athletes: list[str], daily: pd.DataFrame, flags: pd.DataFrame,
                symptoms: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    """One row per athlete (:data:`ROSTER_COLUMNS`), sorted by urgency then name.

    ``weeks_km`` holds the last 8 weekly running distances (oldest first) for a sparkline;
    ``week_km`` and ``week_change_pct`` are the last 7 days and their change against the 7
    days before; ``acwr`` is the uncoupled ratio on ``on`` when it is shown (state ok).
    """
    weekly = weekly_totals(daily, end=on, weeks=SPARK_WEEKS, athletes=athletes)
    spark = weekly.groupby("athlete")["weekly_distance_km"].agg(
        lambda s: [round(float(v), 1) if pd.notna(v) else 0.0 for v in s])
    last_two = weekly[weekly["weeks_before_end"] <= 1].pivot(
        index="athlete", columns="weeks_before_end", values="weekly_distance_km")
    out = pd.DataFrame(index=pd.Index(sorted(athletes), name="athlete"))
    out["weeks_km"] = spark.reindex(out.index)
    this_week = last_two.get(0, pd.Series(dtype="float64")).reindex(out.index)
    last_week = last_two.get(1, pd.Series(dtype="float64")).reindex(out.index)
    out["week_km"] = this_week
    out["week_change_pct"] = np.where(last_week > 0, 100 * (this_week - last_week) / last_week,
                                      np.nan)
    if daily.empty:
        out["acwr"] = np.nan
        out["last_data"] = None
    else:
        days = pd.to_datetime(daily["local_date"])
        upto = daily.loc[days <= pd.Timestamp(on)]
        today_rows = upto.loc[pd.to_datetime(upto["local_date"]) == pd.Timestamp(on)]
        today_rows = today_rows.set_index("athlete")
        ratio = today_rows.get("acwr_uncoupled", pd.Series(dtype="float64"))
        if "acwr_state" in today_rows.columns:
            ratio = ratio.where(today_rows["acwr_state"] == "ok")
        out["acwr"] = ratio.reindex(out.index)
        active = upto.loc[pd.to_numeric(upto.get("session_count", upto.get("run_count")),
                                        errors="coerce").fillna(0) > 0]
        last = pd.to_datetime(active["local_date"]).groupby(active["athlete"]).max()
        out["last_data"] = last.reindex(out.index).dt.date
    out["latest_pain"] = _latest_pain(symptoms, on).reindex(out.index)
    top = _top_flags(flags, on).set_index("athlete").reindex(out.index)
    out["top_flag"] = top["kind"].str.replace("_", " ")
    out["message"] = top["message"]
    out["flag_count"] = top["flag_count"].fillna(0).astype(int)
    status = top["severity"].map(SEVERITY_STATUS).fillna("ok")
    stale = pd.to_datetime(out["last_data"]).isna() | (
        pd.to_datetime(out["last_data"]) < pd.Timestamp(on - dt.timedelta(days=NO_DATA_DAYS - 1)))
    out["status"] = status.where(~stale | top["severity"].notna(), "no data")
    rank = out["status"].map({s: i for i, s in enumerate(STATUSES)})
    severity = top["severity"].map(SEVERITY_RANK).fillna(-1)
    out = out.assign(_rank=rank, _severity=-severity).sort_values(
        ["_rank", "_severity", "athlete"], kind="stable")
    return out.drop(columns=["_rank", "_severity"]).reset_index()[list(ROSTER_COLUMNS)]

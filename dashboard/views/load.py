"""Load: daily load with acute/chronic means, ACWR as context, symptoms and flags on one axis."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import streamlit as st

from dashboard import cache, charts, components
from risk.review import weekly_totals

LOAD_MEASURES: dict[str, str] = {
    "distance_km": "Distance",
    "duration_min": "Running time",
    "srpe_au": "Session RPE (RPE x minutes)",
    "trimp_au": "TRIMP (heart rate)",
    "rtss_au": "rTSS (pace)",
    "hrss_au": "HRSS (heart rate)",
    "up_vert_m": "Uphill vertical",
}
DEFAULT_DAYS = 120
MAX_WEEKS = 26


def _window(frame: pd.DataFrame, athlete: str, first: dt.date, last: dt.date) -> pd.DataFrame:
    if frame.empty or "local_date" not in frame.columns:
        return frame
    days = pd.to_datetime(frame["local_date"])
    mask = (days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last))
    if "athlete" in frame.columns:
        mask &= frame["athlete"] == athlete
    return frame.loc[mask]


def render() -> None:
    athlete = components.need_athlete()
    if athlete is None:
        return
    unit = components.current_unit()
    st.title(f"Load: {athlete}")
    components.synthetic_note(athlete)
    today = cache.today()
    left, right = st.columns([1, 2])
    load = left.selectbox("Load measure", list(LOAD_MEASURES), format_func=LOAD_MEASURES.get,
                          key="load_measure",
                          help="Ratios of different measures are not comparable")
    picked = right.date_input("Date range", value=(today - dt.timedelta(days=DEFAULT_DAYS), today),
                              max_value=today, key="load_range")
    if not isinstance(picked, tuple) or len(picked) != 2:
        st.info("Pick the last day of the range too.")
        return
    first, last = picked
    with components.guard("compute the load"):
        result = cache.analysis([athlete], load=load)
        daily = _window(result.daily, athlete, first, last)
        if daily.empty:
            components.empty_state(f"No training days for {athlete} between {first} and {last}.",
                                   "Pick another range, or import activities on the Data page.")
            components.footer()
            return
        flags = _window(result.flags, athlete, first, last)
        if daily[load].isna().all():
            st.warning(f"No {LOAD_MEASURES[load].lower()} in this range (the runs lack the data "
                       "it needs, e.g. heart rate or RPE); pick another load measure.")
        figure = cache.figure(
            ("load", athlete, load, first, last, unit),
            lambda: charts.load_figure(
                daily, flags, _symptoms_with_hints(athlete, result.flags, first, last),
                load=load, unit=unit, wellness=_wellness(athlete, first, last)))
        st.plotly_chart(figure, width="stretch", key="load_chart")
        st.caption(components.ACWR_CAVEAT)
        components.evidence_note("acwr_context")
        _state_note(daily)
        # One panel at a time: a second plotly chart drawn in a hidden tab doubles the
        # browser's work on every visit of this page.
        shown = st.segmented_control(
            "Below the chart", ["flags", "weekly"], default="flags", key="load_detail",
            format_func={"flags": f"Flags in this range ({len(flags)})",
                         "weekly": "Weekly totals"}.get)
        if shown == "weekly":
            weeks = min(MAX_WEEKS, max(1, math.ceil(((last - first).days + 1) / 7)))
            weekly_figure = cache.figure(
                ("weekly", athlete, load, last, weeks, unit),
                lambda: charts.weekly_figure(weekly_totals(result.daily, end=last, weeks=weeks,
                                                           athletes=[athlete]), unit=unit))
            st.plotly_chart(weekly_figure, width="stretch", key="weekly_chart")
        elif flags.empty:
            st.caption("No flags in this range.")
        else:
            table = flags[["local_date", "severity", "kind", "message"]].iloc[::-1]
            st.dataframe(table, hide_index=True, width="stretch")
    components.footer()


def _symptoms_with_hints(athlete: str, flags: pd.DataFrame, first: dt.date,
                         last: dt.date) -> pd.DataFrame:
    """The symptom entries in the range with their triage hint categories as ``hint`` text."""
    entries = cache.symptoms(athlete)
    if entries.empty:
        return entries
    from risk.triage import HINT_CATEGORY, hints_frame, triage_all

    hints = hints_frame(triage_all(entries, load_flags=flags,
                                   visa_h=cache.current_log("visa_h", athlete)))
    text = hints.groupby("entry_uid")[HINT_CATEGORY].agg(
        lambda c: "hint: " + ", ".join(c.str.replace("_", " ").str.lower()))
    hint = [text.get(uid, "") for uid in entries["entry_uid"]]
    return _window(entries.assign(hint=hint), athlete,
                   first, last)


def _wellness(athlete: str, first: dt.date, last: dt.date) -> pd.DataFrame | None:
    entries = cache.wellness(athlete)
    if entries.empty:
        return None
    from risk.symptoms import wellness_scores

    return _window(wellness_scores(entries), athlete, first, last)


def _state_note(daily: pd.DataFrame) -> None:
    if "acwr_state" not in daily.columns:
        return
    state = str(daily["acwr_state"].iloc[-1])
    if state == "warming_up":
        st.info("ACWR is hidden for the first 28 days of history (warming up).")
    elif state == "insufficient_base":
        st.info("ACWR is hidden: too little recent running for a ratio to mean anything "
                "(returning from a break). The single-run rule still applies.")


render()

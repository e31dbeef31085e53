"""Today (runner): current flags, the longest sensible next run, pain status, this week."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import cache, charts, components, model_panel
from dashboard.units import distance
from risk.flag import SEVERITY_RANK
from risk.review import weekly_totals

FLAG_WINDOW_DAYS = 7


def current_flags(flags: pd.DataFrame, athlete: str, on: dt.date) -> pd.DataFrame:
    """``athlete``'s flags of the last 7 days up to ``on``, most severe and newest first."""
    if flags.empty:
        return flags
    days = pd.to_datetime(flags["local_date"])
    mask = ((flags["athlete"] == athlete) & (days <= pd.Timestamp(on))
            & (days > pd.Timestamp(on - dt.timedelta(days=FLAG_WINDOW_DAYS))))
    out = flags.loc[mask].copy()
    out["_rank"] = out["severity"].map(SEVERITY_RANK)
    out = out.sort_values(["_rank", "local_date"], ascending=[False, False], kind="stable")
    return out.drop(columns="_rank")


def show_flags(flags: pd.DataFrame) -> None:
    st.subheader("Flags of the last 7 days")
    if flags.empty:
        st.success("No flags in the last 7 days: nothing in your recent training stands out "
                   "against your own history.")
        return
    for row in flags.itertuples(index=False):
        with st.container(border=True):
            badge = components.severity_badge(str(row.severity))
            st.markdown(f"{badge} &nbsp; **{str(row.kind).replace('_', ' ')}** "
                        f"on {pd.Timestamp(row.local_date):%a %d %b}",
                        unsafe_allow_html=True)
            st.markdown(str(row.message))
            if getattr(row, "advice", ""):
                st.markdown(f"*What to do:* {row.advice}")
            components.evidence_note(str(row.evidence_key))


def show_guidance(athlete: str, on: dt.date, unit: str) -> None:
    st.subheader("Next run")
    from risk.guidance import next_run_guidance

    result = cache.analysis([athlete])
    guidance = next_run_guidance(result.sessions, result.daily, athlete, on,
                                 components.risk_settings(athlete))
    if guidance.state == "ok" and guidance.max_next_run_km is not None:
        st.metric("Longest next run within 10 % of your 30-day longest",
                  distance(guidance.max_next_run_km, unit))
        st.markdown(
            f"Your longest run of the last 30 days: {distance(guidance.longest_30d_km, unit)} "
            f"on {guidance.longest_30d_date:%a %d %b}. Longer than "
            f"{distance(guidance.max_next_run_km, unit)} is a small spike, longer than "
            f"{distance(guidance.moderate_above_km, unit)} a moderate one, longer than "
            f"{distance(guidance.large_above_km, unit)} a large one.")
    else:
        st.markdown(guidance.message)
    if guidance.week_low_km is not None and guidance.week_high_km is not None:
        st.markdown(f"**Next 7 days:** {distance(guidance.week_low_km, unit)} to "
                    f"{distance(guidance.week_high_km, unit)} keeps this week in line with your "
                    "recent weeks (ACWR context band).")
    elif guidance.acwr_message:
        st.markdown(guidance.acwr_message)
    st.caption(components.ACWR_CAVEAT)
    for key in guidance.evidence_keys:
        components.evidence_note(key)


def show_pain_status(athlete: str, on: dt.date) -> None:
    st.subheader("Pain monitoring")
    from risk.symptoms import pain_monitoring_status

    entries = cache.symptoms(athlete)
    if entries.empty:
        components.empty_state("No symptom entries yet.",
                               "If something hurts, log it on the Log page: pain during the run, "
                               "one hour after and the next morning.")
        return
    status = pain_monitoring_status(entries, on)
    decision = str(status.decision)
    colour = {"progress": "ok", "hold": "watch", "reduce": "urgent"}.get(decision, "watch")
    st.markdown(f"{components.badge(decision, colour)} &nbsp; {status.reason}",
                unsafe_allow_html=True)
    components.evidence_note("silbernagel_pain_monitoring")


def show_week(athlete: str, on: dt.date, unit: str) -> None:
    st.subheader("This week against recent weeks")
    result = cache.analysis([athlete])
    weekly = weekly_totals(result.daily, end=on, weeks=8, athletes=[athlete])
    if weekly["weekly_recorded_days"].sum() == 0:
        components.empty_state("No training in the last 8 weeks.",
                               "Import recent runs on the Data page.")
        return
    this, last = weekly.iloc[-1], weekly.iloc[-2]
    cols = st.columns(3)
    cols[0].metric("Last 7 days", distance(this["weekly_distance_km"], unit),
                   delta=_delta(this["weekly_distance_km"], last["weekly_distance_km"]),
                   delta_color="off")
    cols[1].metric("Runs", f"{this['weekly_run_count']:.0f}")
    cols[2].metric("Uphill vertical", f"{this['weekly_up_vert_m']:.0f} m"
                   if pd.notna(this["weekly_up_vert_m"]) else "-")
    figure = cache.figure(("week", athlete, on, unit),
                          lambda: charts.week_comparison_figure(weekly, unit=unit))
    st.plotly_chart(figure, width="stretch", key="week_chart")


def _delta(now: float, before: float) -> str | None:
    if pd.isna(now) or pd.isna(before) or before == 0:
        return None
    return f"{100 * (now - before) / before:+.0f} % vs the 7 days before"


def render() -> None:
    athlete = components.need_athlete()
    if athlete is None:
        return
    unit = components.current_unit()
    st.title(f"Today: {athlete}")
    components.synthetic_note(athlete)
    on = st.date_input("Day", value=cache.today(), max_value=cache.today(), key="today_day",
                       help="See the page as it looked on an earlier day", width=200)
    with components.guard("load the analysis"):
        result = cache.analysis([athlete])
        if result.daily.empty:
            components.empty_state(f"No activities for {athlete} yet.",
                                   "Import files or a Strava export on the Data page.")
            components.footer()
            return
        left, right = st.columns([3, 2], gap="large")
        with left, components.guard("show the flags"):
            show_flags(current_flags(result.flags, athlete, on))
        with right:
            with components.guard("work out the next-run guidance"):
                show_guidance(athlete, on, unit)
            with components.guard("read the pain-monitoring status"):
                show_pain_status(athlete, on)
        with components.guard("compare this week"):
            show_week(athlete, on, unit)
        with components.guard("show the injury model"):
            model_panel.show_model_panel(athlete, on)
    components.footer()


render()

"""Activities: the runs with their key numbers; one run's streams, flags and RPE."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import cache, charts, components, units
from etl.store import log

PICK_KEY = "activity_pick"
TABLE_KEY = "activities_table"


def activity_table(sessions: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The sessions as a display table (newest first), distances in ``unit``."""
    factor = units.per_km(unit)
    vertical = sessions["up_vert_m"] if "up_vert_m" in sessions.columns else sessions[
        "elevation_gain_m"]
    table = pd.DataFrame({
        "date": sessions["local_date"],
        "name": sessions["name"].fillna(""),
        "sport": sessions["sport_type"],
        "source": sessions["source"],
        f"distance [{unit}]": (sessions["distance_m"] / 1000.0 * factor).round(2),
        "moving time": sessions["moving_time_s"].map(units.duration),
        "uphill [m]": vertical.round(0),
        "avg HR [bpm]": sessions["avg_heart_rate_bpm"].round(0),
        "cadence [spm]": sessions["avg_cadence_spm"].round(0),
        "RPE [0-10]": sessions["perceived_exertion"],
    })
    table.index = sessions["activity_id"].to_numpy()
    return table.iloc[::-1]


def _label(sessions: pd.DataFrame, unit: str) -> dict[int, str]:
    return {int(row.activity_id): f"{row.local_date} · {row.name or row.sport_type} · "
                                  f"{units.distance((row.distance_m or 0) / 1000.0, unit)}"
            for row in sessions.itertuples(index=False)}


def _on_table_select() -> None:
    state = st.session_state.get(TABLE_KEY)
    rows = state.selection.rows if state is not None else []
    ids = st.session_state.get("_activity_ids", [])
    if rows and rows[0] < len(ids):
        st.session_state[PICK_KEY] = ids[rows[0]]


def show_detail(athlete: str, activity: pd.Series, flags: pd.DataFrame, unit: str) -> None:
    activity_id = int(activity["activity_id"])
    st.subheader(str(activity["name"] or activity["sport_type"]))
    st.caption(f"{activity['local_date']} · {activity['sport_type']} · source: "
               f"{activity['source']}" + (" · synthetic" if components.is_synthetic(athlete)
                                          else ""))
    cols = st.columns(6)
    cols[0].metric("Distance", units.distance(activity["distance_m"] / 1000.0, unit, 2))
    cols[1].metric("Moving time", units.duration(activity["moving_time_s"]))
    cols[2].metric("Pace", units.pace(activity["avg_speed_mps"], unit))
    cols[3].metric("Avg HR", _number(activity["avg_heart_rate_bpm"], "bpm"))
    cols[4].metric("Cadence", _number(activity["avg_cadence_spm"], "spm"))
    up = activity.get("up_vert_m", activity["elevation_gain_m"])
    cols[5].metric("Uphill", _number(up, "m"))
    triggered = flags[flags["activity_id"] == activity_id] if not flags.empty else flags
    if not triggered.empty:
        st.markdown("**Flags this run triggered**")
        for row in triggered.itertuples(index=False):
            st.markdown(f"{components.severity_badge(str(row.severity))} &nbsp; {row.message}",
                        unsafe_allow_html=True)
            components.evidence_note(str(row.evidence_key))
    else:
        st.caption("This run triggered no flags.")
    rpe_form(activity_id, activity["perceived_exertion"])
    with components.guard("show the streams"):
        figure = cache.figure(("streams", activity_id, unit),
                              lambda: charts.streams_figure(cache.streams(activity_id), unit=unit))
        st.plotly_chart(figure, width="stretch", key="streams_chart")


def _number(value: object, unit: str) -> str:
    return f"{float(value):.0f} {unit}" if value is not None and pd.notna(value) else "-"


def rpe_form(activity_id: int, current: object) -> None:
    """Enter the session RPE (CR-10) of a run."""
    with st.form(f"rpe_{activity_id}", border=True):
        st.markdown("**How hard was it?** Session RPE on Foster's CR-10 scale, about 30 "
                    "minutes after the run: 0 rest, 3 moderate, 5 hard, 7 very hard, 10 maximal.")
        value = st.number_input("RPE (0-10)", min_value=0.0, max_value=10.0, step=0.5,
                                value=float(current) if current is not None and pd.notna(current)
                                else None, key=f"rpe_value_{activity_id}")
        if st.form_submit_button("Save RPE"):
            if value is None:
                st.warning("Enter a number from 0 to 10 first.")
                return
            with components.guard("save the RPE"):
                log.set_rpe(cache.get_store(), activity_id, float(value))
                cache.clear()
                st.success(f"Saved RPE {value:g} for this run; session-RPE load is updated.")


def render() -> None:
    athlete = components.need_athlete()
    if athlete is None:
        return
    unit = components.current_unit()
    st.title(f"Activities: {athlete}")
    components.synthetic_note(athlete)
    with components.guard("list the activities"):
        result = cache.analysis([athlete])
        sessions = result.sessions[result.sessions["athlete"] == athlete]
        runs_only = st.toggle("Runs only", value=True, key="runs_only")
        if runs_only and "is_run" in sessions.columns:
            sessions = sessions[sessions["is_run"].astype(bool)]
        if sessions.empty:
            components.empty_state(f"No activities for {athlete} yet.",
                                   "Import files or a Strava export on the Data page.")
            return
        table = activity_table(sessions, unit)
        st.session_state["_activity_ids"] = [int(i) for i in table.index]
        st.dataframe(table, hide_index=True, width="stretch", height=320, key=TABLE_KEY,
                     on_select=_on_table_select, selection_mode="single-row")
        labels = _label(sessions.iloc[::-1], unit)
        if st.session_state.get(PICK_KEY) not in labels:
            st.session_state[PICK_KEY] = next(iter(labels))
        picked = st.selectbox("Run detail", list(labels), format_func=labels.get, key=PICK_KEY,
                              help="Or click a row in the table")
        activity = sessions[sessions["activity_id"] == picked].iloc[0]
        show_detail(athlete, activity, result.flags, unit)
    components.footer()


render()

"""Roster (coach): every athlete on one screen, most urgent first; click one to open them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import cache, components
from dashboard.palette import STATUSES
from dashboard.units import per_km

TABLE_KEY = "roster_table"
OPEN_KEY = "roster_open"


def _on_select() -> None:
    state = st.session_state.get(TABLE_KEY)
    rows = state.selection.rows if state is not None else []
    shown = st.session_state.get("_roster_names", [])
    if rows and rows[0] < len(shown):
        st.session_state[OPEN_KEY] = shown[rows[0]]


def filtered(frame: pd.DataFrame, statuses: list[str], search: str,
             kinds: list[str]) -> pd.DataFrame:
    """The roster rows matching the filters (status, name search, flag kind)."""
    out = frame[frame["status"].isin(statuses)] if statuses else frame
    if search:
        out = out[out["athlete"].str.contains(search, case=False, regex=False)]
    if kinds:
        out = out[out["top_flag"].isin(kinds)]
    return out


def display(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    factor = per_km(unit)
    return pd.DataFrame({
        "status": frame["status"],
        "athlete": [name if not synthetic or "synthetic" in name.lower()
                    else f"{name} (synthetic)"
                    for name, synthetic in zip(frame["athlete"], frame["is_synthetic"],
                                               strict=True)],
        "most important flag": frame["top_flag"].fillna(""),
        "message": frame["message"].fillna(""),
        f"7 days [{unit}]": (frame["week_km"] * factor).round(1),
        "change [%]": frame["week_change_pct"].round(0),
        "latest pain": frame["latest_pain"].fillna("-"),
        "ACWR (context)": frame["acwr"].round(2),
        "last data": frame["last_data"],
        f"last 8 weeks [{unit}]": frame["weeks_km"].map(
            lambda v: [round(x * factor, 1) for x in v] if isinstance(v, list) else []),
    })


def render() -> None:
    st.title("Roster")
    if not components.page_setup():
        return
    unit = components.current_unit()
    on = cache.today()
    with components.guard("build the roster"):
        frame = cache.roster(on)
        if frame.empty:
            components.empty_state("No athletes in this store yet.",
                                   "Import your athletes' exports on the Data page.")
            return
        if frame["is_synthetic"].any():
            st.caption(":material/science: Runners marked (synthetic) are simulated demo data.")
        counts = frame["status"].value_counts()
        st.markdown(" &nbsp; ".join(f"{components.status_badge(s)} {counts.get(s, 0)}"
                                    for s in STATUSES if counts.get(s, 0)),
                    unsafe_allow_html=True)
        cols = st.columns([2, 2, 2])
        statuses = cols[0].multiselect("Status", list(STATUSES), key="roster_status",
                                       placeholder="all")
        search = cols[1].text_input("Athlete name contains", key="roster_search")
        kinds = cols[2].multiselect("Most important flag", sorted(frame["top_flag"].dropna()
                                                                  .unique()),
                                    key="roster_kinds", placeholder="any")
        shown = filtered(frame, statuses, search, kinds)
        st.session_state["_roster_names"] = shown["athlete"].tolist()
        if shown.empty:
            components.empty_state("No athlete matches these filters.", "Clear a filter.")
        else:
            table = display(shown, unit)
            styled = components.styled_status(table).format(
                {f"7 days [{unit}]": "{:.1f}", "change [%]": "{:+.0f}",
                 "ACWR (context)": "{:.2f}"}, na_rep="-")
            st.dataframe(
                styled, hide_index=True, width="stretch",
                height=min(38 + 35 * len(table), 720), key=TABLE_KEY, on_select=_on_select,
                selection_mode="single-row",
                column_config={
                    f"last 8 weeks [{unit}]": st.column_config.BarChartColumn(
                        f"last 8 weeks [{unit}]", y_min=0),
                    "message": st.column_config.TextColumn("message", width="large"),
                    "athlete": st.column_config.TextColumn("athlete", pinned=True),
                    "status": st.column_config.TextColumn("status", pinned=True),
                })
            st.caption(f"Status: the most severe flag of the last 7 days (urgent, high; watch "
                       f"for moderate or low); ok when none; no data without activity in 14 "
                       f"days. Click a row to open that athlete's Load page. "
                       f"{components.ACWR_CAVEAT}")
            cols = st.columns([3, 1])
            pick = cols[0].selectbox("Open athlete", shown["athlete"].tolist(), key="roster_pick")
            if cols[1].button("Open Load page", key="roster_go") and pick:
                st.session_state[OPEN_KEY] = pick
    opened = st.session_state.pop(OPEN_KEY, None)
    if opened:
        st.session_state[components.PENDING_ATHLETE_KEY] = opened
        st.switch_page("views/load.py")
    components.footer()


render()

"""Settings: the athlete's profile (sex, heart-rate anchors) and every risk threshold."""

from __future__ import annotations

import streamlit as st

from dashboard import cache, components

HR_FIELDS: dict[str, str] = {
    "max_hr_bpm": "Maximum heart rate [bpm]",
    "rest_hr_bpm": "Resting heart rate [bpm]",
    "threshold_hr_bpm": "Threshold heart rate [bpm]",
}


def profile_form(athlete: str) -> None:
    frame = cache.athletes()
    row = frame[frame["athlete"] == athlete].iloc[0]
    stored = dict(row["settings"] or {})
    with st.form("profile_form"):
        st.markdown("**Profile** (used for TRIMP and heart-rate zones; empty = estimated from "
                    "your data)")
        sexes = {"": "not given (mean of both TRIMP curves)", "F": "female", "M": "male"}
        sex = st.selectbox("Sex", list(sexes), format_func=sexes.get,
                           index=list(sexes).index(row["sex"] if row["sex"] in sexes else ""),
                           key="profile_sex")
        cols = st.columns(3)
        values: dict[str, float | None] = {}
        for col, (name, label) in zip(cols, HR_FIELDS.items(), strict=True):
            current = stored.get(name)
            values[name] = col.number_input(label, min_value=30.0, max_value=230.0,
                                            value=float(current) if current else None,
                                            step=1.0, key=f"profile_{name}",
                                            placeholder="estimated")
        if not st.form_submit_button("Save profile", type="primary"):
            return
    with components.guard("save the profile"):
        for name, value in values.items():
            if value is None:
                stored.pop(name, None)
            else:
                stored[name] = float(value)
        store = cache.get_store()
        store.set_athlete(athlete, sex=sex or None, settings=stored)
        cache.clear()
        st.success("Saved. Loads are recomputed with these values.")


def thresholds(athlete: str) -> None:
    from risk.settings import describe_settings

    table = describe_settings(components.risk_settings(athlete))
    st.dataframe(table[["setting", "value", "default", "unit", "meaning", "source",
                        "is_overridden", "overridden_by", "override_reason"]],
                 hide_index=True, width="stretch", height=420)
    overridden = table[table["is_overridden"]]
    if overridden.empty:
        st.caption("All thresholds are the defaults of SCIENCE.md section 9.")
    else:
        st.warning(f"{len(overridden)} threshold(s) differ from the defaults: "
                   + ", ".join(overridden["setting"]))


def render() -> None:
    st.title("Settings")
    athlete = components.need_athlete()
    if athlete is None:
        return
    components.synthetic_note(athlete)
    with components.guard("show the profile"):
        profile_form(athlete)
        used = cache.analysis([athlete]).athlete_settings.get(athlete)
        if used is not None:
            st.caption(
                f"In use: max HR {used.max_hr_bpm:.0f} bpm, rest HR {used.rest_hr_bpm:.0f} bpm, "
                f"threshold HR {used.threshold_hr_bpm:.0f} bpm, threshold speed "
                f"{used.threshold_speed_mps:.2f} m/s, sex {used.sex or 'not given'}"
                + (f" (estimated: {', '.join(used.estimated)})" if used.estimated else ""))
    st.subheader("Risk thresholds")
    with components.guard("list the thresholds"):
        thresholds(athlete)
    components.footer()


render()

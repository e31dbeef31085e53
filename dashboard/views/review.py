"""Review (clinician): the weeks before an injury or any onset date, on one page."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import cache, charts, components
from dashboard.units import per_km
from risk.review import Review, pre_injury_review

ANY_DATE = "another date"


def pick_onset(athlete: str) -> dt.date | None:
    injuries = cache.injuries(athlete)
    options: dict[str, dt.date] = {}
    for row in injuries.itertuples(index=False):
        onset = pd.Timestamp(row.injury_onset_date).date()
        label = f"{onset}: {str(row.injury_region).replace('_', ' ')}"
        if row.clinician_diagnosis:
            label += f" ({row.clinician_diagnosis})"
        options[label] = onset
    cols = st.columns([3, 2, 1])
    choice = cols[0].selectbox("Injury record or onset", [*options, ANY_DATE], key="review_pick",
                               help="Injury records come from the Log page or a log CSV")
    if choice == ANY_DATE:
        onset = cols[1].date_input("Onset date", value=cache.today(), max_value=cache.today(),
                                   key="review_onset")
    else:
        onset = options[choice]
        cols[1].markdown(f"**Onset:** {onset}")
    cols[2].number_input("Weeks", min_value=2, max_value=26, value=8, step=1, key="review_weeks")
    return onset


def review_figure(review: Review, unit: str) -> go.Figure:
    """The review window as one timeline, the onset day marked."""
    from risk.symptoms import wellness_scores

    wellness = wellness_scores(review.wellness) if not review.wellness.empty else None
    load = str(review.daily["load_measure"].iloc[0]) if "load_measure" in review.daily.columns \
        else "distance_km"
    figure = charts.load_figure(review.daily, review.flags, review.symptoms, load=load,
                                unit=unit, wellness=wellness)
    figure.add_vline(x=pd.Timestamp(review.onset), line=dict(color="#000000", dash="dash"),
                     annotation_text="onset")
    return figure


def show_review(review: Review, unit: str) -> None:
    st.caption(f"{review.start} to {review.onset} ({review.weeks} weeks; the onset day is "
               f"included). 'Before' = {review.start} to "
               f"{review.recent_start - dt.timedelta(days=1)}, 'recent' = {review.recent_start} "
               f"to {review.onset}.")
    if review.daily.empty:
        components.empty_state("No training data in these weeks.",
                               "Pick another onset or import the athlete's history first.")
        return
    figure = cache.figure(("review", review.athlete, review.onset, review.weeks, unit),
                          lambda: review_figure(review, unit))
    st.plotly_chart(figure, width="stretch", key="review_chart")
    st.caption(components.ACWR_CAVEAT)
    st.subheader("What changed")
    table = review.what_changed.copy()
    if unit != "km":
        in_km = table["change_unit"].isin(["km", "km/week"])
        for column in ("baseline_value", "recent_value", "absolute_change"):
            table.loc[in_km, column] = table.loc[in_km, column] * per_km(unit)
        table.loc[in_km, "change_unit"] = table.loc[in_km, "change_unit"].str.replace(
            "km", unit)
    table = table.rename(columns={
        "change_measure": "measure", "change_unit": "unit", "baseline_value": "before",
        "recent_value": "recent", "absolute_change": "change",
        "relative_change_pct": "change [%]"})
    st.dataframe(table.round(1), hide_index=True, width="stretch")
    st.caption("Per-week values are totals scaled to 7 days. The longest run compares the 30 "
               "days up to the onset with the 30 days before. Descriptive only: it shows what "
               "changed, not why pain started.")
    st.subheader("Flags in these weeks")
    if review.flags.empty:
        st.info("No flags in these weeks.")
    else:
        flags = review.flags[["local_date", "severity", "kind", "message",
                              "flag_evidence_grade", "flag_evidence_citation"]].rename(
            columns={"flag_evidence_grade": "evidence grade",
                     "flag_evidence_citation": "evidence"})
        st.dataframe(flags, hide_index=True, width="stretch")
    if not review.symptoms.empty:
        st.subheader("Symptom entries")
        st.dataframe(review.symptoms.drop(columns=["athlete", "entry_uid", "version_id"],
                                          errors="ignore"), hide_index=True, width="stretch")


def export_buttons(review: Review) -> None:
    """Report downloads (HTML/PDF) when the report module is installed."""
    try:
        from dashboard import report
    except ImportError:
        st.caption("Printable report: use `loadwatch report --athlete A --onset DATE --out "
                   "FILE.pdf` (the download buttons appear here once the report module is "
                   "installed).")
        return
    store = cache.get_store()
    if not store.authorize(store.ids_of([review.athlete]), "reports"):
        st.caption("Printable reports of this athlete need their grant to a clinician.")
        return
    # Made when clicked: the file names the runs hidden from this reader, and a staff
    # download is recorded in the audit log as a report (format and window).
    cols = st.columns(2)
    name = f"review-{review.athlete}-{review.onset}".replace(" ", "_")
    cols[0].download_button("Download report (HTML)",
                            lambda: report.make_report(store, review, "html"),
                            file_name=f"{name}.html", mime="text/html", key="report_html")
    cols[1].download_button("Download report (PDF)",
                            lambda: report.make_report(store, review, "pdf"),
                            file_name=f"{name}.pdf", mime="application/pdf", key="report_pdf")


def render() -> None:
    athlete = components.need_athlete()
    if athlete is None:
        return
    unit = components.current_unit()
    st.title(f"Review: {athlete}")
    components.synthetic_note(athlete)
    with components.guard("build the review"):
        onset = pick_onset(athlete)
        if onset is None:
            return
        weeks = int(st.session_state.get("review_weeks", 8))
        result = cache.analysis([athlete])
        review = pre_injury_review(result, athlete, onset, weeks,
                                   symptoms=cache.symptoms(athlete),
                                   wellness=cache.wellness(athlete),
                                   is_synthetic=components.is_synthetic(athlete))
        export_buttons(review)
        show_review(review, unit)
    components.footer()


render()

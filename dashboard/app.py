"""loadwatch dashboard: the entry point (``streamlit run dashboard/app.py``).

The frame every page shares: page config and navigation by user role. Each page draws the
athlete and unit pickers itself (:func:`dashboard.components.page_setup`), so a page also runs
on its own. The store comes from ``LOADWATCH_DB`` (else the default store).
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="loadwatch", page_icon=":material/directions_run:",
                   layout="wide", initial_sidebar_state="expanded")

PAGES = {
    "Runner": [
        st.Page("pages/today.py", title="Today", icon=":material/today:", default=True),
        st.Page("pages/load.py", title="Load", icon=":material/monitoring:"),
        st.Page("pages/activities.py", title="Activities", icon=":material/directions_run:"),
        st.Page("pages/log.py", title="Log", icon=":material/edit_note:"),
    ],
    "Coach": [st.Page("pages/roster.py", title="Roster", icon=":material/groups:")],
    "Clinician": [st.Page("pages/review.py", title="Review", icon=":material/clinical_notes:")],
    "Data": [
        st.Page("pages/data.py", title="Data", icon=":material/upload_file:"),
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
    ],
}

st.navigation(PAGES).run()

"""loadwatch dashboard: the entry point (``streamlit run dashboard/app.py``).

The frame every page shares: page config and navigation by user role. Each page draws the
athlete and unit pickers itself (:func:`dashboard.components.page_setup`), so a page also runs
on its own. The store comes from ``LOADWATCH_DB`` (else the default store).
"""

from __future__ import annotations

import streamlit as st

from dashboard import auth, cache

st.set_page_config(page_title="loadwatch", page_icon=":material/directions_run:",
                   layout="wide", initial_sidebar_state="expanded")

PAGES = {
    "Runner": [
        st.Page("views/today.py", title="Today", icon=":material/today:", default=True),
        st.Page("views/load.py", title="Load", icon=":material/monitoring:"),
        st.Page("views/activities.py", title="Activities", icon=":material/directions_run:"),
        st.Page("views/log.py", title="Log", icon=":material/edit_note:"),
    ],
    "Coach": [st.Page("views/roster.py", title="Roster", icon=":material/groups:")],
    "Clinician": [st.Page("views/review.py", title="Review", icon=":material/clinical_notes:")],
    "Data": [
        st.Page("views/data.py", title="Data", icon=":material/upload_file:"),
        st.Page("views/settings.py", title="Settings", icon=":material/settings:"),
    ],
}

st.navigation(auth.pages_for(auth.require_login(cache.base_store), PAGES)).run()

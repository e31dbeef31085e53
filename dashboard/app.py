"""loadwatch dashboard: the entry point (``streamlit run dashboard/app.py``).

The frame every page shares: page config, navigation by user role, the athlete and unit
pickers in the sidebar. The store comes from ``LOADWATCH_DB`` (else the default store).
"""

from __future__ import annotations

import streamlit as st

from dashboard import cache, components

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

page = st.navigation(PAGES)
try:
    cache.get_store()
    components.sidebar_pickers()
except Exception as exc:  # a store that cannot open is a message, not a traceback
    components.show_error(exc, f"open the store at {cache.store_url()}")
    st.info("Set LOADWATCH_DB to a SQLAlchemy URL (e.g. sqlite:///path/to/loadwatch.db) "
            "or unset it to use the default store, then reload.")
    st.stop()
page.run()

"""Data: uploads with a progress bar and the import report, Strava, templates and exports."""

from __future__ import annotations

import importlib.resources
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import cache, components
from etl.csv_safety import neutralise_frame

UPLOAD_TYPES = ["fit", "gpx", "tcx", "gz", "zip", "csv"]
STATE_KEY = "strava_oauth_state"
UPLOAD_PREFIX = "loadwatch-upload-"
MAX_SYNC_REQUESTS = 600


def import_uploads(files: list, athlete: str | None) -> None:
    """Import uploaded files through the same pipeline as ``loadwatch import``."""
    from etl.importer import import_paths

    bar = st.progress(0.0, text="Reading the files ...")

    def progress(done: int, total: int, current: str) -> None:
        bar.progress(min(1.0, done / max(total, 1)), text=f"{done}/{total}: {current}")

    with tempfile.TemporaryDirectory(prefix=UPLOAD_PREFIX) as folder:
        paths = []
        for upload in files:
            target = Path(folder) / Path(upload.name).name
            target.write_bytes(upload.getvalue())
            paths.append(target)
        report = import_paths(cache.get_store(), paths, athlete or None, progress, workers=1)
    bar.progress(1.0, text="Done")
    cache.clear()
    show_report(report, hide=f"{folder}/")


def show_report(report: object, hide: str = "") -> None:
    """The import report: counts, one row per input, each rejection and warning."""
    cols = st.columns(4)
    cols[0].metric("Imported", getattr(report, "imported", 0))
    cols[1].metric("Updated", getattr(report, "updated", 0))
    cols[2].metric("Already stored", getattr(report, "duplicates", 0))
    cols[3].metric("Rejected", getattr(report, "rejected", 0))
    rows = [{"input": i.name.replace(hide, ""), "kind": i.kind, "athlete": i.athlete,
             "imported": i.imported, "updated": i.updated, "duplicates": i.duplicates,
             "rejected": i.rejected}
            for i in getattr(report, "inputs", ())]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    for message in getattr(report, "messages", []):
        st.error(message.replace(hide, ""))
    for warning in getattr(report, "warnings", []):
        st.warning(warning.replace(hide, ""))
    if getattr(report, "rejected", 0) == 0:
        st.success("Everything was stored. Nothing already stored was lost or duplicated.")
    else:
        st.info("Rejected inputs stored nothing; the rest was stored. Fix the inputs named above "
                "and upload them again.")


def upload_section() -> None:
    st.subheader("Upload files")
    st.caption("FIT, GPX, TCX (also .gz), a Strava bulk export zip, an activities CSV or a "
               "symptoms/wellness CSV. Importing the same file twice changes nothing.")
    names = components.athlete_names()
    with st.form("upload_form", clear_on_submit=True):
        files = st.file_uploader("Files", type=UPLOAD_TYPES, accept_multiple_files=True,
                                 key="upload_files")
        athlete = st.text_input("Athlete", value=components.current_athlete() or "",
                                key="upload_athlete",
                                help="Whose activities these are (a new name creates an "
                                     "athlete); empty: taken from the export's profile or "
                                     "the file name. Existing: " + ", ".join(names[:20]))
        submitted = st.form_submit_button("Import", type="primary")
    if submitted:
        if not files:
            st.warning("Choose at least one file first.")
            return
        with components.guard("import the files"):
            import_uploads(files, athlete.strip())


def history_section() -> None:
    st.subheader("Import history")
    with components.guard("read the import history"):
        history = cache.import_history()
        if history.empty:
            components.empty_state("Nothing imported yet.", "Upload files above.")
            return
        columns = [c for c in ("finished_at", "input", "athlete", "imported", "updated",
                               "duplicates", "rejected") if c in history.columns]
        shown = history[columns].copy()
        shown["input"] = shown["input"].map(
            lambda text: Path(text).name if UPLOAD_PREFIX in str(text) else text)
        st.dataframe(shown, hide_index=True, width="stretch")


def strava_section(athlete: str | None) -> None:
    st.subheader("Strava")
    from etl import strava
    from etl.strava import oauth

    store = cache.get_store()
    rows = [s.as_row() for s in strava.status(store)]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption("No Strava connection yet.")
    st.caption("Data from Strava's API is shown only to the athlete it belongs to (Strava's API "
               "agreement); coaches and clinicians see exports and file uploads.")
    left, right = st.columns(2)
    with left:
        if st.button("Connect Strava", key="strava_connect"):
            with components.guard("start the Strava connection"):
                st.session_state[STATE_KEY] = oauth.new_state()
                url = oauth.authorization_url(st.session_state[STATE_KEY])
                st.link_button("Open Strava to approve", url)
                st.caption("After approving, copy the `code=` value from the address you land "
                           "on and paste it here.")
        with st.form("strava_code_form"):
            code = st.text_input("Authorisation code", key="strava_code", type="password")
            if st.form_submit_button("Finish connecting") and code:
                with components.guard("connect Strava"):
                    from etl.strava.connect import exchange_code

                    connection = exchange_code(store, athlete, code)
                    cache.clear()
                    st.success(f"Connected {connection.athlete} (Strava athlete "
                               f"{connection.strava_athlete_id}).")
    with right:
        connected = [r["athlete"] for r in rows]
        if connected:
            who = st.selectbox("Sync athlete", connected, key="strava_sync_athlete")
            if st.button("Sync now", key="strava_sync"):
                with components.guard("sync with Strava"):
                    from etl.strava.sync import sync

                    bar = st.progress(0.0, text="Syncing ...")
                    report = sync(store, who, progress=lambda d, t, m: bar.progress(
                        min(1.0, d / max(t, 1)), text=m), max_requests=MAX_SYNC_REQUESTS,
                        wait=False)
                    cache.clear()
                    st.success(f"Stored {report.stored} activities ({report.requests} requests)."
                               + (f" Stopped: {report.stopped}" if report.stopped else ""))


def templates_section(athlete: str | None) -> None:
    st.subheader("Templates and exports")
    cols = st.columns(3)
    templates = importlib.resources.files("etl.templates")
    csvs = sorted((t for t in templates.iterdir() if t.name.endswith(".csv")),
                  key=lambda t: t.name)
    for index, item in enumerate(csvs):
        cols[index % 3].download_button(f"Template: {item.name}", item.read_bytes(),
                                        file_name=item.name, mime="text/csv",
                                        key=f"template_{item.name}")
    if athlete is None:
        return
    with components.guard("prepare the exports"):
        result = cache.analysis([athlete])
        activities = result.sessions[result.sessions["athlete"] == athlete]
        name = athlete.replace(" ", "_")
        cols = st.columns(2)
        cols[0].download_button(
            f"Activities of {athlete} (CSV)",
            neutralise_frame(activities).to_csv(index=False).encode(),
            file_name=f"{name}-activities.csv", mime="text/csv", key="export_activities")
        flags = result.flags[result.flags["athlete"] == athlete] if not result.flags.empty \
            else result.flags
        cols[1].download_button(
            f"Flags of {athlete} (CSV)", neutralise_frame(flags).to_csv(index=False).encode(),
            file_name=f"{name}-flags.csv", mime="text/csv", key="export_flags")


def render() -> None:
    st.title("Data")
    if not components.page_setup():
        return
    st.caption(f"Store: {components.safe_url(cache.store_url())}")
    athlete = components.current_athlete()
    upload_section()
    history_section()
    with components.guard("show the Strava connection"):
        strava_section(athlete)
    templates_section(athlete)
    components.footer()


render()

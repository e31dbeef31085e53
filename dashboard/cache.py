"""Every ``st.cache_*`` of the dashboard lives here, and nowhere else.

Streamlit's caching rules (https://docs.streamlit.io/develop/concepts/architecture/caching):

* the store (a database connection pool) is a *resource*: one per URL for the whole server;
* analyses are *resources* too: large, immutable result frames shared read-only by every
  session (``cache_data`` would pickle and copy tens of MB on every rerun, which breaks the
  page-time budget of the roster); pages never modify these frames in place;
* small frames read for display (athletes, streams of one run, log entries) are *data*;
* built plotly figures are *resources* keyed on everything they show (building one costs
  more than the rest of a warm page).

Every cached read is keyed on the store's data version (:meth:`etl.store.Store.data_version`:
row counts and latest timestamps of the data tables), so anything stored by the dashboard,
the CLI or a sync running beside it shows up on the next rerun. Writes made from the
dashboard also call :func:`clear` at once.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import auth
from dashboard.roster_table import roster_rows
from etl.store import Store, log
from etl.store.engine import ENV_DB, default_url
from loadwatch.analysis import Analysis, analyse


def store_url() -> str:
    """The store the dashboard shows: ``LOADWATCH_DB``, else the default store."""
    return os.environ.get(ENV_DB) or default_url()


@st.cache_resource(show_spinner=False)
def _base_store(url: str) -> Store:
    return Store.open(url)


def _open_store(url: str) -> Store:
    """The store at ``url`` as this session's principal (server mode: the signed-in user)."""
    base = _base_store(url)
    return base.as_principal(auth.principal(base))


def get_store() -> Store:
    """The (shared) store for :func:`store_url`, as this session's principal."""
    return _open_store(store_url())


def base_store() -> Store:
    """The store for :func:`store_url` as the local principal (sign-in lookups only)."""
    return _base_store(store_url())


@st.cache_data(ttl=1.0, show_spinner=False)
def _version(url: str) -> str:
    return _base_store(url).data_version()


def data_version() -> str:
    """The store's data version (re-read at most once a second) and who reads.

    Every cached read is keyed on it, so caches are per principal and miss as soon as a grant
    changes (grants and users are data tables of the version).
    """
    return f"{_version(store_url())}|{auth.cache_key(_base_store(store_url()))}"


@st.cache_data(show_spinner=False, max_entries=8)
def _athletes(url: str, version: str) -> pd.DataFrame:
    return _open_store(url).athletes()


def athletes() -> pd.DataFrame:
    """All athletes: id, athlete, sex, is_synthetic, settings."""
    return _athletes(store_url(), data_version())


@st.cache_resource(show_spinner="Computing training load ...", max_entries=24)
def _analysis(url: str, athletes: tuple[str, ...] | None, load: str, until: dt.date,
              version: str) -> Analysis:
    return analyse(_open_store(url), list(athletes) if athletes is not None else None,
                   load=load, until=until)


def analysis(athlete_names: list[str] | None = None, load: str = "distance_km") -> Analysis:
    """The analysis of ``athlete_names`` (all athletes when None) with ``load`` as load measure.

    Daily series run up to today (rest days after the last activity included). The result is
    shared between sessions: treat its frames as read-only.
    """
    key = tuple(sorted(athlete_names)) if athlete_names is not None else None
    return _analysis(store_url(), key, load, today(), data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _streams(url: str, activity_id: int, version: str) -> pd.DataFrame:
    return _open_store(url).streams(activity_id)


def streams(activity_id: int) -> pd.DataFrame:
    """The samples of one activity."""
    return _streams(store_url(), int(activity_id), data_version())


@st.cache_data(show_spinner=False, max_entries=8)
def _import_history(url: str, version: str) -> pd.DataFrame:
    return _open_store(url).import_history()


def import_history() -> pd.DataFrame:
    """The latest import-log rows."""
    return _import_history(store_url(), data_version())


def today() -> dt.date:
    """Today's date (one place, so tests and pages agree)."""
    return dt.date.today()


def clear() -> None:
    """Forget every cached read (called right after the dashboard stores something)."""
    st.cache_data.clear()
    _analysis.clear()


@st.cache_data(show_spinner=False, max_entries=64)
def _log(url: str, kind: str, athlete: str | None, version: str) -> pd.DataFrame:
    return log.current(_open_store(url), kind, athlete)


def current_log(kind: str, athlete: str | None) -> pd.DataFrame:
    """Current log entries of ``kind`` (symptoms, wellness, injuries, visa_h, rpe)."""
    return _log(store_url(), kind, athlete, data_version())


def symptoms(athlete: str | None) -> pd.DataFrame:
    """Current symptom entries of ``athlete`` (everyone's when None)."""
    return current_log("symptoms", athlete)


def wellness(athlete: str | None) -> pd.DataFrame:
    """Current wellness entries of ``athlete`` (everyone's when None)."""
    return current_log("wellness", athlete)


def injuries(athlete: str | None) -> pd.DataFrame:
    """Current injury records of ``athlete`` (everyone's when None)."""
    return current_log("injuries", athlete)


@st.cache_data(show_spinner=False, max_entries=16)
def _history(url: str, kind: str, athlete: str, version: str) -> pd.DataFrame:
    return log.history(_open_store(url), kind, athlete=athlete)


def history(kind: str, athlete: str) -> pd.DataFrame:
    """Every version of ``athlete``'s log entries of ``kind`` (edits and retractions kept)."""
    return _history(store_url(), kind, athlete, data_version())


@st.cache_data(show_spinner="Building the roster ...", max_entries=8)
def _roster(url: str, on: dt.date, version: str) -> pd.DataFrame:
    result = _analysis(url, None, "distance_km", on, version)
    names = _athletes(url, version)
    frame = roster_rows(names["athlete"].tolist(), result.daily, result.flags,
                        log.current(_open_store(url), "symptoms"), on)
    synthetic = dict(zip(names["athlete"], names["is_synthetic"].astype(bool), strict=True))
    frame["is_synthetic"] = frame["athlete"].map(synthetic).fillna(False)
    return frame


def roster(on: dt.date) -> pd.DataFrame:
    """The roster (:func:`dashboard.roster_table.roster_rows`) of every athlete on ``on``."""
    return _roster(store_url(), on, data_version())


@st.cache_resource(show_spinner=False, max_entries=64)
def _figure(key: tuple[object, ...], _build: Callable[[], go.Figure]) -> go.Figure:
    return _build()


def figure(key: tuple[object, ...], build: Callable[[], go.Figure]) -> go.Figure:
    """The figure ``build()`` makes, kept for ``key`` until the data changes.

    Building a multi-panel plotly figure costs about half a second, most of a warm page
    (``key`` must name everything the figure depends on: page, athlete, measure, range,
    unit). Shared read-only between sessions.
    """
    return _figure((store_url(), data_version(), *key), build)

"""UI pieces every page shares: pickers, notes, badges, empty states, error display."""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st
from sqlalchemy.engine import make_url

from dashboard import auth, cache
from dashboard.palette import SEVERITY_STATUS, STATUS_COLOUR, STATUS_TEXT_COLOUR
from dashboard.units import UNITS
from etl.errors import LoadwatchETLError
from risk.evidence import GRADES, explain
from risk.settings import RiskSettings, settings_for

DISCLAIMER = ("Not a medical device, not a diagnosis. loadwatch describes your training; "
              "for pain or injury, see a physiotherapist or doctor.")
ACWR_CAVEAT = ("ACWR is context: how this week compares with your recent weeks. It is not a "
               "validated injury-risk score for runners (team-sport thresholds; runner cohorts "
               "disagree: SCIENCE.md 1.3).")
GRADE_WORDS: dict[str, str] = {
    "A": "runner cohort or trial", "B": "team sport or lab", "C": "expert opinion",
    "D": "product heuristic",
}
ATHLETE_KEY = "athlete"
ATHLETE_PICKER = "athlete_picker"
PENDING_ATHLETE_KEY = "open_athlete"
UNIT_KEY = "unit"
UNIT_PICKER = "unit_picker"


def footer() -> None:
    """The "not a medical device" line shown at the bottom of every page with risk content."""
    st.divider()
    st.caption(DISCLAIMER)


def empty_state(what: str, todo: str) -> None:
    """Say that there is nothing to show, and what to do about it."""
    st.info(f"{what} {todo}")


def show_error(exc: BaseException, doing: str) -> None:
    """An error as a message (never a stack trace)."""
    if isinstance(exc, LoadwatchETLError | ValueError | KeyError | LookupError):
        detail = str(exc).strip("'\"")
    else:
        detail = f"{type(exc).__name__}: {exc}"
    st.error(f"Could not {doing}: {detail}")


@contextmanager
def guard(doing: str) -> Iterator[None]:
    """Run a block; show any error as a message naming what failed, without a stack trace.

    Streamlit's own control flow (``st.rerun``, ``st.switch_page``) derives from
    ``BaseException`` and passes through.
    """
    try:
        yield
    except Exception as exc:  # the user sees a message, never a traceback
        show_error(exc, doing)


def badge(text: str, status: str) -> str:
    """HTML for ``text`` on the Okabe-Ito colour of ``status`` (the text carries the meaning)."""
    colour = STATUS_COLOUR.get(status, STATUS_COLOUR["no data"])
    ink = STATUS_TEXT_COLOUR.get(status, "#000000")
    return (f'<span style="background:{colour};color:{ink};padding:0.1em 0.5em;'
            f'border-radius:0.4em;font-weight:600">{html.escape(text.upper())}</span>')


def status_badge(status: str) -> str:
    """HTML for a roster status label (urgent / high / watch / ok / no data)."""
    return badge(status, status)


def severity_badge(severity: str) -> str:
    """HTML for a flag severity, coloured like the roster status it maps to."""
    return badge(severity, SEVERITY_STATUS.get(severity, "watch"))


def evidence_caption(key: str) -> str:
    """"Evidence grade B: <title>" for an evidence key (or a note that it is unknown)."""
    try:
        evidence = explain(key)
    except KeyError:
        return f"Evidence: {key} (no entry registered)"
    return f"Evidence grade {evidence.grade} ({GRADE_WORDS[evidence.grade]}): {evidence.title}"


def evidence_citation(key: str) -> str:
    """The full citation (with DOI) behind an evidence key."""
    try:
        evidence = explain(key)
    except KeyError:
        return f"no evidence entry for {key!r}"
    doi = f" doi:{evidence.doi}" if evidence.doi else ""
    return f"{evidence.citation}{doi}. Grade {evidence.grade}: {GRADES[evidence.grade]}."


def evidence_grade(key: str) -> str:
    """The grade letter of an evidence key ("?" when it is not registered)."""
    try:
        return explain(key).grade
    except KeyError:
        return "?"


def evidence_note(key: str) -> None:
    """A one-line evidence note under a risk number (full citation on hover)."""
    st.caption(evidence_caption(key), help=evidence_citation(key))


def athlete_names() -> list[str]:
    frame = cache.athletes()
    return frame["athlete"].tolist() if not frame.empty else []


def is_synthetic(athlete: str | None) -> bool:
    """True when ``athlete`` is demo data from the simulator."""
    if athlete is None:
        return False
    frame = cache.athletes()
    row = frame[frame["athlete"] == athlete]
    return bool(not row.empty and row["is_synthetic"].iloc[0])


def synthetic_note(athlete: str | None) -> None:
    """Label demo data as synthetic wherever it is shown."""
    if is_synthetic(athlete):
        st.caption(":material/science: **Synthetic demo data** (simulated runner, not a person).")


def _picked_athlete() -> None:
    st.session_state[ATHLETE_KEY] = st.session_state[ATHLETE_PICKER]


def _picked_unit() -> None:
    st.session_state[UNIT_KEY] = st.session_state[UNIT_PICKER] or "km"


def sidebar_pickers() -> tuple[str | None, str]:
    """The athlete and unit pickers in the sidebar; returns (athlete or None, unit).

    Every page calls this first (so a page also works on its own). The choice lives under
    plain session keys, so it survives page changes; another page opens an athlete by putting
    the name under ``PENDING_ATHLETE_KEY`` before ``st.switch_page``, and a ``?athlete=``
    query parameter does the same for links.
    """
    names = athlete_names()
    pending = st.session_state.pop(PENDING_ATHLETE_KEY, None)
    wanted = pending or st.session_state.get(ATHLETE_KEY) or st.query_params.get("athlete")
    athlete = wanted if wanted in names else (names[0] if names else None)
    st.session_state[ATHLETE_KEY] = athlete
    unit = st.session_state.get(UNIT_KEY) or "km"
    st.session_state[UNIT_KEY] = unit
    with st.sidebar:
        if names:
            st.session_state[ATHLETE_PICKER] = athlete
            st.selectbox("Athlete", names, key=ATHLETE_PICKER, on_change=_picked_athlete,
                         help="Whose data the runner and clinician pages show")
            if st.query_params.get("athlete") != athlete:
                st.query_params["athlete"] = athlete
        st.session_state[UNIT_PICKER] = unit
        st.segmented_control("Distance unit", UNITS, key=UNIT_PICKER, on_change=_picked_unit)
        if names and cache.athletes()["is_synthetic"].astype(bool).any():
            st.caption("This store holds **synthetic** demo runners.")
    return athlete, unit


def current_athlete() -> str | None:
    return st.session_state.get(ATHLETE_KEY)


def current_unit() -> str:
    return st.session_state.get(UNIT_KEY) or "km"


def page_setup() -> bool:
    """Open the store and draw the sidebar pickers; False (after a message) when it fails."""
    try:
        cache.get_store()
        sidebar_pickers()
    except Exception as exc:  # a store that cannot open is a message, not a traceback
        show_error(exc, f"open the store at {safe_url(cache.store_url())}")
        st.info("Set LOADWATCH_DB to a SQLAlchemy URL (e.g. sqlite:///path/to/loadwatch.db) "
                "or unset it to use the default store, then reload.")
        return False
    return True


def need_athlete() -> str | None:
    """Set up the page; the selected athlete, or an empty state explaining how to get one."""
    if not page_setup():
        return None
    athlete = current_athlete()
    if athlete is None:
        empty_state("No athletes in this store yet.",
                    "Import files on the Data page (or run `loadwatch demo` for synthetic data).")
    else:
        auth.hidden_runs_note(cache.get_store(), athlete)
    return athlete


def styled_status(frame: pd.DataFrame, column: str = "status") -> pd.io.formats.style.Styler:
    """``frame`` with its status column coloured (Okabe-Ito), the label text kept."""

    def colour(value: object) -> str:
        status = str(value)
        return (f"background-color: {STATUS_COLOUR.get(status, STATUS_COLOUR['no data'])}; "
                f"color: {STATUS_TEXT_COLOUR.get(status, '#000000')}; font-weight: 600")

    return frame.style.map(colour, subset=[column])


def risk_settings(athlete: str) -> RiskSettings:
    """The thresholds that apply to ``athlete`` (defaults plus any stored overrides)."""
    frame = cache.athletes()
    row = frame[frame["athlete"] == athlete]
    stored = row["settings"].iloc[0] if not row.empty else None
    overrides = stored.get("risk") if isinstance(stored, dict) else None
    return settings_for(athlete, None, {athlete: overrides} if overrides else None)


def safe_url(url: str) -> str:
    """A database URL with any password hidden, fit to show on screen."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: show nothing of it
        return "(unreadable URL)"

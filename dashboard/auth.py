"""Who is using the dashboard: nobody to sign in (local mode) or an OIDC login (server mode).

Server mode is a deployment setting: ``LOADWATCH_MODE=server`` in the environment or
``[loadwatch] mode = "server"`` in ``.streamlit/secrets.toml``. It signs people in with
Streamlit's OIDC support (``st.login`` / ``st.user``, configured in the ``[auth]`` section of
the secrets; see ``.streamlit/secrets.toml.example`` and docs/server-mode.md) and maps the
signed-in e-mail address to a loadwatch user (:func:`etl.store.access.principal_for`). Every
read then passes the access layer of the store; nothing here decides what a user may see.

Local mode (the default) needs no login: the one person at the machine reads everything.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import streamlit as st

from etl.errors import AccessDenied
from etl.store import LOCAL, Principal, Store
from etl.store import access as A

PRINCIPAL_KEY = "loadwatch_principal"
# Staff caches expire after this many seconds, so a repeated view is audited again.
STAFF_CACHE_S = 300


def _secret(name: str) -> str | None:
    try:
        section = st.secrets.get("loadwatch", {})
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return None
    value = section.get(name) if hasattr(section, "get") else None
    return None if value is None else str(value)


def settings() -> A.DeploymentSettings:
    """The deployment settings: the environment first, then ``[loadwatch]`` in the secrets."""
    env = dict(os.environ)
    for name, variable in (("mode", A.ENV_MODE),
                           ("staff_sees_strava_api", A.ENV_STAFF_SEES_STRAVA_API)):
        if not env.get(variable):
            value = _secret(name)
            if value is not None:
                env[variable] = value
    return A.DeploymentSettings.from_env(env)


def is_server_mode() -> bool:
    return settings().mode == "server"


def _signed_in_address() -> str | None:
    if not st.user.is_logged_in:
        return None
    email = st.user.get("email")
    return str(email) if email else None


def resolve(store: Store) -> Principal:
    """The principal of this session (local mode: the local user).

    Raises
    ------
    AccessDenied
        In server mode, when nobody is signed in or the address is not an active user.
    """
    deployment = settings()
    if deployment.mode != "server":
        return LOCAL
    address = _signed_in_address()
    if address is None:
        raise AccessDenied("nobody is signed in; sign in first")
    return A.principal_for(store, address, settings=deployment)


def principal(store: Store) -> Principal:
    """The principal :func:`require_login` found for this run (resolved again when absent)."""
    if not is_server_mode():
        return LOCAL
    found = st.session_state.get(PRINCIPAL_KEY)
    return found if isinstance(found, Principal) else resolve(store)


def cache_key(store: Store) -> str:
    """What every cached read is keyed on besides the data version: who reads.

    Staff keys also carry a 5-minute time bucket, so that a repeated view of unchanged data
    reads (and is audited) again.
    """
    who = principal(store)
    if who.role in A.STAFF_ROLES:
        return f"{who.user}|{who.role}|{int(time.time() // STAFF_CACHE_S)}"
    return f"{who.user}|{who.role}"


def require_login(open_store: Callable[[], Store]) -> Principal:
    """Local mode: the local principal. Server mode: the signed-in user's principal, after a
    sign-in screen (and ``st.stop()``) for anyone not signed in or not a loadwatch user.

    ``open_store`` gives the store to look users up in (only called in server mode).
    """
    if not is_server_mode():
        return LOCAL
    if not st.user.is_logged_in:
        st.session_state.pop(PRINCIPAL_KEY, None)
        st.title("loadwatch")
        st.write("Training-load monitoring for runners, their coaches and clinicians. "
                 "Sign in to see the data shared with you.")
        st.button("Sign in", type="primary", on_click=st.login)
        st.stop()
    try:
        found = resolve(open_store())
    except AccessDenied as exc:
        st.session_state.pop(PRINCIPAL_KEY, None)
        st.error(f"{exc}")
        st.button("Sign out", on_click=st.logout)
        st.stop()
    st.session_state[PRINCIPAL_KEY] = found
    with st.sidebar:
        st.caption(f"Signed in as **{found.user}** ({found.role})")
        st.button("Sign out", on_click=st.logout, key="loadwatch_sign_out")
    return found


def hidden_runs_note(store: Store, athlete: str) -> None:
    """Say how many of ``athlete``'s runs Strava's display rule hides here, and what to do."""
    if not is_server_mode():
        return
    notice = A.hidden_runs_notice(A.hidden_strava_runs(store, athlete))
    if notice:
        st.info(notice, icon=":material/visibility_off:")


def pages_for(who: Principal, pages: dict[str, list[object]]) -> dict[str, list[object]]:
    """The navigation sections for ``who``: the roster for coaches, the review for clinicians.

    Only what the menu offers; what each page may read is decided by the store.
    """
    hidden = {"local": set(), "athlete": {"Coach", "Clinician"}, "coach": {"Clinician"},
              "clinician": {"Coach"}, "admin": {"Runner", "Coach", "Clinician"}}
    drop = hidden.get(who.role, set(pages))
    shown = {section: items for section, items in pages.items() if section not in drop}
    if who.role == "athlete":
        sharing = st.Page(sharing_page, title="Sharing", icon=":material/share:",
                          url_path="sharing")
        shown["Data"] = [*shown.get("Data", []), sharing]
    return shown


def sharing_page() -> None:
    """Sharing (server mode, athletes): grants, the audit log, export and deletion of all data.

    Everything goes through :mod:`etl.store.access` and :mod:`etl.store.account` as the
    signed-in athlete; this page only draws forms.
    """
    import datetime as dt
    import io

    from dashboard import cache
    from etl.errors import LoadwatchETLError
    from etl.store import account

    store = cache.get_store()
    st.title("Sharing and your data")
    if store.principal.role != "athlete":
        st.info("Sharing is for athletes: each athlete decides who sees their data.")
        return
    try:
        st.subheader("Who can see your data")
        current = A.grants(store)
        if current.empty:
            st.write("Nobody: your data is yours alone.")
        for row in current.itertuples(index=False):
            who = row.grantee or f"every coach of team {row.team}"
            label = {"load": "load and flags", "load_symptoms": "load, flags and symptoms",
                     "full": "everything"}[str(row.scope)]
            cols = st.columns([4, 1])
            cols[0].write(f"**{who}**: {label} (since {row.granted_at:%Y-%m-%d})")
            if cols[1].button("Withdraw", key=f"withdraw-{who}"):
                A.withdraw(store, row.grantee, team=None if row.grantee else row.team)
                cache.clear()
                st.rerun()
        with st.form("grant", clear_on_submit=True):
            st.write("Share with a coach or clinician (their loadwatch user name), or a team.")
            grantee = st.text_input("Coach or clinician")
            team = st.text_input("…or every coach of team")
            symptoms = st.checkbox("Coaches may also see symptoms, wellness and injuries")
            if st.form_submit_button("Share"):
                A.grant(store, grantee.strip() or None, team=team.strip() or None,
                        symptoms=symptoms)
                cache.clear()
                st.rerun()
        st.subheader("Who looked at your data")
        st.dataframe(A.audit(store), hide_index=True)
        st.subheader("All your data")
        own = str(store.athletes()["athlete"].iloc[0])
        buffer = io.BytesIO()
        account.export_athlete_data(store, own, buffer)
        st.download_button("Download all my data (zip of CSVs)", buffer.getvalue(),
                           file_name=f"loadwatch-{dt.date.today()}.zip",
                           mime="application/zip")
        confirm = st.text_input(f"To delete all your data for good, type {own!r}")
        if st.button("Delete all my data", type="primary", disabled=confirm != own):
            account.delete_athlete_data(store, own)
            cache.clear()
            st.success("Everything you stored is deleted. You can sign out now.")
    except LoadwatchETLError as exc:
        st.error(str(exc))

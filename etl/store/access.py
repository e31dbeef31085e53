"""Server mode: users, roles, grants, the access rules behind :meth:`Store.authorize`, and audit.

Every read of athlete data in loadwatch asks :meth:`etl.store.Store.authorize` which athletes
its principal may read as a given *kind* of data; for any principal other than the local one
the store hands the question to :func:`authorize` here, so the dashboard, the CLI, reports and
exports obey the same rules.

Roles and what they may read (DESIGN.md section 10, issue 8):

========== =================================================================================
athlete    everything of their own athlete record (and nothing of anyone else's)
coach      athletes who granted access: load and flags; symptoms, wellness, injuries and
           VISA-H only when the athlete allowed it (scope ``load_symptoms``)
clinician  athletes who granted access: everything, including exports and reports, and may
           add to the log (e.g. a diagnosis)
admin      manages users; sees the athlete list, never an athlete's data
========== =================================================================================

A grant names one coach or clinician, or a team (every coach of that team). Withdrawing a grant
takes effect on the next read: nothing here is cached. Every staff read of an athlete's data is
written to the append-only ``audit_log`` (who, whose, what, when), which the athlete can read;
a report made by staff is one row of its own (:func:`record_report`: action ``report``, with
its format and window), and so is every write staff make about an athlete (log entries, RPE,
settings, activities: :func:`record_write`, action ``write``, inside the writer's transaction).

Strava's API agreement lets data obtained through the API be shown only to the athlete it
belongs to. Unless the deployment setting ``LOADWATCH_STAFF_SEES_STRAVA_API`` is on, staff see
an athlete's ``strava_api`` activities only when the same run is also stored from an export or
a file (an alias in ``activity_aliases``); :func:`hidden_strava_runs` counts the rest and
:func:`hidden_runs_notice` says so in plain words.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    and_,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from etl.errors import AccessDenied, ConfigurationError, StoreError
from etl.store import tables as T
from etl.store import tables_access as TA
from etl.store.base import utcnow
from etl.store.store import LOCAL, Principal, Store

ENV_MODE = "LOADWATCH_MODE"
ENV_STAFF_SEES_STRAVA_API = "LOADWATCH_STAFF_SEES_STRAVA_API"
STRAVA_API = "strava_api"
STAFF_ROLES = ("coach", "clinician")
AUDIT_COALESCE_S = 60.0

LOAD_KINDS = frozenset({"athletes", "activities", "streams", "flags", "metrics", "rpe"})
SYMPTOM_KINDS = frozenset({"symptoms", "wellness", "injuries", "visa_h"})
EXPORT_KINDS = frozenset({"reports", "exports"})
OWNER_KINDS = frozenset({"log_write", "strava", "account", "audit", "grants"})
KINDS = LOAD_KINDS | SYMPTOM_KINDS | EXPORT_KINDS | OWNER_KINDS

SCOPE_KINDS: Mapping[str, frozenset[str]] = {
    "load": LOAD_KINDS,
    "load_symptoms": LOAD_KINDS | SYMPTOM_KINDS,
    "full": LOAD_KINDS | SYMPTOM_KINDS | EXPORT_KINDS | {"log_write"},
}

Role = Literal["athlete", "coach", "clinician", "admin"]


@dataclass(frozen=True)
class DeploymentSettings:
    """Deployment-wide access settings.

    Parameters
    ----------
    mode
        ``"local"`` (default: one person, no login) or ``"server"`` (login, roles, grants).
    staff_sees_strava_api
        Show ``strava_api`` activities to coaches and clinicians (default off: Strava's API
        agreement allows showing them only to their athlete).
    """

    mode: Literal["local", "server"] = "local"
    staff_sees_strava_api: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DeploymentSettings:
        """Read ``LOADWATCH_MODE`` and ``LOADWATCH_STAFF_SEES_STRAVA_API``."""
        env = os.environ if environ is None else environ
        mode = (env.get(ENV_MODE) or "local").strip().lower()
        if mode not in ("local", "server"):
            raise ConfigurationError(f"{ENV_MODE}={mode!r} is not a mode; use local or server")
        flag = (env.get(ENV_STAFF_SEES_STRAVA_API) or "").strip().lower()
        if flag not in ("", "0", "1", "true", "false", "yes", "no", "on", "off"):
            raise ConfigurationError(f"{ENV_STAFF_SEES_STRAVA_API}={flag!r} is not a switch; "
                                     "use true or false")
        return cls("server" if mode == "server" else "local", flag in ("1", "true", "yes", "on"))


@dataclass(frozen=True)
class User:
    """A loadwatch user (server mode)."""

    id: int
    name: str
    role: str
    email: str | None
    athlete: str | None
    team: str | None
    is_active: bool


# -- principals ----------------------------------------------------------------------------
def principal_for(store: Store, user: str, *,
                  settings: DeploymentSettings | None = None) -> Principal:
    """The principal of the user called ``user`` (or with that e-mail address).

    Raises
    ------
    AccessDenied
        When no active user has that name or address.
    """
    settings = settings or DeploymentSettings.from_env()
    found = _user_row(store, user)
    if found is None or not found["is_active"]:
        raise AccessDenied(f"{user!r} is not an active loadwatch user; ask an administrator to "
                           "add you with `loadwatch users add`")
    return Principal(user=str(found["name"]), role=str(found["role"]),
                     athlete_id=None if found["athlete_id"] is None else int(found["athlete_id"]),
                     staff_sees_strava_api=settings.staff_sees_strava_api)


def _user_row(store: Store, user: str) -> RowMapping | None:
    key = user.strip()
    u = TA.users
    with store.engine.connect() as conn:
        row = conn.execute(select(u).where(u.c.name == key)).mappings().first()
        if row is None and "@" in key:
            row = conn.execute(select(u).where(func.lower(u.c.email) == key.lower())
                               ).mappings().first()
    return row


def _is_local(store: Store) -> bool:
    return store.principal.role == LOCAL.role


def _require_admin(store: Store, what: str) -> None:
    if not _is_local(store) and store.principal.role != "admin":
        raise AccessDenied(f"{store.principal.user} may not {what}; only an administrator may")


# -- the access rules ------------------------------------------------------------------------
def authorize(store: Store, athlete_ids: Iterable[int] | None, kind: str) -> list[int]:
    """The athletes among ``athlete_ids`` (every athlete when None) the principal may read.

    Staff reads of another athlete's data are recorded in the audit log. Asking for
    ``log_write`` records nothing: a writer may hold an open transaction (an import), so each
    write records itself in that transaction once done (:func:`record_write`). Asking for
    ``reports`` records nothing either: the report, once made, is recorded by
    :func:`record_report` with its format and window.

    Raises
    ------
    StoreError
        For a kind of data the access rules do not know (a programming error: add it to
        :data:`KINDS` and to the scopes that may read it).
    """
    if kind not in KINDS:
        raise StoreError(f"unknown kind of data {kind!r} for the access rules; use one of "
                         f"{', '.join(sorted(KINDS))}")
    principal = store.principal
    wanted = None if athlete_ids is None else {int(i) for i in athlete_ids}
    permitted = _permitted(store, principal, kind)
    allowed = sorted(permitted if wanted is None else permitted & wanted)
    if principal.role in STAFF_ROLES and kind not in ("athletes", "log_write", "reports"):
        others = [i for i in allowed if i != principal.athlete_id]
        if others:
            record(store, others, "export" if kind in EXPORT_KINDS else "view", kind)
    return allowed


def _permitted(store: Store, principal: Principal, kind: str) -> set[int]:
    own = set() if principal.athlete_id is None else {principal.athlete_id}
    if principal.role == "admin":
        return _all_athletes(store) if kind == "athletes" else set()
    if principal.role not in ("athlete", *STAFF_ROLES):
        return set()
    if principal.role == "athlete" or kind in OWNER_KINDS - {"log_write"}:
        return own
    scopes = [scope for scope, kinds in SCOPE_KINDS.items() if kind in kinds]
    g, u = TA.grants, TA.users
    me = select(u.c.id, u.c.team, u.c.role).where(u.c.name == principal.user)
    with store.engine.connect() as conn:
        row = conn.execute(me).first()
        if row is None:
            return own
        user_id, team, role = int(row[0]), row[1], str(row[2])
        grantee = g.c.grantee_user_id == user_id
        if team is not None and role == "coach":
            grantee = or_(grantee, g.c.grantee_team == team)
        rows = conn.execute(select(g.c.athlete_id).where(and_(
            grantee, g.c.withdrawn_at.is_(None), g.c.scope.in_(scopes)))).all()
    return own | {int(r[0]) for r in rows}


def _all_athletes(store: Store) -> set[int]:
    with store.engine.connect() as conn:
        return {int(r[0]) for r in conn.execute(select(T.athletes.c.id)).all()}


def is_staff_view(principal: Principal, athlete_id: int | None = None) -> bool:
    """Whether ``principal`` reads as staff (not as the athlete whose data it is)."""
    if principal.role in (LOCAL.role, "athlete"):
        return False
    return athlete_id is None or athlete_id != principal.athlete_id


def strava_api_clause(principal: Principal) -> ColumnElement[bool] | None:
    """A WHERE clause on ``activities`` applying Strava's display rule for ``principal``.

    None when nothing is hidden (local mode, an athlete, or the deployment allows it).
    Otherwise an activity is visible when it is the principal's own, when its stored record
    is not from the API, or when the same run is also stored from an export or a file.
    """
    if not is_staff_view(principal) or principal.staff_sees_strava_api:
        return None
    a, al = T.activities, T.activity_aliases
    other_source = exists(select(literal(1)).where(and_(
        al.c.activity_id == a.c.id, al.c.source != STRAVA_API)))
    visible = or_(a.c.source != STRAVA_API, other_source)
    if principal.athlete_id is not None:
        visible = or_(a.c.athlete_id == principal.athlete_id, visible)
    return visible


def streams_hidden(store: Store, activity_id: int) -> bool:
    """Whether the samples of ``activity_id`` are API data the principal may not see.

    The stored samples belong to the kept record; when that record came from the API, staff
    do not see them (unless the deployment allows it), even if a file alias exists.
    """
    principal = store.principal
    if principal.staff_sees_strava_api:
        return False
    with store.engine.connect() as conn:
        row = conn.execute(select(T.activities.c.source, T.activities.c.athlete_id).where(
            T.activities.c.id == activity_id)).first()
    return row is not None and row[0] == STRAVA_API and is_staff_view(principal, int(row[1]))


def hidden_stream_ids(store: Store, activity_ids: Iterable[int]) -> set[int]:
    """The ids among ``activity_ids`` whose samples :func:`streams_hidden` hides (in bulk).

    Also keeps values derived from those samples (cached stream metrics) away from staff, and
    keeps the shared metrics cache from being filled with results of hidden (empty) samples.
    """
    principal = store.principal
    if not is_staff_view(principal) or principal.staff_sees_strava_api:
        return set()
    ids = sorted({int(i) for i in activity_ids})
    a = T.activities
    hidden: set[int] = set()
    with store.engine.connect() as conn:
        for start in range(0, len(ids), 500):
            query = select(a.c.id).where(and_(a.c.id.in_(ids[start:start + 500]),
                                              a.c.source == STRAVA_API))
            if principal.athlete_id is not None:
                query = query.where(a.c.athlete_id != principal.athlete_id)
            hidden.update(int(r[0]) for r in conn.execute(query).all())
    return hidden


def hidden_strava_runs(store: Store, athlete: str) -> int:
    """How many of ``athlete``'s activities Strava's display rule hides from this principal."""
    principal = store.principal
    a, at, al = T.activities, T.athletes, T.activity_aliases
    with store.engine.connect() as conn:
        athlete_id = conn.execute(select(at.c.id).where(at.c.name == athlete)).scalar()
        if athlete_id is None or not is_staff_view(principal, int(athlete_id)) \
                or principal.staff_sees_strava_api:
            return 0
        other_source = exists(select(literal(1)).where(and_(
            al.c.activity_id == a.c.id, al.c.source != STRAVA_API)))
        count = conn.execute(select(func.count()).select_from(a).where(and_(
            a.c.athlete_id == athlete_id, a.c.source == STRAVA_API, ~other_source))).scalar()
    return int(count or 0)


def hidden_runs_notice(count: int) -> str | None:
    """The plain-language notice for ``count`` hidden runs (None when nothing is hidden)."""
    if count <= 0:
        return None
    runs = "1 run" if count == 1 else f"{count} runs"
    return (f"{runs} synced from Strava {'is' if count == 1 else 'are'} hidden here: Strava's "
            "API terms let only the athlete see data obtained through the API. To share these "
            "runs, the athlete can request their archive on strava.com (Settings > My Account "
            "> Download or Delete Your Account) and import the export zip on the Data page or "
            "with `loadwatch import export.zip`.")


# -- users -----------------------------------------------------------------------------------
def add_user(store: Store, name: str, role: str, *, email: str | None = None,
             athlete: str | None = None, team: str | None = None) -> User:
    """Add a user. An athlete user is linked to the athlete record ``athlete`` (default: the
    user's name), created when missing. Only an administrator (or local mode) may add users.
    """
    _require_admin(store, "add users")
    name = name.strip()
    if not name:
        raise StoreError("a user needs a non-empty name; pass NAME")
    if role not in TA.ROLES:
        raise StoreError(f"role {role!r} is not one of {', '.join(TA.ROLES)}; pass --role")
    if role != "athlete" and athlete is not None:
        raise StoreError(f"only an athlete user is linked to an athlete record, not a {role}")
    if _user_row(store, name) is not None:
        raise StoreError(f"there is already a user called {name!r}; pick another name")
    athlete_id = None
    if role == "athlete":
        athlete_id = store.as_principal(LOCAL).athlete_id(athlete or name)
    now = utcnow()
    with store.transaction() as conn:
        if athlete_id is not None and conn.execute(select(TA.users.c.name).where(
                TA.users.c.athlete_id == athlete_id)).first() is not None:
            raise StoreError(f"athlete {athlete or name!r} already has a user; one user per "
                             "athlete")
        conn.execute(insert(TA.users).values(
            name=name, email=(email or None), role=role, athlete_id=athlete_id,
            team=(team or None), is_active=True, created_at=now, updated_at=now))
    found = get_user(store.as_principal(LOCAL), name)
    return found


def get_user(store: Store, name: str) -> User:
    """The user called ``name`` (an administrator, local mode, or the user themselves)."""
    if not _is_local(store) and store.principal.role != "admin" and store.principal.user != name:
        raise AccessDenied(f"{store.principal.user} may not read other users")
    u, at = TA.users, T.athletes
    with store.engine.connect() as conn:
        row = conn.execute(select(u, at.c.name.label("athlete")).outerjoin(
            at, at.c.id == u.c.athlete_id).where(u.c.name == name)).mappings().first()
    if row is None:
        raise StoreError(f"no user called {name!r}; add one with `loadwatch users add`")
    return User(int(row["id"]), str(row["name"]), str(row["role"]), row["email"], row["athlete"],
                row["team"], bool(row["is_active"]))


def users(store: Store) -> pd.DataFrame:
    """Every user: user, role, email, athlete, team, is_active (administrators only)."""
    _require_admin(store, "list users")
    u, at = TA.users, T.athletes
    with store.engine.connect() as conn:
        rows = conn.execute(select(u.c.name.label("user"), u.c.role, u.c.email,
                                   at.c.name.label("athlete"), u.c.team, u.c.is_active)
                            .outerjoin(at, at.c.id == u.c.athlete_id).order_by(u.c.name)).all()
    return pd.DataFrame(rows, columns=["user", "role", "email", "athlete", "team", "is_active"])


def set_active(store: Store, name: str, active: bool) -> None:
    """Enable or disable a user (a disabled user cannot sign in; grants stay on record)."""
    _require_admin(store, "change users")
    with store.transaction() as conn:
        done = conn.execute(update(TA.users).where(TA.users.c.name == name).values(
            is_active=active, updated_at=utcnow()))
        if done.rowcount == 0:
            raise StoreError(f"no user called {name!r}")


# -- grants ----------------------------------------------------------------------------------
def _own_athlete(store: Store, athlete: str | None, what: str) -> tuple[int, str]:
    principal = store.principal
    if _is_local(store):
        if not athlete:
            raise StoreError(f"name the athlete whose access to {what}; pass --athlete NAME")
        return store.athlete_id(athlete, create=False), athlete
    if principal.role != "athlete" or principal.athlete_id is None:
        raise AccessDenied(f"{principal.user} may not {what}: only the athlete themselves may")
    with store.engine.connect() as conn:
        own = str(conn.execute(select(T.athletes.c.name).where(
            T.athletes.c.id == principal.athlete_id)).scalar_one())
    if athlete is not None and athlete != own:
        raise AccessDenied(f"{principal.user} may not {what} for athlete {athlete!r}: only "
                           "for their own data")
    return principal.athlete_id, own


def grant(store: Store, grantee: str | None = None, *, athlete: str | None = None,
          team: str | None = None, symptoms: bool = False) -> int:
    """Grant a coach or clinician (or every coach of ``team``) access to ``athlete``'s data.

    Coaches get load and flags, plus symptoms, wellness, injuries and VISA-H when ``symptoms``;
    clinicians get everything. Only the athlete (or local mode) grants. Granting again
    replaces the previous grant to the same grantee. Returns the grant id.
    """
    if (grantee is None) == (team is None):
        raise StoreError("name either a user (the coach or clinician) or a --team to grant to")
    athlete_id, _ = _own_athlete(store, athlete, "grant access")
    grantee_id: int | None = None
    if grantee is not None:
        row = _user_row(store, grantee)
        if row is None:
            raise StoreError(f"no user called {grantee!r}; ask an administrator to add them")
        if row["role"] not in STAFF_ROLES:
            raise StoreError(f"{grantee!r} is a {row['role']}; grants go to a coach or clinician")
        grantee_id = int(row["id"])
        scope = "full" if row["role"] == "clinician" else \
            "load_symptoms" if symptoms else "load"
    else:
        scope = "load_symptoms" if symptoms else "load"
    now = utcnow()
    with store.transaction() as conn:
        _withdraw(conn, athlete_id, grantee_id, team, now)
        result = conn.execute(insert(TA.grants).values(
            athlete_id=athlete_id, grantee_user_id=grantee_id, grantee_team=team, scope=scope,
            granted_by=store.principal.user, granted_at=now, updated_at=now))
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def _withdraw(conn: Any, athlete_id: int, grantee_id: int | None, team: str | None,
              now: dt.datetime) -> int:
    g = TA.grants
    who = g.c.grantee_user_id == grantee_id if grantee_id is not None else g.c.grantee_team == team
    done = conn.execute(update(g).where(and_(g.c.athlete_id == athlete_id, who,
                                             g.c.withdrawn_at.is_(None)))
                        .values(withdrawn_at=now, updated_at=now))
    return int(done.rowcount or 0)


def withdraw(store: Store, grantee: str | None = None, *, athlete: str | None = None,
             team: str | None = None) -> int:
    """Withdraw ``athlete``'s grants to ``grantee`` (or ``team``) at once; returns how many."""
    if (grantee is None) == (team is None):
        raise StoreError("name either a user or a --team whose access to withdraw")
    athlete_id, _ = _own_athlete(store, athlete, "withdraw access")
    grantee_id = None
    if grantee is not None:
        row = _user_row(store, grantee)
        if row is None:
            raise StoreError(f"no user called {grantee!r}")
        grantee_id = int(row["id"])
    with store.transaction() as conn:
        return _withdraw(conn, athlete_id, grantee_id, team, utcnow())


def grants(store: Store, *, include_withdrawn: bool = False) -> pd.DataFrame:
    """Grants the principal may see: an athlete their own, staff those made to them,
    an administrator and local mode all. Columns: athlete, grantee, team, scope, granted_by,
    granted_at, withdrawn_at.
    """
    g, u, at = TA.grants, TA.users, T.athletes
    query = (select(at.c.name.label("athlete"), u.c.name.label("grantee"),
                    g.c.grantee_team.label("team"), g.c.scope, g.c.granted_by, g.c.granted_at,
                    g.c.withdrawn_at)
             .join(at, at.c.id == g.c.athlete_id).outerjoin(u, u.c.id == g.c.grantee_user_id)
             .order_by(at.c.name, g.c.id))
    principal = store.principal
    if principal.role == "athlete":
        query = query.where(g.c.athlete_id == principal.athlete_id)
    elif principal.role in STAFF_ROLES:
        me = _user_row(store, principal.user)
        team = None if me is None else me["team"]
        mine = u.c.name == principal.user
        if team is not None and principal.role == "coach":
            mine = or_(mine, g.c.grantee_team == team)
        query = query.where(mine)
    elif not _is_local(store) and principal.role != "admin":
        raise AccessDenied(f"{principal.user} may not read grants")
    if not include_withdrawn:
        query = query.where(g.c.withdrawn_at.is_(None))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=["athlete", "grantee", "team", "scope", "granted_by",
                                       "granted_at", "withdrawn_at"])


def grants_version(store: Store) -> str:
    """A fingerprint of every grant and user; changes on any grant, withdrawal or role change.

    Dashboard caches key on it (with the principal) so that a withdrawal is obeyed at once.
    """
    parts = []
    with store.engine.connect() as conn:
        for table in (TA.grants, TA.users):
            row = conn.execute(select(func.count(), func.max(table.c.updated_at))
                               .select_from(table)).one()
            parts.append(f"{table.name}={tuple(row)}")
    return hashlib.sha256(";".join(parts).encode()).hexdigest()[:16]


# -- audit -----------------------------------------------------------------------------------
def record(store: Store, athlete_ids: Iterable[int], action: str, what: str,
           detail: str = "", *, connection: Connection | None = None) -> int:
    """Append audit rows: the principal ``action``-ed (view, export, report, write) ``what`` of
    each athlete. Without a ``detail``, the same actor, athlete, action and kind within 60 s is
    recorded once (a page reads the same data several times per view). Pass ``connection`` to
    write in a caller's transaction (a write records itself with the data it wrote). Returns
    the number of rows written.
    """
    ids = sorted({int(i) for i in athlete_ids})
    if not ids:
        return 0
    if connection is None:
        with store.transaction() as conn:
            return record(store, ids, action, what, detail, connection=conn)
    principal = store.principal
    a = TA.audit_log
    now = utcnow()
    since = now - dt.timedelta(seconds=AUDIT_COALESCE_S)
    if not detail:
        recent = {int(r[0]) for r in connection.execute(select(a.c.athlete_id).where(and_(
            a.c.actor == principal.user, a.c.action == action, a.c.what == what,
            a.c.detail == "", a.c.occurred_at >= since, a.c.athlete_id.in_(ids)))).all()}
        ids = [i for i in ids if i not in recent]
    if ids:
        connection.execute(insert(a), [
            {"occurred_at": now, "actor": principal.user, "actor_role": principal.role,
             "athlete_id": i, "action": action, "what": what, "detail": detail}
            for i in ids])
    return len(ids)


def record_write(store: Store, athlete_id: int, what: str, detail: str = "", *,
                 connection: Connection | None = None) -> int:
    """Audit a write the principal made about ``athlete_id``'s data (action ``write``).

    Coaches and clinicians writing another athlete's data get a row: ``what`` is the kind of
    data (``symptoms``, ``wellness``, ``injuries``, ``visa_h``, ``rpe``, ``settings``,
    ``activities``), ``detail`` what was written (e.g. ``add <entry id>``). A write with a
    detail is always its own row; without one (activities, which an import writes by the
    hundred) the same actor, athlete and kind within 60 s is one row. The athlete's own writes
    and local mode record nothing. The write functions call it after their authorization,
    in their own transaction (``connection``), so a write that rolls back leaves no row.

    Returns
    -------
    int
        The number of rows written (0 or 1).
    """
    return _record_staff(store, athlete_id, "write", what, detail, connection)


def record_report(store: Store, athlete_id: int, fmt: str, start: dt.date,
                  end: dt.date) -> int:
    """Audit a report of ``athlete_id`` that the principal made (downloaded or wrote to a file).

    Staff reading another athlete's data get one row per report: action ``report``, what
    ``reports``, detail ``format=pdf; window=START/END`` (ISO dates, both included). Reports
    are never merged with other rows, so each download shows. The athlete's own reports and
    local mode record nothing (like their reads). Call it after :func:`authorize` allowed the
    ``reports`` kind, once the report is made.

    Returns
    -------
    int
        The number of rows written (0 or 1).
    """
    return _record_staff(store, athlete_id, "report", "reports",
                         f"format={fmt}; window={start.isoformat()}/{end.isoformat()}")


def _record_staff(store: Store, athlete_id: int, action: str, what: str, detail: str,
                  connection: Connection | None = None) -> int:
    """:func:`record` one row when staff act on another athlete's data; 0 otherwise."""
    principal = store.principal
    if principal.role not in STAFF_ROLES or athlete_id == principal.athlete_id:
        return 0
    return record(store, [athlete_id], action, what, detail, connection=connection)


def audit(store: Store, athlete: str | None = None) -> pd.DataFrame:
    """Audit rows (occurred_at, actor, actor_role, athlete, action, what, detail), newest first.

    An athlete reads the rows about their own data; an administrator and local mode read any
    athlete's (``athlete`` filters). Staff may not read the audit log.
    """
    principal = store.principal
    a, at = TA.audit_log, T.athletes
    # The row must be about this athlete record, not an earlier one that had the same id.
    query = (select(a.c.occurred_at, a.c.actor, a.c.actor_role, at.c.name.label("athlete"),
                    a.c.action, a.c.what, a.c.detail)
             .join(at, and_(at.c.id == a.c.athlete_id, a.c.occurred_at >= at.c.created_at))
             .order_by(a.c.id.desc()))
    if principal.role == "athlete":
        if athlete is not None and principal.athlete_id != _athlete_id_or_none(store, athlete):
            raise AccessDenied(f"{principal.user} may read only the audit log of their own data")
        query = query.where(a.c.athlete_id == principal.athlete_id)
    elif _is_local(store) or principal.role == "admin":
        if athlete is not None:
            query = query.where(at.c.name == athlete)
    else:
        raise AccessDenied(f"{principal.user} ({principal.role}) may not read the audit log; "
                           "athletes read their own")
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=["occurred_at", "actor", "actor_role", "athlete", "action",
                                       "what", "detail"])


def _athlete_id_or_none(store: Store, name: str) -> int | None:
    with store.engine.connect() as conn:
        found = conn.execute(select(T.athletes.c.id).where(T.athletes.c.name == name)).scalar()
    return None if found is None else int(found)

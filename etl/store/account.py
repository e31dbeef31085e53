"""An athlete's own data: export all of it as a zip of CSVs, or delete all of it.

The export holds one CSV per kind of data (activities, symptoms, wellness, injuries, VISA-H,
RPE, with every version of each log entry), the grants and the audit log of the athlete, and the
recorded samples of every activity (``streams/<activity_id>.csv``). loadwatch does not keep
uploaded files (only what was read from them), so the samples are the originals it has. Every
CSV is neutralised against spreadsheet formula injection (:mod:`etl.csv_safety`).

Deletion removes the athlete from every table: every row with the athlete's id, everything
hanging off their activities (samples, aliases, cached metrics, RPE history), their Strava
connection, sync state and webhook events, their import-log rows, grants, and their user.
The audit log is append-only and keeps the record of who read the data when; those rows carry
only the athlete's number and can no longer be read once the athlete record is gone.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Table, delete, select

from etl.csv_safety import neutralise_frame
from etl.errors import AccessDenied, StoreError
from etl.store import log
from etl.store import tables as T
from etl.store import tables_access as TA
from etl.store import tables_strava as TS
from etl.store.access import audit, grants, record
from etl.store.schema import metadata
from etl.store.store import LOCAL, Store

_README = """loadwatch export of {athlete}, made {made} UTC.

activities.csv      every stored activity (SI units, names as in the loadwatch glossary)
<kind>.csv          every version of each log entry (symptoms, wellness, injuries, visa_h, rpe),
                    edits and withdrawals included, with who entered it and when
grants.csv          who was given access to this data, and when it was withdrawn
audit.csv           every staff view or export of this data
streams/<id>.csv    the recorded samples of activity <id> (loadwatch keeps no uploaded files:
                    these samples are what was read from them)
"""


@dataclass(frozen=True)
class DeletionReport:
    """What :func:`delete_athlete_data` removed: rows per table and the activity ids."""

    athlete: str
    rows: dict[str, int] = field(default_factory=dict)
    activity_ids: tuple[int, ...] = ()


def _account_athlete(store: Store, athlete: str, what: str) -> int:
    """The id of ``athlete`` when the principal may ``what`` all of their data."""
    found = store.ids_of([athlete])
    if not found:
        raise StoreError(f"no athlete called {athlete!r} in {store.url}")
    athlete_id = found[0]
    principal = store.principal
    if principal.role == LOCAL.role or principal.athlete_id == athlete_id:
        return athlete_id
    raise AccessDenied(f"{principal.user} may not {what} the data of athlete {athlete!r}: "
                       "only the athlete themselves may")


def export_athlete_data(store: Store, athlete: str, out: str | Path | IO[bytes]) -> list[str]:
    """Write every piece of ``athlete``'s data to the zip ``out``; returns the member names.

    The athlete themselves (or local mode) may export everything; a clinician with a grant
    may export what the grant covers (the export is recorded in the audit log).

    Raises
    ------
    AccessDenied
        For anyone else.
    """
    athlete_id = store.ids_of([athlete])
    if not athlete_id:
        raise StoreError(f"no athlete called {athlete!r} in {store.url}")
    own = store.principal.role == LOCAL.role or store.principal.athlete_id == athlete_id[0]
    if not own and not store.authorize(athlete_id, "exports"):
        raise AccessDenied(f"{store.principal.user} may not export the data of athlete "
                           f"{athlete!r}; ask the athlete to grant access")
    members: dict[str, pd.DataFrame] = {"activities.csv": store.activities(athlete)}
    for kind in ("symptoms", "wellness", "injuries", "visa_h", "rpe"):
        members[f"{kind}.csv"] = log.history(store, kind, athlete=athlete)
    if own:
        members["grants.csv"] = grants(store, include_withdrawn=True).query(
            "athlete == @athlete")
        members["audit.csv"] = audit(store, athlete)
    for activity_id in members["activities.csv"]["activity_id"].tolist():
        samples = store.streams(int(activity_id))
        if not samples.empty:
            members[f"streams/{int(activity_id)}.csv"] = samples
    names: list[str] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _README.format(
            athlete=athlete, made=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")))
        names.append("README.txt")
        for name, frame in members.items():
            buffer = io.StringIO()
            neutralise_frame(_flat(frame)).to_csv(buffer, index=False)
            archive.writestr(name, buffer.getvalue())
            names.append(name)
    return names


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists and dicts as JSON text, so that every cell of the CSV is one value."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object:
            out[name] = out[name].map(
                lambda v: json.dumps(list(v) if isinstance(v, tuple) else v)
                if isinstance(v, list | tuple | dict) else v)
    return out


def delete_athlete_data(store: Store, athlete: str) -> DeletionReport:
    """Delete every row of ``athlete``'s data from every table, in one transaction.

    Only the athlete themselves (or local mode) may. Callers holding caches (the dashboard)
    clear them afterwards; every cache in loadwatch is also keyed on the store's data version,
    which this changes.

    Raises
    ------
    AccessDenied
        For anyone but the athlete (or local mode).
    """
    athlete_id = _account_athlete(store, athlete, "delete")
    rows: dict[str, int] = {}
    a = T.activities
    with store.transaction() as conn:
        activity_ids = tuple(int(r[0]) for r in conn.execute(
            select(a.c.id).where(a.c.athlete_id == athlete_id)).all())
        strava_ids = [int(r[0]) for r in conn.execute(
            select(TS.strava_connections.c.strava_athlete_id).where(
                TS.strava_connections.c.athlete_id == athlete_id)).all()]
        if strava_ids:
            _delete(conn, TS.webhook_events, TS.webhook_events.c.owner_id.in_(strava_ids), rows)
        _delete(conn, T.import_log, T.import_log.c.athlete == athlete, rows)
        _delete(conn, TA.users, TA.users.c.athlete_id == athlete_id, rows)
        for table in reversed(metadata.sorted_tables):
            if table.name in ("activities", "athletes", "users", TA.audit_log.name):
                continue
            if "athlete_id" in table.c and _refers_to(table, "athletes"):
                _delete(conn, table, table.c.athlete_id == athlete_id, rows)
            elif "activity_id" in table.c and activity_ids and _refers_to(table, "activities"):
                _delete(conn, table, table.c.activity_id.in_(activity_ids), rows)
        _delete(conn, a, a.c.athlete_id == athlete_id, rows)
        _delete(conn, T.athletes, T.athletes.c.id == athlete_id, rows)
    if store.principal.role != LOCAL.role:
        record(store, [athlete_id], "delete", "account")
    return DeletionReport(athlete, rows, activity_ids)


def _refers_to(table: Table, target: str) -> bool:
    return any(fk.column.table.name == target for fk in table.foreign_keys)


def _delete(conn: Connection, table: Table, where: ColumnElement[bool],
            rows: dict[str, int]) -> None:
    done = conn.execute(delete(table).where(where))
    if done.rowcount:
        rows[table.name] = rows.get(table.name, 0) + int(done.rowcount)

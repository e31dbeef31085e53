"""Store functions of the Strava domain: connections, sync cursors, per-activity bookkeeping,
webhook events and the rate-limit usage snapshot.

Functions that take ``conn`` run inside the caller's transaction (so that a cursor moves in
the same transaction as the activity rows); the others open their own. Tokens arrive and
leave as ciphertext: encryption is :mod:`etl.strava.tokens`' business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, delete, insert, select, update

from etl.errors import StoreError
from etl.store import tables as T
from etl.store import tables_strava as S
from etl.store.base import utcnow
from etl.store.store import Store

SOURCE = "strava_api"


@dataclass(frozen=True)
class ConnectionRow:
    """One athlete's Strava connection as stored (``tokens`` is Fernet ciphertext)."""

    athlete_id: int
    athlete: str
    strava_athlete_id: int
    scopes: tuple[str, ...]
    tokens: bytes
    expires_at: dt.datetime
    status: str
    connected_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class SyncState:
    """Where the sync of one athlete stands.

    Every activity that started in ``[backfill_before, cursor_after]`` is stored;
    ``backfill_complete`` says nothing older is left on Strava.
    """

    athlete_id: int
    cursor_after: dt.datetime | None = None
    backfill_before: dt.datetime | None = None
    backfill_complete: bool = False
    last_sync_at: dt.datetime | None = None
    last_result: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ActivityState:
    """What the sync knows about one Strava activity id."""

    strava_id: int
    summary_sha256: str | None
    status: str
    error: str | None


@dataclass(frozen=True)
class WebhookEvent:
    """One recorded webhook event."""

    id: int
    object_type: str
    aspect_type: str
    object_id: int
    owner_id: int
    subscription_id: int
    event_time: int
    updates: Mapping[str, Any]
    processed: bool
    error: str | None


@dataclass(frozen=True)
class RateUsage:
    """The usage headers last seen, and when (overall and read limits, 15-min and daily)."""

    limit_15min: int
    limit_daily: int
    usage_15min: int
    usage_daily: int
    read_limit_15min: int
    read_limit_daily: int
    read_usage_15min: int
    read_usage_daily: int
    observed_at: dt.datetime


# -- connections ---------------------------------------------------------------------------
def _connection_query() -> Any:
    c = S.strava_connections
    return select(c, T.athletes.c.name.label("athlete")).join(
        T.athletes, T.athletes.c.id == c.c.athlete_id)


def _connection(row: Any) -> ConnectionRow:
    return ConnectionRow(
        athlete_id=int(row["athlete_id"]), athlete=str(row["athlete"]),
        strava_athlete_id=int(row["strava_athlete_id"]),
        scopes=tuple(s for s in str(row["scopes"]).split(",") if s),
        tokens=bytes(row["tokens"]), expires_at=row["expires_at"], status=str(row["status"]),
        connected_at=row["connected_at"], updated_at=row["updated_at"])


def save_connection(store: Store, athlete_id: int, *, strava_athlete_id: int,
                    scopes: Iterable[str], tokens: bytes, expires_at: dt.datetime) -> None:
    """Create or replace the (active) connection of ``athlete_id``."""
    c = S.strava_connections
    now = utcnow()
    with store.transaction() as conn:
        other = conn.execute(select(c.c.athlete_id, T.athletes.c.name).join(
            T.athletes, T.athletes.c.id == c.c.athlete_id).where(and_(
                c.c.strava_athlete_id == strava_athlete_id,
                c.c.athlete_id != athlete_id))).first()
        if other is not None:
            raise StoreError(
                f"Strava athlete {strava_athlete_id} is already connected to loadwatch athlete "
                f"{other[1]!r}; connect with --athlete {other[1]!r} or disconnect that one first")
        values = {"strava_athlete_id": strava_athlete_id, "scopes": ",".join(scopes),
                  "tokens": tokens, "expires_at": expires_at, "status": "active",
                  "updated_at": now}
        done = conn.execute(update(c).where(c.c.athlete_id == athlete_id).values(**values))
        if done.rowcount == 0:
            conn.execute(insert(c).values(athlete_id=athlete_id, connected_at=now, **values))


def get_connection(store: Store, athlete_id: int) -> ConnectionRow | None:
    with store.engine.connect() as conn:
        row = conn.execute(_connection_query().where(
            S.strava_connections.c.athlete_id == athlete_id)).mappings().first()
    return None if row is None else _connection(row)


def connection_by_strava_id(store: Store, strava_athlete_id: int) -> ConnectionRow | None:
    with store.engine.connect() as conn:
        row = conn.execute(_connection_query().where(
            S.strava_connections.c.strava_athlete_id == strava_athlete_id)).mappings().first()
    return None if row is None else _connection(row)


def connections(store: Store) -> list[ConnectionRow]:
    """Every stored connection this principal may see, by athlete name."""
    allowed = store.authorize(None, "strava")
    query = _connection_query().order_by(T.athletes.c.name)
    if allowed is not None:
        query = query.where(S.strava_connections.c.athlete_id.in_(allowed))
    with store.engine.connect() as conn:
        return [_connection(r) for r in conn.execute(query).mappings().all()]


def update_tokens(store: Store, athlete_id: int, tokens: bytes, expires_at: dt.datetime) -> None:
    c = S.strava_connections
    with store.transaction() as conn:
        conn.execute(update(c).where(c.c.athlete_id == athlete_id).values(
            tokens=tokens, expires_at=expires_at, status="active", updated_at=utcnow()))


def set_connection_status(store: Store, athlete_id: int, status: str) -> None:
    c = S.strava_connections
    with store.transaction() as conn:
        conn.execute(update(c).where(c.c.athlete_id == athlete_id).values(
            status=status, updated_at=utcnow()))


def forget_strava(store: Store, athlete_id: int) -> None:
    """Delete the tokens, cursors and per-activity bookkeeping of ``athlete_id``."""
    with store.transaction() as conn:
        conn.execute(delete(S.strava_connections).where(
            S.strava_connections.c.athlete_id == athlete_id))
        conn.execute(delete(S.sync_state).where(and_(
            S.sync_state.c.athlete_id == athlete_id, S.sync_state.c.source == SOURCE)))
        conn.execute(delete(S.strava_activities).where(
            S.strava_activities.c.athlete_id == athlete_id))


def api_source_ids(store: Store, athlete_id: int) -> list[str]:
    """The ``strava_api`` ids of every stored activity of ``athlete_id``."""
    a, al = T.activities, T.activity_aliases
    with store.engine.connect() as conn:
        rows = conn.execute(select(al.c.source_id).join(a, a.c.id == al.c.activity_id).where(
            and_(a.c.athlete_id == athlete_id, al.c.source == SOURCE))).all()
    return [str(r[0]) for r in rows]


def stored_streams(store: Store, source_id: str, *, start_time_utc: dt.datetime,
                   elapsed_time_s: float | None, distance_m: float | None) -> pd.DataFrame | None:
    """The stored samples of API activity ``source_id`` if they still describe it.

    Only when the kept record is the API's own, has streams, and its start, elapsed time and
    distance are unchanged (an edit of title or sport type); ``None`` otherwise.
    """
    a = T.activities
    with store.engine.connect() as conn:
        row = conn.execute(select(a.c.id, a.c.start_time_utc, a.c.elapsed_time_s,
                                  a.c.distance_m, a.c.has_streams).where(and_(
            a.c.source == SOURCE, a.c.source_id == source_id))).first()
    if row is None or not row.has_streams or row.start_time_utc != start_time_utc \
            or row.elapsed_time_s != elapsed_time_s or row.distance_m != distance_m:
        return None
    frame = store.streams(int(row.id))
    return None if frame.empty else frame


def has_alias(conn: Connection, source_id: str) -> bool:
    al = T.activity_aliases
    return conn.execute(select(al.c.activity_id).where(and_(
        al.c.source == SOURCE, al.c.source_id == source_id))).first() is not None


# -- sync state ----------------------------------------------------------------------------
def get_sync_state(store: Store, athlete_id: int) -> SyncState:
    with store.engine.connect() as conn:
        return read_sync_state(conn, athlete_id)


def read_sync_state(conn: Connection, athlete_id: int) -> SyncState:
    s = S.sync_state
    row = conn.execute(select(s).where(and_(
        s.c.athlete_id == athlete_id, s.c.source == SOURCE))).mappings().first()
    if row is None:
        return SyncState(athlete_id=athlete_id)
    return SyncState(athlete_id=athlete_id, cursor_after=row["cursor_after"],
                     backfill_before=row["backfill_before"],
                     backfill_complete=bool(row["backfill_complete"]),
                     last_sync_at=row["last_sync_at"], last_result=row["last_result"])


def write_sync_state(conn: Connection, athlete_id: int, **values: Any) -> None:
    """Set the given fields of the athlete's sync state inside the caller's transaction."""
    s = S.sync_state
    done = conn.execute(update(s).where(and_(
        s.c.athlete_id == athlete_id, s.c.source == SOURCE)).values(**values))
    if done.rowcount == 0:
        values.setdefault("backfill_complete", False)
        conn.execute(insert(s).values(athlete_id=athlete_id, source=SOURCE, **values))


def reset_sync_state(store: Store, athlete_id: int) -> None:
    """Forget the cursors (a full sync walks the whole history again)."""
    with store.transaction() as conn:
        write_sync_state(conn, athlete_id, cursor_after=None, backfill_before=None,
                         backfill_complete=False)


# -- per-activity bookkeeping --------------------------------------------------------------
def activity_states(store: Store, strava_ids: Iterable[int]) -> dict[int, ActivityState]:
    ids = list(strava_ids)
    if not ids:
        return {}
    a = S.strava_activities
    found: dict[int, ActivityState] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(ids), 500):
            rows = conn.execute(select(a).where(a.c.strava_id.in_(ids[start:start + 500])))
            for row in rows.mappings():
                found[int(row["strava_id"])] = ActivityState(
                    int(row["strava_id"]), row["summary_sha256"], str(row["status"]), row["error"])
    return found


def mark_activity(conn: Connection, strava_id: int, athlete_id: int, *, status: str,
                  start_time_utc: dt.datetime | None = None, summary_sha256: str | None = None,
                  error: str | None = None) -> None:
    """Record what happened to ``strava_id`` (stored, failed, deleted), in ``conn``."""
    a = S.strava_activities
    values = {"athlete_id": athlete_id, "status": status, "summary_sha256": summary_sha256,
              "error": error, "updated_at": utcnow()}
    if start_time_utc is not None:
        values["start_time_utc"] = start_time_utc
    done = conn.execute(update(a).where(a.c.strava_id == strava_id).values(**values))
    if done.rowcount == 0:
        conn.execute(insert(a).values(strava_id=strava_id, **values))


def mark_activities(conn: Connection, athlete_id: int,
                    marks: list[dict[str, Any]]) -> None:
    """Like :func:`mark_activity` for many ids at once (``strava_id``, ``status``,
    ``start_time_utc``, ``summary_sha256``, ``error`` per item), in ``conn``."""
    if not marks:
        return
    a = S.strava_activities
    latest = {int(m["strava_id"]): m for m in marks}
    known = {int(r[0]) for r in conn.execute(select(a.c.strava_id).where(
        a.c.strava_id.in_(list(latest)))).all()}
    now = utcnow()
    fresh = [{"strava_id": i, "athlete_id": athlete_id, "status": m["status"],
              "start_time_utc": m.get("start_time_utc"), "summary_sha256": m.get("summary_sha256"),
              "error": m.get("error"), "updated_at": now}
             for i, m in latest.items() if i not in known]
    if fresh:
        conn.execute(insert(a), fresh)
    for strava_id in known:
        mark = latest[strava_id]
        mark_activity(conn, strava_id, athlete_id, status=mark["status"],
                      start_time_utc=mark.get("start_time_utc"),
                      summary_sha256=mark.get("summary_sha256"), error=mark.get("error"))


def failed_activities(store: Store, athlete_id: int) -> list[int]:
    a = S.strava_activities
    with store.engine.connect() as conn:
        rows = conn.execute(select(a.c.strava_id).where(and_(
            a.c.athlete_id == athlete_id, a.c.status == "failed")).order_by(
                a.c.start_time_utc.desc())).all()
    return [int(r[0]) for r in rows]


# -- webhook events ------------------------------------------------------------------------
def record_event(store: Store, event: Mapping[str, Any]) -> int:
    """Append one validated webhook event to the durable log; returns its id."""
    with store.transaction() as conn:
        result = conn.execute(insert(S.webhook_events).values(
            received_at=utcnow(), object_type=event["object_type"],
            aspect_type=event["aspect_type"], object_id=int(event["object_id"]),
            owner_id=int(event["owner_id"]), subscription_id=int(event["subscription_id"]),
            event_time=int(event["event_time"]), updates=dict(event.get("updates") or {}),
            processed=False))
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def pending_events(store: Store, limit: int = 1000) -> list[WebhookEvent]:
    e = S.webhook_events
    with store.engine.connect() as conn:
        rows = conn.execute(select(e).where(e.c.processed.is_(False)).order_by(e.c.id)
                            .limit(limit)).mappings().all()
    return [WebhookEvent(int(r["id"]), str(r["object_type"]), str(r["aspect_type"]),
                         int(r["object_id"]), int(r["owner_id"]), int(r["subscription_id"]),
                         int(r["event_time"]), dict(r["updates"] or {}), bool(r["processed"]),
                         r["error"]) for r in rows]


def mark_event(store: Store, event_id: int, *, processed: bool, error: str | None = None) -> None:
    e = S.webhook_events
    with store.transaction() as conn:
        conn.execute(update(e).where(e.c.id == event_id).values(
            processed=processed, processed_at=utcnow() if processed else None, error=error))


def event_count(store: Store, *, processed: bool | None = None) -> int:
    e = S.webhook_events
    query = select(e.c.id)
    if processed is not None:
        query = query.where(e.c.processed.is_(processed))
    with store.engine.connect() as conn:
        return len(conn.execute(query).all())


# -- rate-limit usage snapshot -------------------------------------------------------------
def save_rate_usage(store: Store, key: str, usage: RateUsage) -> None:
    r = S.strava_rate_usage
    values = {k: getattr(usage, k) for k in (
        "limit_15min", "limit_daily", "usage_15min", "usage_daily", "read_limit_15min",
        "read_limit_daily", "read_usage_15min", "read_usage_daily", "observed_at")}
    with store.transaction() as conn:
        done = conn.execute(update(r).where(r.c.key == key).values(**values))
        if done.rowcount == 0:
            conn.execute(insert(r).values(key=key, **values))


def load_rate_usage(store: Store, key: str) -> RateUsage | None:
    r = S.strava_rate_usage
    with store.engine.connect() as conn:
        row = conn.execute(select(r).where(r.c.key == key)).mappings().first()
    if row is None:
        return None
    return RateUsage(**{k: row[k] for k in row if k != "key"})


def existing_aliases(store: Store, source_ids: Iterable[str]) -> set[str]:
    """Which of ``source_ids`` are stored as ``strava_api`` aliases."""
    ids = list(source_ids)
    al = T.activity_aliases
    found: set[str] = set()
    with store.engine.connect() as conn:
        for start in range(0, len(ids), 500):
            rows = conn.execute(select(al.c.source_id).where(and_(
                al.c.source == SOURCE, al.c.source_id.in_(ids[start:start + 500])))).all()
            found.update(str(r[0]) for r in rows)
    return found

"""The store: one object that owns the database connection and the core reads and writes.

Domain modules (symptom log, Strava state, access control) add their own functions that take
a :class:`Store`. Every read of athlete data passes :meth:`Store.authorize`, the single point
where the access rules apply (in local mode everything is allowed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, and_, bindparam, delete, func, insert, select, update

from etl.errors import AccessDenied, StoreError
from etl.records import (
    STREAM_DTYPES,
    ActivityRecord,
    ParsedActivity,
    empty_streams,
    stream_arrays,
)
from etl.store import codec
from etl.store import tables as T
from etl.store.base import utcnow
from etl.store.engine import default_url, make_engine, migrate
from loadwatch import columns as C

DUPLICATE_START_TOLERANCE_S = 60.0
DUPLICATE_DISTANCE_TOLERANCE_FRAC = 0.02

Outcome = Literal["inserted", "updated", "unchanged", "merged", "duplicate"]

ACTIVITY_COLUMNS: tuple[str, ...] = (
    C.ACTIVITY_ID, C.ATHLETE, C.SOURCE, C.SOURCE_ID, C.NAME, C.SPORT_TYPE, C.START_TIME_UTC,
    C.START_TIME_LOCAL, C.TIMEZONE, C.LOCAL_DATE, C.DISTANCE_M, C.MOVING_TIME_S,
    C.ELAPSED_TIME_S, C.ELEVATION_GAIN_M, C.AVG_SPEED_MPS, C.AVG_HEART_RATE_BPM,
    C.MAX_HEART_RATE_BPM, C.AVG_CADENCE_SPM, C.PERCEIVED_EXERTION, C.RELATIVE_EFFORT,
    C.DEVICE, C.FILE_NAME, C.IS_MANUAL, C.HAS_STREAMS,
)

_SUMMARY_FIELDS = (
    "name", "sport_type", "distance_m", "moving_time_s", "elapsed_time_s", "elevation_gain_m",
    "avg_heart_rate_bpm", "max_heart_rate_bpm", "avg_cadence_spm", "perceived_exertion",
    "relative_effort", "device", "file_name",
)


# Statements of the write path, built once (imports write thousands of activities).
_INSERT_STREAMS = insert(T.streams)
_INSERT_ACTIVITY = insert(T.activities)
_INSERT_ALIAS = insert(T.activity_aliases)
_SELECT_ALIAS = select(T.activity_aliases).where(
    T.activity_aliases.c.source == bindparam("source"),
    T.activity_aliases.c.source_id == bindparam("source_id"))
_SELECT_TWINS = select(T.activities).where(
    T.activities.c.athlete_id == bindparam("athlete_id"),
    T.activities.c.start_time_utc >= bindparam("earliest"),
    T.activities.c.start_time_utc <= bindparam("latest"))


@dataclass(frozen=True)
class UpsertResult:
    """What :meth:`Store.upsert_activity` did.

    ``inserted``: a new activity; ``updated``: the same (source, source_id) with new content;
    ``unchanged``: seen before, identical; ``merged``: the same run from another source,
    the richer record kept; ``duplicate``: the same run from another source, nothing richer.
    """

    outcome: Outcome
    activity_id: int


@dataclass(frozen=True)
class Principal:
    """Who is reading. Local mode has one principal who may read everything.

    In server mode (:func:`etl.store.access.principal_for`): ``role`` is athlete, coach,
    clinician or admin, ``athlete_id`` the user's own athlete record (if any), and
    ``staff_sees_strava_api`` the deployment's Strava display setting.
    """

    user: str = "local"
    role: str = "local"
    athlete_id: int | None = None
    staff_sees_strava_api: bool = False


LOCAL = Principal()


def _richness(has_streams: bool, values: dict[str, object]) -> int:
    filled = sum(1 for k in _SUMMARY_FIELDS if values.get(k) not in (None, ""))
    return (100 if has_streams else 0) + filled


def _record_values(record: ActivityRecord, has_streams: bool) -> dict[str, object]:
    return {
        "source": record.source,
        "source_id": record.source_id,
        "name": record.name,
        "sport_type": record.sport_type,
        "start_time_utc": record.start_time_utc,
        "start_time_local": record.start_time_local,
        "timezone": record.timezone,
        "local_date": record.local_date,
        "distance_m": record.distance_m,
        "moving_time_s": record.moving_time_s,
        "elapsed_time_s": record.elapsed_time_s,
        "elevation_gain_m": record.elevation_gain_m,
        "avg_heart_rate_bpm": record.avg_heart_rate_bpm,
        "max_heart_rate_bpm": record.max_heart_rate_bpm,
        "avg_cadence_spm": record.avg_cadence_spm,
        "perceived_exertion": record.perceived_exertion,
        "relative_effort": record.relative_effort,
        "device": record.device,
        "file_name": record.file_name,
        "is_manual": record.is_manual,
        "has_streams": has_streams,
        "extra": dict(record.extra),
    }


def content_hash(record: ActivityRecord, arrays: dict[str, np.ndarray]) -> str:
    """A fingerprint of a record and its sample arrays (:func:`etl.records.stream_arrays`),
    to tell "seen, unchanged" from "edited"."""
    digest = hashlib.sha256()
    values = _record_values(record, bool(len(arrays[C.TIME_S])))
    values["extra"] = {k: v for k, v in record.extra.items() if k != "decoder"}  # provenance
    for key in sorted(values):
        digest.update(f"{key}={values[key]!r};".encode())
    for name in STREAM_DTYPES:
        digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    return digest.hexdigest()


class Store:
    """The database behind loadwatch.

    Parameters
    ----------
    engine
        A SQLAlchemy engine; use :meth:`open` to build one from a URL.
    principal
        Who reads; defaults to the local user who may read everything.
    """

    def __init__(self, engine: Engine, principal: Principal = LOCAL) -> None:
        self.engine = engine
        self.principal = principal

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def open(cls, url: str | None = None, *, demo: bool = False,
             principal: Principal = LOCAL) -> Store:
        """Open (creating and migrating when needed) the store at ``url``."""
        store = cls(make_engine(url or default_url(demo=demo)), principal)
        migrate(store.engine)
        return store

    def as_principal(self, principal: Principal) -> Store:
        """The same database seen by another principal."""
        return type(self)(self.engine, principal)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    # -- access ------------------------------------------------------------------------
    def authorize(self, athlete_ids: Iterable[int] | None, kind: str) -> list[int] | None:
        """Return the athlete ids of ``athlete_ids`` this principal may read as ``kind``.

        ``None`` in means "all athletes"; ``None`` out means "no restriction". Local mode
        allows everything; any other principal gets :func:`etl.store.access.authorize`.
        """
        if self.principal.role != LOCAL.role:
            from etl.store.access import authorize

            return authorize(self, athlete_ids, kind)
        return None if athlete_ids is None else list(athlete_ids)

    def ids_of(self, names: Iterable[str]) -> list[int]:
        """The ids of the athletes called ``names`` (unknown names are left out)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(T.athletes.c.id).where(T.athletes.c.name.in_(list(names))))
            return [int(r[0]) for r in rows]

    # -- athletes ----------------------------------------------------------------------
    def athlete_id(self, name: str, *, create: bool = True, synthetic: bool = False) -> int:
        """The id of the athlete called ``name``, created when missing (if ``create``)."""
        name = name.strip()
        if not name:
            raise StoreError("an athlete needs a non-empty name; pass --athlete NAME")
        with self.transaction() as conn:
            found = conn.execute(select(T.athletes.c.id).where(T.athletes.c.name == name)).scalar()
            if found is not None:
                return int(found)
            if not create:
                raise StoreError(f"no athlete called {name!r} in {self.url}")
            result = conn.execute(insert(T.athletes).values(
                name=name, settings={}, is_synthetic=synthetic, created_at=utcnow()))
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def athletes(self) -> pd.DataFrame:
        """All athletes this principal may see: id, athlete, sex, is_synthetic, settings."""
        allowed = self.authorize(None, "athletes")
        query = select(T.athletes.c.id, T.athletes.c.name.label("athlete"), T.athletes.c.sex,
                       T.athletes.c.is_synthetic, T.athletes.c.settings).order_by(T.athletes.c.name)
        if allowed is not None:
            query = query.where(T.athletes.c.id.in_(allowed))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return pd.DataFrame(rows, columns=["id", "athlete", "sex", "is_synthetic", "settings"])

    def set_athlete(self, name: str, *, sex: str | None = None,
                    settings: dict[str, object] | None = None) -> None:
        """Set an athlete's sex ("F"/"M") and/or replace their settings overrides."""
        athlete = self.athlete_id(name, create=self.principal.role == LOCAL.role)
        if not self.authorize([athlete], "log_write"):
            raise AccessDenied(f"{self.principal.user} may not change the settings of athlete "
                               f"{name!r}; only the athlete or their clinician may")
        values: dict[str, object] = {}
        if sex is not None:
            if sex not in ("F", "M"):
                raise StoreError(f"sex must be 'F' or 'M', not {sex!r}")
            values["sex"] = sex
        if settings is not None:
            values["settings"] = dict(settings)
        if values:
            from etl.store.access import record_write  # staff writes are audited

            with self.transaction() as conn:
                conn.execute(update(T.athletes).where(T.athletes.c.id == athlete).values(**values))
                record_write(self, athlete, "settings", ", ".join(values), connection=conn)

    # -- activities: writing -----------------------------------------------------------
    def upsert_activity(self, athlete: str | int, parsed: ParsedActivity,
                        *, connection: Connection | None = None) -> UpsertResult:
        """Store one activity and its streams in one transaction; idempotent, de-duplicating.

        The same ``(source, source_id)`` again is ``unchanged`` (or ``updated`` when its content
        changed). The same run from another source (same athlete, start within 60 s, distance
        within 2 %) is stored once: the richer record (streams first, then filled fields) is
        kept, fields it lacks are filled from the other, and both ids resolve to it.
        Pass ``connection`` to take part in a caller's transaction (e.g. a sync cursor).
        """
        if self.principal.role != LOCAL.role:  # server mode: only into athletes one may write
            known = [athlete] if isinstance(athlete, int) else self.ids_of([athlete])
            if not known or not self.authorize(known, "log_write"):
                raise AccessDenied(f"{self.principal.user} may not add activities for athlete "
                                   f"{athlete!r}; only the athlete or their clinician may")
        if connection is None:
            with self.transaction() as conn:
                return self.upsert_activity(athlete, parsed, connection=conn)
        conn = connection
        athlete_id = athlete if isinstance(athlete, int) else self.athlete_id(athlete)
        if self.principal.role != LOCAL.role:  # staff writes are audited, in this transaction
            from etl.store.access import record_write

            record_write(self, athlete_id, "activities", connection=conn)
        record, streams = parsed.record, parsed.streams
        has_streams = not streams.empty
        arrays = stream_arrays(streams)
        digest = content_hash(record, arrays)
        now = utcnow()
        alias = conn.execute(_SELECT_ALIAS, {"source": record.source,
                                             "source_id": record.source_id}).mappings().first()
        if alias is not None:
            if alias["content_sha256"] == digest:
                return UpsertResult("unchanged", int(alias["activity_id"]))
            activity_id = int(alias["activity_id"])
            kept = conn.execute(select(T.activities).where(
                T.activities.c.id == activity_id)).mappings().one()
            conn.execute(update(T.activity_aliases).where(and_(
                T.activity_aliases.c.source == record.source,
                T.activity_aliases.c.source_id == record.source_id)).values(
                content_sha256=digest, has_streams=has_streams, seen_at=now))
            if kept["source"] == record.source and kept["source_id"] == record.source_id:
                self._write(conn, activity_id, athlete_id, record, arrays, now)
                return UpsertResult("updated", activity_id)
            return self._merge(conn, kept, athlete_id, record, arrays, now)
        twin = self._find_twin(conn, athlete_id, record)
        if twin is not None:
            conn.execute(insert(T.activity_aliases).values(
                source=record.source, source_id=record.source_id, activity_id=twin["id"],
                has_streams=has_streams, content_sha256=digest, seen_at=now))
            return self._merge(conn, twin, athlete_id, record, arrays, now)
        values = _record_values(record, has_streams)
        result = conn.execute(_INSERT_ACTIVITY, {
            "athlete_id": athlete_id, "created_at": now, "updated_at": now, **values})
        activity_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        conn.execute(_INSERT_ALIAS, {
            "source": record.source, "source_id": record.source_id, "activity_id": activity_id,
            "has_streams": has_streams, "content_sha256": digest, "seen_at": now})
        self._write_streams(conn, activity_id, arrays)
        return UpsertResult("inserted", activity_id)

    def _find_twin(self, conn: Connection, athlete_id: int,
                   record: ActivityRecord) -> dict[str, object] | None:
        window = dt.timedelta(seconds=DUPLICATE_START_TOLERANCE_S)
        rows = conn.execute(_SELECT_TWINS, {
            "athlete_id": athlete_id, "earliest": record.start_time_utc - window,
            "latest": record.start_time_utc + window}).mappings().all()
        for row in rows:
            if _same_distance(row["distance_m"], record.distance_m):
                return dict(row)
        return None

    def _merge(self, conn: Connection, kept_row: object, athlete_id: int, record: ActivityRecord,
               arrays: dict[str, np.ndarray], now: dt.datetime) -> UpsertResult:
        kept: dict[str, Any] = dict(kept_row)  # type: ignore[call-overload]
        activity_id = int(kept["id"])
        has_streams = bool(len(arrays[C.TIME_S]))
        new_values = _record_values(record, has_streams)
        if _richness(has_streams, new_values) > _richness(bool(kept["has_streams"]), kept):
            for key in _SUMMARY_FIELDS:
                if new_values.get(key) in (None, "") and kept.get(key) not in (None, ""):
                    new_values[key] = kept[key]
            new_values["extra"] = {**dict(kept.get("extra") or {}), **dict(record.extra)}
            conn.execute(update(T.activities).where(T.activities.c.id == activity_id).values(
                updated_at=now, **new_values))
            if has_streams:
                self._write_streams(conn, activity_id, arrays)
            return UpsertResult("merged", activity_id)
        fill = {k: new_values[k] for k in _SUMMARY_FIELDS
                if kept.get(k) in (None, "") and new_values.get(k) not in (None, "")}
        if fill:
            conn.execute(update(T.activities).where(T.activities.c.id == activity_id).values(
                updated_at=now, **fill))
        return UpsertResult("duplicate", activity_id)

    def _write(self, conn: Connection, activity_id: int, athlete_id: int, record: ActivityRecord,
               arrays: dict[str, np.ndarray], now: dt.datetime) -> None:
        values = _record_values(record, bool(len(arrays[C.TIME_S])))
        conn.execute(update(T.activities).where(T.activities.c.id == activity_id).values(
            athlete_id=athlete_id, updated_at=now, **values))
        self._write_streams(conn, activity_id, arrays)

    @staticmethod
    def _write_streams(conn: Connection, activity_id: int, arrays: dict[str, np.ndarray]) -> None:
        """Replace the stored samples of an activity (none when ``arrays`` are empty)."""
        conn.execute(delete(T.streams).where(T.streams.c.activity_id == activity_id))
        count = len(arrays[C.TIME_S])
        if count:
            conn.execute(_INSERT_STREAMS, {
                "activity_id": activity_id, "sample_count": count,
                **{name: codec.encode(values) for name, values in arrays.items()}})

    def delete_activity(self, source: str, source_id: str) -> bool:
        """Forget the alias ``(source, source_id)``; delete the activity when no alias is left.

        When the kept record came from that source and another source still has the run, the
        activity stays (its provenance is the other alias from then on) without the samples,
        which came from the forgotten source.
        """
        with self.transaction() as conn:
            activity_id = conn.execute(select(T.activity_aliases.c.activity_id).where(and_(
                T.activity_aliases.c.source == source,
                T.activity_aliases.c.source_id == source_id))).scalar()
            if activity_id is None:
                return False
            conn.execute(delete(T.activity_aliases).where(and_(
                T.activity_aliases.c.source == source,
                T.activity_aliases.c.source_id == source_id)))
            left = conn.execute(select(T.activity_aliases).where(
                T.activity_aliases.c.activity_id == activity_id)).mappings().first()
            if left is None:
                conn.execute(delete(T.activities).where(T.activities.c.id == activity_id))
            else:
                kept = conn.execute(select(T.activities.c.source, T.activities.c.source_id).where(
                    T.activities.c.id == activity_id)).one()
                values: dict[str, object] = {"source": left["source"],
                                             "source_id": left["source_id"], "updated_at": utcnow()}
                if tuple(kept) == (source, source_id):  # its samples came from that source
                    conn.execute(delete(T.streams).where(T.streams.c.activity_id == activity_id))
                    conn.execute(delete(T.stream_metrics).where(
                        T.stream_metrics.c.activity_id == activity_id))
                    values["has_streams"] = False
                conn.execute(update(T.activities).where(T.activities.c.id == activity_id).values(
                    **values))
            return True

    # -- activities: reading -----------------------------------------------------------
    def activities(self, athlete: str | None = None, *, since: dt.date | None = None,
                   until: dt.date | None = None, kind: str = "activities") -> pd.DataFrame:
        """Activities as a frame with :data:`ACTIVITY_COLUMNS`, ordered by start time."""
        a, at = T.activities, T.athletes
        query = select(
            a.c.id.label(C.ACTIVITY_ID), at.c.name.label(C.ATHLETE), a.c.source, a.c.source_id,
            a.c.name, a.c.sport_type, a.c.start_time_utc, a.c.start_time_local, a.c.timezone,
            a.c.local_date, a.c.distance_m, a.c.moving_time_s, a.c.elapsed_time_s,
            a.c.elevation_gain_m, a.c.avg_heart_rate_bpm, a.c.max_heart_rate_bpm,
            a.c.avg_cadence_spm, a.c.perceived_exertion, a.c.relative_effort, a.c.device,
            a.c.file_name, a.c.is_manual, a.c.has_streams,
        ).join(at, at.c.id == a.c.athlete_id).order_by(a.c.start_time_utc, a.c.id)
        if athlete is not None:
            query = query.where(at.c.name == athlete)
        if since is not None:
            query = query.where(a.c.local_date >= since)
        if until is not None:
            query = query.where(a.c.local_date <= until)
        wanted = None if athlete is None else self.ids_of([athlete])
        allowed = self.authorize(wanted, kind)
        if wanted and not allowed:
            raise AccessDenied(f"{self.principal.user} may not read the {kind} of athlete "
                               f"{athlete!r}; ask the athlete to grant access")
        if allowed is not None:
            query = query.where(a.c.athlete_id.in_(allowed))
        if self.principal.role != LOCAL.role:
            from etl.store.access import strava_api_clause

            rule = strava_api_clause(self.principal)
            query = query if rule is None else query.where(rule)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        names = [c for c in ACTIVITY_COLUMNS if c != C.AVG_SPEED_MPS]
        # Column by column (a frame from row objects inspects every row: 4x slower).
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
        frame = pd.DataFrame({name: pd.Series(values, dtype=object)
                              for name, values in zip(names, columns, strict=True)})
        frame[C.START_TIME_UTC] = pd.to_datetime(frame[C.START_TIME_UTC], utc=True)
        frame[C.START_TIME_LOCAL] = pd.to_datetime(frame[C.START_TIME_LOCAL])
        frame[C.LOCAL_DATE] = pd.to_datetime(frame[C.LOCAL_DATE]).dt.date
        for name in (C.DISTANCE_M, C.MOVING_TIME_S, C.ELAPSED_TIME_S, C.ELEVATION_GAIN_M,
                     C.AVG_HEART_RATE_BPM, C.MAX_HEART_RATE_BPM, C.AVG_CADENCE_SPM,
                     C.PERCEIVED_EXERTION, C.RELATIVE_EFFORT):
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
        moving = frame[C.MOVING_TIME_S].where(frame[C.MOVING_TIME_S] > 0)
        frame[C.AVG_SPEED_MPS] = frame[C.DISTANCE_M] / moving
        frame[C.IS_MANUAL] = frame[C.IS_MANUAL].astype(bool)
        frame[C.HAS_STREAMS] = frame[C.HAS_STREAMS].astype(bool)
        return frame[list(ACTIVITY_COLUMNS)]

    def activity_athlete(self, activity_id: int) -> int | None:
        with self.engine.connect() as conn:
            found = conn.execute(select(T.activities.c.athlete_id).where(
                T.activities.c.id == activity_id)).scalar()
        return None if found is None else int(found)

    def streams(self, activity_id: int) -> pd.DataFrame:
        """The samples of one activity (empty frame with full schema when none are stored)."""
        owner = self.activity_athlete(activity_id)
        if owner is None or not self.authorize([owner], "streams"):
            return empty_streams()
        if self.principal.role != LOCAL.role:
            from etl.store.access import streams_hidden

            if streams_hidden(self, activity_id):
                return empty_streams()
        with self.engine.connect() as conn:
            row = conn.execute(select(T.streams).where(
                T.streams.c.activity_id == activity_id)).mappings().first()
        if row is None:
            return empty_streams()
        count = int(row["sample_count"])
        return pd.DataFrame({
            name: codec.decode(row[name], count, boolean=dtype == "bool")
            for name, dtype in STREAM_DTYPES.items()
        })

    def aliases(self, activity_id: int) -> list[tuple[str, str]]:
        """Every (source, source_id) that resolves to ``activity_id``."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(T.activity_aliases.c.source, T.activity_aliases.c.source_id)
                                .where(T.activity_aliases.c.activity_id == activity_id)).all()
        return [(r[0], r[1]) for r in rows]

    def set_perceived_exertion(self, activity_id: int, rpe: float | None) -> None:
        """Record the session RPE (CR-10, 0-10) of a stored activity."""
        if rpe is not None and not 0 <= rpe <= 10:
            raise StoreError(f"RPE must be between 0 and 10 on the CR-10 scale, not {rpe}")
        with self.transaction() as conn:
            done = conn.execute(update(T.activities).where(T.activities.c.id == activity_id)
                                .values(perceived_exertion=rpe, updated_at=utcnow()))
            if done.rowcount == 0:
                raise StoreError(f"no activity with id {activity_id}")

    def activity_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(T.activities)).scalar() or 0)

    def data_version(self) -> str:
        """A fingerprint that changes whenever stored data changes (caches key on it).

        Row count and latest timestamp of every data table (not streams, caches or audit).
        """
        from sqlalchemy import inspect

        from etl.store.schema import metadata

        parts: list[str] = []
        with self.engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            for table in metadata.sorted_tables:
                if (table.name in ("streams", "stream_metrics") or "audit" in table.name
                        or table.name not in present):
                    continue
                stamps = [c for c in table.c if c.name in ("updated_at", "entered_at",
                                                           "created_at", "seen_at")]
                row = conn.execute(select(func.count(), *[func.max(c) for c in stamps[:1]])
                                   .select_from(table)).one()
                parts.append(f"{table.name}={tuple(row)}")
        return hashlib.sha256(";".join(parts).encode()).hexdigest()[:16]

    # -- import log ----------------------------------------------------------------------
    def log_import(self, input_name: str, athlete: str | None, *, imported: int, updated: int,
                   duplicates: int, rejected: int, messages: list[str],
                   started_at: dt.datetime) -> None:
        with self.transaction() as conn:
            conn.execute(insert(T.import_log).values(
                started_at=started_at, finished_at=utcnow(), input=input_name, athlete=athlete,
                imported=imported, updated=updated, duplicates=duplicates, rejected=rejected,
                messages=messages))

    def import_history(self, limit: int = 50) -> pd.DataFrame:
        with self.engine.connect() as conn:
            rows = conn.execute(select(T.import_log).order_by(T.import_log.c.id.desc())
                                .limit(limit)).mappings().all()
        return pd.DataFrame(rows, columns=[c.name for c in T.import_log.columns])


def _same_distance(a: object, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    a_m, b_m = float(a), float(b)  # type: ignore[arg-type]
    if max(a_m, b_m) <= 0:
        return True
    return abs(a_m - b_m) <= DUPLICATE_DISTANCE_TOLERANCE_FRAC * max(a_m, b_m)

"""The symptom, wellness, injury, VISA-H and RPE log: the Python API to add, edit and read entries.

Used by the dashboard's Log page, the ``loadwatch log`` commands and the log CSV import.

Every entry is stored append-only (see :mod:`etl.store.tables_log`): :func:`add` stores the
first version, :func:`edit` a new version that supersedes the current one, :func:`retract`
a version that withdraws it. Reads (:func:`symptoms`, :func:`wellness`, :func:`injuries`,
:func:`visa_h`) return the current, not withdrawn version of each entry; :func:`history`
returns every version, so what was logged at the time stays visible. Each version records who
entered it (the store's principal unless ``entered_by`` is given) and when.

Examples
--------
>>> from etl.store import Store
>>> from etl.store import log
>>> store = Store.open("sqlite://")
>>> saved = log.add(store, "Ann", log.SymptomEntry(
...     local_date=dt.date(2024, 5, 6), pain_during_run_nrs=6,
...     pain_locations=("ischial_tuberosity",), pain_aggravators=("sitting", "uphill")))
>>> log.symptoms(store, "Ann")["pain_during_run_nrs"].tolist()
[6.0]
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Table, and_, insert, select
from sqlalchemy.exc import IntegrityError

from etl.errors import AccessDenied, InputError, StoreError
from etl.store import tables as T
from etl.store import tables_log as TL
from etl.store.access import record_write
from etl.store.base import utcnow
from etl.store.store import Store
from risk import symptom_codes as S
from risk.visa_h import answer_problems


class InvalidEntry(InputError):
    """A log entry has a field that cannot be stored; ``source`` names the field."""


def _check_score(name: str, value: float | None, low: float, high: float, scale: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise InvalidEntry(name, f"{value!r} is not a number; give a {scale} score")
    if not low <= value <= high:
        raise InvalidEntry(name, f"{value:g} is outside {low:g}-{high:g}; give a {scale} score")


def _check_codes(name: str, values: Iterable[str], allowed: Mapping[str, str]) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise InvalidEntry(name, f"unknown code(s) {', '.join(map(repr, unknown))}; "
                                 f"use any of {', '.join(allowed)}")


def _check_date(name: str, value: object, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidEntry(name, f"{value!r} is not a date; give a day as YYYY-MM-DD")


@dataclass(frozen=True)
class SymptomEntry:
    """One symptom log entry (SCIENCE.md 7.3); codes are those of :mod:`risk.symptom_codes`.

    Pain scores are 0-10 NRS (None = not asked / not yet known: the next-morning score is
    usually added by :func:`edit` the morning after). ``activity_id`` is the run the entry is
    about, when known; otherwise the rules use the athlete's last run on or before the day.
    """

    local_date: dt.date
    pain_at_rest_nrs: float | None = None
    pain_during_run_nrs: float | None = None
    pain_after_1h_nrs: float | None = None
    pain_next_morning_nrs: float | None = None
    pain_locations: tuple[str, ...] = ()
    body_side: str | None = None
    pain_radiates: str | None = None
    pain_character: tuple[str, ...] = ()
    pain_aggravators: tuple[str, ...] = ()
    sit_tolerance_min: float | None = None
    pain_onset: str | None = None
    pain_timing: tuple[str, ...] = ()
    neuro_flags: tuple[str, ...] = ()
    systemic_flags: tuple[str, ...] = ()
    bone_risk_context: tuple[str, ...] = ()
    acute_signs: tuple[str, ...] = ()
    activity_id: int | None = None
    log_note: str = ""

    def __post_init__(self) -> None:
        _check_date("local_date", self.local_date)
        for name in S.PAIN_SCORES:
            _check_score(name, getattr(self, name), 0, 10, "0-10 pain (NRS)")
        _check_score(S.SIT_TOLERANCE_MIN, self.sit_tolerance_min, 0, 24 * 60, "minutes")
        for name, allowed in S.MULTI_CHOICE.items():
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, tuple):
                raise InvalidEntry(name, f"{value!r} must be a tuple of codes")
            _check_codes(name, value, allowed)
        for name, allowed in S.SINGLE_CHOICE.items():
            value = getattr(self, name)
            if value is not None:
                _check_codes(name, [value], allowed)


@dataclass(frozen=True)
class WellnessEntry:
    """The morning Hooper items, each 1 (very, very good/low) to 7 (very, very bad/high)."""

    local_date: dt.date
    sleep_hooper: int
    fatigue_hooper: int
    stress_hooper: int
    soreness_hooper: int
    log_note: str = ""

    def __post_init__(self) -> None:
        _check_date("local_date", self.local_date)
        for name in S.HOOPER_ITEMS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidEntry(name, f"{value!r} is not a whole number; give 1 (very, very "
                                         "good) to 7 (very, very bad)")
            _check_score(name, value, 1, 7, "1 (very, very good) to 7 (very, very bad)")


@dataclass(frozen=True)
class InjuryRecord:
    """An injury: onset, region, side, the clinician's diagnosis if known, days lost, resolved."""

    injury_onset_date: dt.date
    injury_region: str
    body_side: str | None = None
    clinician_diagnosis: str = ""
    days_lost: int | None = None
    injury_resolved_date: dt.date | None = None
    log_note: str = ""

    def __post_init__(self) -> None:
        _check_date(S.INJURY_ONSET_DATE, self.injury_onset_date)
        _check_date(S.INJURY_RESOLVED_DATE, self.injury_resolved_date, optional=True)
        _check_codes(S.INJURY_REGION, [self.injury_region], S.INJURY_REGIONS)
        if self.body_side is not None:
            _check_codes(S.BODY_SIDE, [self.body_side], S.SIDES)
        if self.days_lost is not None and (isinstance(self.days_lost, bool)
                                           or not isinstance(self.days_lost, int)
                                           or self.days_lost < 0):
            raise InvalidEntry(S.DAYS_LOST, f"{self.days_lost!r} is not a whole number of days "
                                            "(0 or more)")
        if (self.injury_resolved_date is not None
                and self.injury_resolved_date < self.injury_onset_date):
            raise InvalidEntry(S.INJURY_RESOLVED_DATE,
                               f"{self.injury_resolved_date} is before the onset "
                               f"{self.injury_onset_date}; check both dates")


@dataclass(frozen=True)
class VisaHEntry:
    """A VISA-H questionnaire result: the eight item scores (see :mod:`risk.visa_h`)."""

    local_date: dt.date
    visa_h_items: tuple[int, ...]
    visa_h_item8_branch: str
    log_note: str = ""

    def __post_init__(self) -> None:
        _check_date("local_date", self.local_date)
        problems = answer_problems(self.visa_h_items, self.visa_h_item8_branch)
        if problems:
            raise InvalidEntry(S.VISA_H_ITEMS, "; ".join(problems))

    @property
    def visa_h_points(self) -> int:
        return int(sum(self.visa_h_items))


Entry = SymptomEntry | WellnessEntry | InjuryRecord | VisaHEntry

KINDS: dict[type, str] = {SymptomEntry: "symptoms", WellnessEntry: "wellness",
                          InjuryRecord: "injuries", VisaHEntry: "visa_h"}
RECORD_TYPES: dict[str, type] = {kind: cls for cls, kind in KINDS.items()}
FRAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "symptoms": S.SYMPTOM_COLUMNS, "wellness": S.WELLNESS_COLUMNS, "injuries": S.INJURY_COLUMNS,
    "visa_h": S.VISA_H_COLUMNS, "rpe": S.RPE_COLUMNS,
}
_DATE_COLUMN = {"symptoms": "local_date", "wellness": "local_date",
                "injuries": S.INJURY_ONSET_DATE, "visa_h": "local_date"}
_LIST_COLUMNS = (*S.MULTI_CHOICE, S.VISA_H_ITEMS)


@dataclass(frozen=True)
class Saved:
    """What a write stored: the entry's id (shared by its versions) and this version's id."""

    entry_uid: str
    version_id: int


def _kind(kind: str) -> Table:
    try:
        return TL.LOG_TABLES[kind]
    except KeyError:
        raise StoreError(f"unknown log kind {kind!r}; use one of {', '.join(TL.LOG_TABLES)}") \
            from None


def _values(entry: Entry) -> dict[str, Any]:
    values = asdict(entry)
    for name in _LIST_COLUMNS:
        if name in values:
            values[name] = list(values[name])
    if isinstance(entry, VisaHEntry):
        values[S.VISA_H_POINTS] = entry.visa_h_points
    return values


def _writer(store: Store, athlete: str | int) -> int:
    athlete_id = athlete if isinstance(athlete, int) else store.athlete_id(athlete)
    if not store.authorize([athlete_id], "log_write"):
        raise AccessDenied(f"{store.principal.user} may not add to the log of athlete "
                           f"{athlete_id}; ask the athlete for a grant")
    return athlete_id


def _entered_by(store: Store, entered_by: str | None) -> str:
    """Who entered a version: as given in local mode, always the signed-in user in server mode."""
    if store.principal.role != "local":
        return store.principal.user
    return entered_by or store.principal.user


def _insert(conn: Connection, table: Table, values: Mapping[str, Any]) -> int:
    result = conn.execute(insert(table).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def add(store: Store, athlete: str | int, entry: Entry, *, entered_by: str | None = None,
        connection: Connection | None = None) -> Saved:
    """Store ``entry`` as a new log entry of ``athlete``.

    Parameters
    ----------
    store
        The store.
    athlete
        Athlete name (created when missing) or id.
    entry
        A :class:`SymptomEntry`, :class:`WellnessEntry`, :class:`InjuryRecord` or
        :class:`VisaHEntry` (validated when it was built).
    entered_by
        Who entered it; defaults to the store's principal.
    connection
        Take part in a caller's transaction (e.g. a CSV import).
    """
    if connection is None:
        with store.transaction() as conn:
            return add(store, athlete, entry, entered_by=entered_by, connection=conn)
    kind = KINDS[type(entry)]
    athlete_id = _writer(store, athlete)
    uid = uuid.uuid4().hex
    version = _insert(connection, _kind(kind), {
        **_values(entry), "entry_uid": uid, "athlete_id": athlete_id, "supersedes": None,
        "is_retracted": False, "entered_by": _entered_by(store, entered_by),
        "entered_at": utcnow()})
    record_write(store, athlete_id, kind, f"add {uid}", connection=connection)
    return Saved(uid, version)


def add_many(store: Store, athlete: str | int, entries: Iterable[Entry], *,
             entered_by: str | None = None, connection: Connection | None = None) -> list[str]:
    """Store many new entries of one athlete at once (one statement per kind).

    Same as calling :func:`add` for each entry, only faster (used by the demo and bulk
    imports). Returns the new ``entry_uid`` of each entry, in order.
    """
    if connection is None:
        with store.transaction() as conn:
            return add_many(store, athlete, entries, entered_by=entered_by, connection=conn)
    athlete_id = _writer(store, athlete)
    now, who = utcnow(), _entered_by(store, entered_by)
    uids: list[str] = []
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        uid = uuid.uuid4().hex
        uids.append(uid)
        by_kind.setdefault(KINDS[type(entry)], []).append({
            **_values(entry), "entry_uid": uid, "athlete_id": athlete_id, "supersedes": None,
            "is_retracted": False, "entered_by": who, "entered_at": now})
    for kind, rows in by_kind.items():
        connection.execute(insert(_kind(kind)), rows)
        record_write(store, athlete_id, kind, f"add {len(rows)} entries", connection=connection)
    return uids


def _current_row(conn: Connection, table: Table, entry_uid: str) -> dict[str, Any]:
    successor = table.alias("successor")
    row = conn.execute(select(table).where(and_(
        table.c.entry_uid == entry_uid,
        ~select(successor.c.id).where(successor.c.supersedes == table.c.id).exists(),
    ))).mappings().first()
    if row is None:
        raise StoreError(f"no log entry {entry_uid!r}; list entries with `loadwatch log history`")
    return dict(row)


def _new_version(store: Store, table: Table, entry_uid: str, values: Mapping[str, Any],
                 entered_by: str | None, *, retract: bool,
                 connection: Connection | None = None) -> Saved:
    if connection is None:
        with store.transaction() as conn:
            return _new_version(store, table, entry_uid, values, entered_by, retract=retract,
                                connection=conn)
    current = _current_row(connection, table, entry_uid)
    athlete_id = _writer(store, int(current["athlete_id"]))
    payload = {k: v for k, v in current.items() if k != "id"}
    payload.update(values)
    payload.update(supersedes=current["id"], is_retracted=retract, athlete_id=athlete_id,
                   entered_by=_entered_by(store, entered_by), entered_at=utcnow())
    try:
        saved = Saved(entry_uid, _insert(connection, table, payload))
    except IntegrityError as exc:
        raise StoreError(f"log entry {entry_uid!r} was changed by someone else meanwhile; "
                         "reload it and make the change again") from exc
    record_write(store, athlete_id, _kind_of(table),
                 f"{'retract' if retract else 'edit'} {entry_uid}", connection=connection)
    return saved


def _kind_of(table: Table) -> str:
    return next(kind for kind, known in TL.LOG_TABLES.items() if known is table)


def edit(store: Store, entry_uid: str, entry: Entry, *, entered_by: str | None = None,
         connection: Connection | None = None) -> Saved:
    """Store ``entry`` as the new current version of the entry ``entry_uid``.

    The earlier version stays in the :func:`history`. The kind of ``entry`` must match.
    Pass ``connection`` to take part in a caller's transaction.
    """
    return _new_version(store, _kind(KINDS[type(entry)]), entry_uid, _values(entry), entered_by,
                        retract=False, connection=connection)


def retract(store: Store, kind: str, entry_uid: str, *, entered_by: str | None = None,
            reason: str = "") -> Saved:
    """Withdraw an entry: it leaves the current reads, its history stays."""
    values = {S.LOG_NOTE: reason} if reason else {}
    return _new_version(store, _kind(kind), entry_uid, values, entered_by, retract=True)


def set_rpe(store: Store, activity_id: int, rpe: float | None, *,
            entered_by: str | None = None, note: str = "") -> Saved:
    """Give the session RPE (CR-10, 0-10) of a stored activity, keeping who gave which value.

    The value goes onto the activity (:meth:`Store.set_perceived_exertion`, read by the load
    computation) and into the RPE history (``history(store, "rpe")``).
    """
    _check_score("perceived_exertion", rpe, 0, 10, "CR-10 (0-10) RPE")
    owner = store.activity_athlete(activity_id)
    if owner is None:
        raise StoreError(f"no activity with id {activity_id}; list them with "
                         "`loadwatch activities`")
    athlete_id = _writer(store, owner)
    table = TL.rpe_entries
    uid = f"rpe-{activity_id}"
    with store.transaction() as conn:
        previous = conn.execute(select(table.c.id).where(table.c.entry_uid == uid)
                                .order_by(table.c.id.desc())).scalar()
        version = _insert(conn, table, {
            "entry_uid": uid, "athlete_id": athlete_id, "activity_id": activity_id,
            "perceived_exertion": rpe, "log_note": note, "supersedes": previous,
            "is_retracted": False, "entered_by": _entered_by(store, entered_by),
            "entered_at": utcnow()})
        record_write(store, athlete_id, "rpe", f"activity {activity_id}", connection=conn)
    store.set_perceived_exertion(activity_id, rpe)
    return Saved(uid, version)


# -- reading ---------------------------------------------------------------------------------
def _read(store: Store, kind: str, athlete: str | None, since: dt.date | None,
          until: dt.date | None, *, current_only: bool, entry_uid: str | None = None,
          athletes: list[str] | None = None) -> pd.DataFrame:
    table = _kind(kind)
    at = T.athletes
    query = select(table, at.c.name.label("athlete")).join(at, at.c.id == table.c.athlete_id)
    if current_only:
        successor = table.alias("successor")
        query = query.where(
            ~select(successor.c.id).where(successor.c.supersedes == table.c.id).exists(),
            table.c.is_retracted.is_(False))
    if athlete is not None:
        query = query.where(at.c.name == athlete)
    if athletes is not None:
        query = query.where(at.c.name.in_(athletes))
    if entry_uid is not None:
        query = query.where(table.c.entry_uid == entry_uid)
    date_column = _DATE_COLUMN.get(kind)
    if date_column is not None and since is not None:
        query = query.where(table.c[date_column] >= since)
    if date_column is not None and until is not None:
        query = query.where(table.c[date_column] <= until)
    named = [athlete] if athlete is not None else athletes
    wanted = None if named is None else store.ids_of(named)
    allowed = store.authorize(wanted, kind)
    if athlete is not None and wanted and not allowed:
        raise AccessDenied(f"{store.principal.user} may not read the {kind} log of "
                           f"{athlete!r}; ask the athlete to grant access")
    if allowed is not None:
        query = query.where(table.c.athlete_id.in_(allowed))
    order = [at.c.name, table.c[date_column]] if date_column else [at.c.name]
    query = query.order_by(*order, table.c.id)
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    frame = pd.DataFrame([dict(r) for r in rows])
    frame = frame.rename(columns={"id": S.VERSION_ID})
    columns = list(FRAME_COLUMNS[kind])
    frame = frame.reindex(columns=columns)
    for name in columns:
        if name in _LIST_COLUMNS:
            frame[name] = frame[name].map(lambda v: tuple(v) if isinstance(v, list) else ())
    for name in (*S.PAIN_SCORES, S.SIT_TOLERANCE_MIN, "perceived_exertion"):
        if name in frame.columns:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    for name in (S.VERSION_ID, S.SUPERSEDES, "activity_id", S.DAYS_LOST):
        if name in frame.columns:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("Int64")
    if S.ENTERED_AT in frame.columns:
        frame[S.ENTERED_AT] = pd.to_datetime(frame[S.ENTERED_AT], utc=True)
    return frame.reset_index(drop=True)


def symptoms(store: Store, athlete: str | None = None, *, since: dt.date | None = None,
             until: dt.date | None = None, athletes: list[str] | None = None) -> pd.DataFrame:
    """Current symptom entries (columns :data:`risk.symptom_codes.SYMPTOM_COLUMNS`)."""
    return _read(store, "symptoms", athlete, since, until, current_only=True, athletes=athletes)


def wellness(store: Store, athlete: str | None = None, *, since: dt.date | None = None,
             until: dt.date | None = None, athletes: list[str] | None = None) -> pd.DataFrame:
    """Current wellness entries (columns :data:`risk.symptom_codes.WELLNESS_COLUMNS`)."""
    return _read(store, "wellness", athlete, since, until, current_only=True, athletes=athletes)


def injuries(store: Store, athlete: str | None = None, *, since: dt.date | None = None,
             until: dt.date | None = None, athletes: list[str] | None = None) -> pd.DataFrame:
    """Current injury records (columns :data:`risk.symptom_codes.INJURY_COLUMNS`)."""
    return _read(store, "injuries", athlete, since, until, current_only=True, athletes=athletes)


def visa_h(store: Store, athlete: str | None = None, *, since: dt.date | None = None,
           until: dt.date | None = None, athletes: list[str] | None = None) -> pd.DataFrame:
    """Current VISA-H scores (columns :data:`risk.symptom_codes.VISA_H_COLUMNS`)."""
    return _read(store, "visa_h", athlete, since, until, current_only=True, athletes=athletes)


def current(store: Store, kind: str, athlete: str | None = None, *,
            since: dt.date | None = None, until: dt.date | None = None) -> pd.DataFrame:
    """The current entries of ``kind`` (symptoms, wellness, injuries, visa_h or rpe)."""
    return _read(store, kind, athlete, since, until, current_only=True)


def history(store: Store, kind: str, *, athlete: str | None = None,
            entry_uid: str | None = None) -> pd.DataFrame:
    """Every version of the entries of ``kind``, oldest first within each entry's day.

    Includes superseded and withdrawn versions with ``entered_by``, ``entered_at`` and
    ``supersedes``: what was logged at the time and each change since.
    """
    return _read(store, kind, athlete, None, None, current_only=False, entry_uid=entry_uid)


_INT_FIELDS = (*S.HOOPER_ITEMS, S.DAYS_LOST, "activity_id")


def _plain(name: str, value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(int(v) if name == S.VISA_H_ITEMS else v for v in value)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        value = value.item()
    return int(value) if name in _INT_FIELDS else value


def entry_from_row(kind: str, row: Mapping[str, Any]) -> Entry:
    """Rebuild the record of ``kind`` from a row of its frame (e.g. to edit one field)."""
    cls = RECORD_TYPES[kind]
    values = {f.name: _plain(f.name, row.get(f.name)) for f in fields(cls)}
    entry: Entry = cls(**{k: v for k, v in values.items() if v is not None})
    return entry


@dataclass(frozen=True)
class LogFrames:
    """The current log of some athletes, as handed to the pure rules in ``risk``."""

    symptoms: pd.DataFrame
    wellness: pd.DataFrame
    injuries: pd.DataFrame
    visa_h: pd.DataFrame


def log_frames(store: Store, athletes: list[str] | None = None, *,
               since: dt.date | None = None, until: dt.date | None = None) -> LogFrames:
    """All four current log frames of ``athletes`` (all visible athletes when None)."""
    return LogFrames(
        symptoms(store, since=since, until=until, athletes=athletes),
        wellness(store, since=since, until=until, athletes=athletes),
        injuries(store, since=since, until=until, athletes=athletes),
        visa_h(store, since=since, until=until, athletes=athletes),
    )

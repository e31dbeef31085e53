"""Bulk import: files, ``.gz``, Strava export zips or folders, CSVs and directories.

:func:`import_paths` is the one entry point (the CLI and the dashboard call it). It

1. plans every input (opens exports, lists directories, reads CSV headers) so the progress
   bar knows the total;
2. decodes activity files in a process pool (both cores; decoding is the slow part) while the
   main process writes to the store, one file per transaction through
   :meth:`~etl.store.Store.upsert_activity` (so a failure never leaves half an activity);
3. carries on past a bad file or row, reporting it by name, and stores nothing of it;
4. writes one ``import_log`` row per input.

Athlete: ``athlete`` when given; else, for a Strava export, ``First Last`` from its
``profile.csv``, else the export's file name when it was renamed (``anna.zip`` -> ``anna``;
Strava's own ``export_12345678`` names are ignored); everything else goes to ``"me"``. In a
folder, export zips keep their own athlete; files and CSVs get the folder's.
Importing the same input twice adds nothing (the store is idempotent and de-duplicates the same
run arriving from two sources).
"""

from __future__ import annotations

import concurrent.futures as futures
import csv
import datetime as dt
import importlib
import io
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from etl import errors
from etl.activities_csv import decode_text, is_activities_csv, parse_activities_csv, sniff_delimiter
from etl.errors import InputError, StoreError, UnsupportedFileError
from etl.export_zip import (
    DEFAULT_LIMITS,
    ExportItem,
    ExportRow,
    StravaExport,
    ZipLimits,
    csv_only,
    is_export,
    is_export_csv,
    join_file,
    open_export,
    read_activities_table,
)
from etl.records import ParsedActivity

if TYPE_CHECKING:  # the store (and SQLAlchemy) stay out of the decoding worker processes
    from etl.store import Store

DEFAULT_ATHLETE = "me"
POOL_MIN_JOBS = 16
"""Below this many files in one input, decoding stays in this process (a pool costs ~1 s)."""
MAX_LISTED = 10
"""How many names a warning lists before it says "and N more"."""

Progress = Callable[[int, int, str], None]
"""``progress(done, total, current)``: called after each activity file, row group or input."""


@dataclass(frozen=True)
class InputReport:
    """What happened to one input path.

    ``imported`` new activities; ``updated`` activities changed or enriched (same activity
    with new content, or the same run from another source merged in); ``duplicates`` seen
    before, nothing new; ``rejected`` files or rows that were not stored, each with a message
    in ``messages`` naming it; ``warnings`` notes that lost nothing (e.g. missing files).
    """

    name: str
    kind: str
    athlete: str | None
    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    messages: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportReport:
    """The result of :func:`import_paths`: one :class:`InputReport` per input, plus totals."""

    inputs: tuple[InputReport, ...]

    @property
    def imported(self) -> int:
        return sum(i.imported for i in self.inputs)

    @property
    def updated(self) -> int:
        return sum(i.updated for i in self.inputs)

    @property
    def duplicates(self) -> int:
        return sum(i.duplicates for i in self.inputs)

    @property
    def rejected(self) -> int:
        return sum(i.rejected for i in self.inputs)

    @property
    def messages(self) -> list[str]:
        return [m for i in self.inputs for m in i.messages]

    @property
    def warnings(self) -> list[str]:
        return [w for i in self.inputs for w in i.warnings]

    @property
    def ok(self) -> bool:
        """True when nothing was rejected."""
        return self.rejected == 0


# -- work units ------------------------------------------------------------------------------
@dataclass(frozen=True)
class DecodeJob:
    """One activity file to decode (in a worker process): its bytes and how to label it."""

    label: str
    data: bytes
    source: str = "file"
    source_id: str | None = None
    sport_hint: str | None = None
    row: ExportRow | None = None
    athlete: str | None = None


@dataclass(frozen=True)
class Decoded:
    """What a worker sends back: the sessions, or the error as (class name, reason)."""

    activities: tuple[ParsedActivity, ...] = ()
    error: tuple[str, str] | None = None


@dataclass(frozen=True)
class _Ready:
    """Activities parsed already (CSV rows); each is stored in its own transaction."""

    label: str
    activities: tuple[ParsedActivity, ...]
    athlete: str | None = None


@dataclass(frozen=True)
class _Rejected:
    label: str
    message: str


@dataclass(frozen=True)
class _FileFailed:
    """An export row whose file cannot be used: stored from activities.csv, file reported."""

    label: str
    row: ExportRow
    message: str
    athlete: str | None = None


@dataclass(frozen=True)
class _LogCsv:
    """A symptoms/wellness/injury CSV, handed whole to :mod:`etl.log_csv`."""

    label: str
    data: bytes
    athlete: str | None
    store: Store


_Unit = DecodeJob | _Ready | _Rejected | _FileFailed | _LogCsv


def decode(job: DecodeJob) -> Decoded:
    """Decode one file with :func:`etl.readers.read_activity` (runs in a worker process).

    Errors come back as values (exceptions with extra constructor arguments do not survive
    pickling). Anything other than an :class:`~etl.errors.InputError` is a reader bug; it is
    reported as such for this file and the batch carries on.
    """
    from etl.readers import read_activity

    try:
        sessions = read_activity(job.data, job.label, source=job.source,
                                 source_id=job.source_id, sport_hint=job.sport_hint)
    except InputError as exc:
        return Decoded(error=(type(exc).__name__, exc.reason))
    except Exception as exc:  # a reader bug must not stop a batch of a thousand files
        return Decoded(error=("CorruptFileError", f"could not be read ({type(exc).__name__}: "
                                                  f"{exc}); please report this file"))
    return Decoded(activities=tuple(sessions))


def _error_class(name: str) -> type[InputError]:
    found = getattr(errors, name, InputError)
    return found if isinstance(found, type) and issubclass(found, InputError) else InputError


# -- per-input bookkeeping ---------------------------------------------------------------------
@dataclass
class _Tally:
    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        if outcome == "inserted":
            self.imported += 1
        elif outcome in ("updated", "merged"):
            self.updated += 1
        else:
            self.duplicates += 1

    def reject(self, message: str) -> None:
        self.rejected += 1
        self.messages.append(message)


@dataclass
class _Input:
    """A planned input: its units (lazy), how many, and who they belong to."""

    name: str
    kind: str
    athlete: str | None
    total: int
    units: Iterable[_Unit]
    tally: _Tally = field(default_factory=_Tally)
    export: StravaExport | None = None

    def close(self) -> None:
        if self.export is not None:
            self.export.close()


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    more = len(names) - MAX_LISTED
    return shown + (f" (and {more} more)" if more > 0 else "")


def _default_export_athlete(path: Path) -> str:
    stem = path.name[:-4] if path.name.lower().endswith(".zip") else path.name
    if not stem.strip() or re.fullmatch(r"export_?\d*", stem, re.IGNORECASE):
        return DEFAULT_ATHLETE
    return stem.strip()


# -- planning ----------------------------------------------------------------------------------
def _plan_export(path: Path, label: str, athlete: str | None, limits: ZipLimits,
                 timezone: str | None) -> _Input:
    export = open_export(path, limits=limits, timezone=timezone, label=label)
    owner = athlete or export.athlete or _default_export_athlete(path)
    planned = _Input(label, "strava_export", owner, len(export.table.rows) + len(
        export.table.rejected), (), export=export)
    tally = planned.tally
    tally.warnings.extend(export.table.warnings)
    for message in export.hostile:
        tally.reject(message)
    missing = export.missing_files()
    if missing:
        tally.warnings.append(
            f"{label}: {len(missing)} row(s) of activities.csv name files missing from the "
            f"export; imported from activities.csv alone, without samples: {_listing(missing)}")
    planned.units = _export_units(export, export.table.rejected)
    return planned


def _export_units(export: StravaExport, rejected_rows: Sequence[str]) -> Iterator[_Unit]:
    for message in rejected_rows:
        yield _Rejected(export.name, message)
    for item in export.items():
        yield _export_unit(export.name, item)


def _export_unit(name: str, item: ExportItem) -> _Unit:
    row = item.row
    if item.data is None:
        if item.problem is not None and not isinstance(item.problem, errors.NoDataError):
            return _FileFailed(f"{name}:{item.member}", row, str(item.problem))
        return _Ready(f"{name} row {row.row_number}", (csv_only(row),))
    member = item.member or ""
    return DecodeJob(f"{name}:{member}", item.data, source="strava_export",
                     source_id=row.activity_id, sport_hint=row.record.sport_type, row=row)


def _csv_kind(data: bytes, name: str) -> tuple[str, list[str]]:
    text = decode_text(data, name)
    header = next(csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text)), [])
    try:
        log_csv = importlib.import_module("etl.log_csv")
    except ModuleNotFoundError as exc:
        if exc.name not in (None, "etl.log_csv"):
            raise
        log_csv = None
    if log_csv is not None and log_csv.is_log_csv(header):
        return "log_csv", header
    if is_export_csv(header):
        return "strava_csv", header
    if is_activities_csv(header):
        return "activities_csv", header
    return "unknown", header


def _csv_units(data: bytes, label: str, athlete: str, timezone: str | None,
               tally: _Tally) -> tuple[str, list[_Unit]]:
    kind, header = _csv_kind(data, label)
    if kind == "strava_csv":
        table = read_activities_table(data, label, timezone=timezone)
        tally.warnings.extend(table.warnings)
        with_files = [r.file_name for r in table.rows if r.file_name]
        if with_files:
            tally.warnings.append(
                f"{label}: activities.csv alone: {len(with_files)} activities imported without "
                "their files (import the whole export zip to get their samples)")
        units: list[_Unit] = [_Rejected(label, m) for m in table.rejected]
        units += [_Ready(f"{label} row {r.row_number}", (csv_only(r),)) for r in table.rows]
        return kind, units
    if kind == "activities_csv":
        parsed = parse_activities_csv(data, label, athlete, default_timezone=timezone)
        tally.warnings.extend(parsed.warnings)
        units = [_Rejected(label, m) for m in parsed.rejected]
        units += [_Ready(f"{label} ({a.record.start_time_local:%Y-%m-%d})", (a,))
                  for a in parsed.activities]
        return kind, units
    shown = ", ".join(header[:4]) or "(no header)"
    raise UnsupportedFileError(
        label, f"is not an activities CSV (its header starts {shown}); use the columns of the "
        "activities CSV template (date, sport, distance_km, duration, ...; see docs/import.md), "
        "the symptoms CSV template, or Strava's activities.csv")


def _plan_csv(data: bytes, label: str, athlete: str | None, timezone: str | None,
              store: Store) -> _Input:
    kind, _ = _csv_kind(data, label)
    if kind == "log_csv":
        return _Input(label, "log_csv", athlete, 1, [_LogCsv(label, data, athlete, store)])
    planned = _Input(label, kind, athlete or DEFAULT_ATHLETE, 0, ())
    kind, units = _csv_units(data, label, planned.athlete or DEFAULT_ATHLETE, timezone,
                             planned.tally)
    planned.units, planned.total = units, len(units)
    return planned


def _plan_directory(path: Path, label: str, athlete: str | None, timezone: str | None,
                    store: Store, limits: ZipLimits) -> _Input:
    from etl.readers import is_supported

    files = sorted(p for p in path.rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(path).parts))
    planned = _Input(label, "directory", athlete or DEFAULT_ATHLETE, len(files), ())
    skipped = [p.relative_to(path).as_posix() for p in files
               if not (is_supported(p.name) or p.suffix.lower() in (".csv", ".zip"))]
    if skipped:
        planned.tally.warnings.append(
            f"{label}: skipped {len(skipped)} file(s) that are not activity files, CSVs or "
            f"exports: {_listing(skipped)}")
    planned.units = _directory_units(path, label, files, planned, athlete, timezone, store,
                                     limits)
    return planned


def _directory_units(root: Path, label: str, files: list[Path], planned: _Input,
                     explicit: str | None, timezone: str | None, store: Store,
                     limits: ZipLimits) -> Iterator[_Unit]:
    """The units of every file in a folder. Activity files and CSVs belong to the folder's
    athlete; an export zip inside keeps its own (``--athlete``, else its profile.csv or name),
    so a coach can import a folder of the squad's exports at once."""
    from etl.readers import is_supported

    for path in files:
        member = f"{label}/{path.relative_to(root).as_posix()}"
        try:
            if is_supported(path.name):
                yield DecodeJob(member, path.read_bytes())
            elif path.suffix.lower() == ".csv":
                nested = _plan_csv(path.read_bytes(), member, planned.athlete, timezone, store)
                planned.tally.warnings.extend(nested.tally.warnings)
                yield from nested.units
            elif path.suffix.lower() == ".zip":
                nested_export = _plan_export(path, member, explicit, limits, timezone)
                try:
                    planned.tally.warnings.extend(nested_export.tally.warnings)
                    for message in nested_export.tally.messages:
                        yield _Rejected(member, message)
                    for unit in nested_export.units:
                        if isinstance(unit, DecodeJob | _Ready | _FileFailed):
                            yield replace(unit, athlete=nested_export.athlete)
                        else:
                            yield unit
                finally:
                    nested_export.close()
        except InputError as exc:
            yield _Rejected(member, str(exc))
        except OSError as exc:
            yield _Rejected(member, f"{member}: cannot be read ({exc.strerror or exc})")


def _plan(path: Path, store: Store, athlete: str | None, timezone: str | None,
          limits: ZipLimits) -> _Input:
    label = str(path)
    if not path.exists():
        raise UnsupportedFileError(label, "does not exist; check the path")
    if path.is_dir():
        if is_export(path):
            return _plan_export(path, label, athlete, limits, timezone)
        return _plan_directory(path, label, athlete, timezone, store, limits)
    from etl.readers import is_supported

    lower = path.name.lower()
    if lower.endswith(".zip"):
        return _plan_export(path, label, athlete, limits, timezone)
    if lower.endswith(".csv"):
        return _plan_csv(path.read_bytes(), label, athlete, timezone, store)
    if is_supported(path.name):
        return _Input(label, "file", athlete or DEFAULT_ATHLETE, 1,
                      [DecodeJob(label, path.read_bytes())])
    raise UnsupportedFileError(
        label, "is not a file loadwatch imports; give .fit, .gpx or .tcx files (also .gz), a "
        "Strava export (.zip or its folder), an activities or symptoms CSV, or a folder of them")


# -- running -------------------------------------------------------------------------------------
class _Pipeline:
    """Decodes jobs in a process pool (created on demand) and yields results in order.

    If the pool cannot start its workers (e.g. the program runs from a script that cannot be
    re-imported), decoding falls back to this process. If a worker dies after the pool has
    worked (a crash or out-of-memory on some file), the files in flight are rejected with a
    message and a fresh pool takes the rest.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: futures.ProcessPoolExecutor | None = None
        self.worked = False
        self.in_process = False

    def _executor(self) -> futures.ProcessPoolExecutor:
        if self.pool is None:
            method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() \
                else "spawn"
            context = multiprocessing.get_context(method)
            if method == "forkserver":
                context.set_forkserver_preload(["etl.importer", "etl.readers"])
            self.pool = futures.ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self.pool

    def _broken(self, job: DecodeJob) -> Decoded:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
        if not self.worked:
            self.in_process = True
            return decode(job)
        return Decoded(error=("CorruptFileError", "was being decoded when a decoding process "
                              "died (a crash or out of memory); import this file again on its "
                              "own"))

    def _submit(self, job: DecodeJob) -> futures.Future[Decoded] | Decoded:
        if self.in_process:
            return decode(job)
        try:
            return self._executor().submit(decode, job)
        except futures.process.BrokenProcessPool:
            return self._broken(job)

    def run(self, units: Iterable[_Unit], parallel: bool
            ) -> Iterator[tuple[_Unit, Decoded | None]]:
        window: deque[tuple[_Unit, futures.Future[Decoded] | Decoded | None]] = deque()
        limit = 4 * self.workers
        for unit in units:
            pending: futures.Future[Decoded] | Decoded | None = None
            if isinstance(unit, DecodeJob):
                pending = self._submit(unit) if parallel else decode(unit)
            window.append((unit, pending))
            while len(window) > limit:
                yield self._resolve(window.popleft())
        while window:
            yield self._resolve(window.popleft())

    def _resolve(self, item: tuple[_Unit, futures.Future[Decoded] | Decoded | None]
                 ) -> tuple[_Unit, Decoded | None]:
        unit, pending = item
        if isinstance(pending, futures.Future) and isinstance(unit, DecodeJob):
            try:
                result = pending.result()
            except futures.process.BrokenProcessPool:
                return unit, self._broken(unit)
            self.worked = True
            return unit, result
        return unit, pending if not isinstance(pending, futures.Future) else None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _store_all(store: Store, athlete_id: int, label: str,
               activities: Sequence[ParsedActivity], tally: _Tally) -> None:
    """Store the activities of one file in one transaction: all of them or none."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with store.transaction() as connection:
            outcomes = [store.upsert_activity(athlete_id, parsed, connection=connection).outcome
                        for parsed in activities]
    except (SQLAlchemyError, StoreError, ValueError, TypeError) as exc:
        tally.reject(f"{label}: could not be stored ({type(exc).__name__}: {exc}); nothing of "
                     "it was kept")
        return
    for outcome in outcomes:
        tally.count(outcome)


def _handle(store: Store, planned: _Input, unit: _Unit, decoded: Decoded | None,
            athlete_id: Callable[[str | None], int]) -> None:
    tally = planned.tally
    if isinstance(unit, _Rejected):
        tally.reject(unit.message)
        return
    if isinstance(unit, _FileFailed):
        _store_all(store, athlete_id(unit.athlete), unit.label, [csv_only(unit.row)], tally)
        tally.reject(f"{unit.message}; activity {unit.row.activity_id} was imported from "
                     "activities.csv without samples")
        return
    if isinstance(unit, _LogCsv):
        _import_log_csv(unit, tally)
        return
    if isinstance(unit, _Ready):
        for parsed in unit.activities:
            _store_all(store, athlete_id(unit.athlete), unit.label, [parsed], tally)
        return
    if decoded is None:
        decoded = Decoded(error=("NoDataError", "is empty; re-export it"))
    if decoded.error is not None:
        kind, reason = decoded.error
        message = str(_error_class(kind)(unit.label, reason))
        if unit.row is not None:
            message += (f"; activity {unit.row.activity_id} was imported from activities.csv "
                        "without samples")
            _store_all(store, athlete_id(unit.athlete), unit.label, [csv_only(unit.row)],
                       tally)
        tally.reject(message)
        return
    if unit.row is not None:
        activities: list[ParsedActivity] = [join_file(unit.row, list(decoded.activities))]
    else:
        activities = list(decoded.activities)
    _store_all(store, athlete_id(unit.athlete), unit.label, activities, tally)


def _import_log_csv(unit: _LogCsv, tally: _Tally) -> None:
    log_csv = importlib.import_module("etl.log_csv")
    try:
        result = log_csv.import_log_csv(unit.store, unit.data, unit.label, unit.athlete)
    except InputError as exc:
        tally.reject(str(exc))
        return
    tally.imported += int(result.stored)
    tally.duplicates += int(getattr(result, "unchanged", 0))
    for message in result.rejected:
        tally.reject(str(message))


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def import_paths(store: Store, paths: Sequence[Path | str], athlete: str | None = None,
                 progress: Progress | None = None, *, workers: int | None = None,
                 timezone: str | None = None, limits: ZipLimits = DEFAULT_LIMITS
                 ) -> ImportReport:
    """Import files, ``.gz`` files, Strava exports (zip or folder), CSVs and directories.

    Parameters
    ----------
    store
        Where the activities go.
    paths
        The inputs, each a file, an export zip, an export folder or a directory of inputs.
    athlete
        Whose activities these are; see the module docstring for the default.
    progress
        Called as ``progress(done, total, current)`` after each unit of work.
    workers
        Decoding processes (default: the available cores). ``1`` decodes in this process;
        inputs with fewer than :data:`POOL_MIN_JOBS` files are always decoded in this process.
    timezone
        Zone (IANA name or ``+02:00``) for activities whose local time is not otherwise known:
        export rows whose file has no UTC offset, CSV rows without a ``timezone``.
    limits
        Zip-bomb limits for export zips.

    Returns
    -------
    ImportReport
        Counts and one-line messages per input. Nothing of a rejected file or row is stored.
    """
    started = dt.datetime.now(dt.UTC)
    count = workers if workers is not None else _available_cpus()
    pipeline = _Pipeline(max(1, count))
    planned: list[_Input] = []
    reports: list[InputReport] = []
    try:
        for raw in paths:
            path = Path(raw)
            try:
                planned.append(_plan(path, store, athlete, timezone, limits))
            except InputError as exc:
                failed = _Input(str(path), "rejected", athlete, 1, [])
                failed.tally.reject(str(exc))
                planned.append(failed)
            except OSError as exc:
                failed = _Input(str(path), "rejected", athlete, 1, [])
                failed.tally.reject(f"{path}: cannot be read ({exc.strerror or exc})")
                planned.append(failed)
        total = sum(p.total for p in planned)
        done = 0
        ids: dict[str, int] = {}
        for item in planned:
            owner = item.athlete or DEFAULT_ATHLETE

            def athlete_id(name: str | None, default: str = owner) -> int:
                """Store id of the unit's athlete (its own, e.g. a nested export's, or the
                input's); athletes are created on first use, so a rejected input creates none."""
                key = name or default
                if key not in ids:
                    ids[key] = store.athlete_id(key)
                return ids[key]

            parallel = pipeline.workers > 1 and item.total >= POOL_MIN_JOBS
            for unit, decoded in pipeline.run(item.units, parallel):
                _handle(store, item, unit, decoded, athlete_id)
                done += 1
                if progress is not None:
                    progress(min(done, total), total, unit.label)
            item.close()
            tally = item.tally
            report = InputReport(item.name, item.kind, item.athlete, tally.imported,
                                 tally.updated, tally.duplicates, tally.rejected,
                                 tuple(tally.messages), tuple(tally.warnings))
            reports.append(report)
            _log(store, report, started)
    finally:
        for item in planned:
            item.close()
        pipeline.close()
    return ImportReport(tuple(reports))


def _log(store: Store, report: InputReport, started: dt.datetime) -> None:
    store.log_import(report.name, report.athlete, imported=report.imported,
                     updated=report.updated, duplicates=report.duplicates,
                     rejected=report.rejected,
                     messages=[*report.messages, *report.warnings], started_at=started)

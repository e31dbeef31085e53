"""The symptoms, wellness, injuries and VISA-H CSV formats: import, export and templates.

Four CSV kinds, told apart by their header (docs/symptom-log.md; templates in
``etl/templates/*_template.csv``). Column names are those of the log frames; an optional
``athlete`` column names whose entry each row is (else the ``--athlete`` given to the import).
Dates are ``YYYY-MM-DD``; multi-choice cells hold codes separated by ``;`` (``|`` and ``,``
work too); empty cells mean "not given".

* symptoms: ``date`` plus any of the pain, location and answer columns of
  :data:`SYMPTOM_FIELDS` (at least one pain score or ``pain_locations``);
* wellness: ``date``, ``sleep_hooper``, ``fatigue_hooper``, ``stress_hooper``,
  ``soreness_hooper`` (1-7);
* injuries: ``injury_onset_date``, ``injury_region`` and optionally ``body_side``,
  ``clinician_diagnosis``, ``days_lost``, ``injury_resolved_date``;
* visa_h: ``date``, ``visa_h_item_1`` ... ``visa_h_item_8``, ``visa_h_item8_branch``.

Importing is idempotent: a row whose entry already exists (same athlete and day for wellness
and VISA-H; same athlete, onset, region and side for injuries; same athlete, day, locations and
side for symptoms) with the same values changes nothing; with other values it becomes a new
version of that entry (the old one stays in the history). A bad row is rejected with its row
number (the header is row 1), the field and the fix; the good rows are stored, all in one
transaction. Exports are the same format, so an export imports back unchanged; text cells that
a spreadsheet would run as a formula are prefixed with ``'`` on export and the prefix is
removed again on import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from importlib import resources
from typing import Any

import pandas as pd

from etl.csv_safety import neutralise
from etl.errors import InputError, NoDataError, UnsupportedFileError
from etl.store import Store
from etl.store import log as L
from risk import symptom_codes as S

ATHLETE = "athlete"
DATE = "date"
ITEM_COLUMNS: tuple[str, ...] = tuple(f"visa_h_item_{n}" for n in range(1, 9))

SYMPTOM_FIELDS: tuple[str, ...] = (
    *S.PAIN_SCORES, S.PAIN_LOCATIONS, S.BODY_SIDE, S.PAIN_RADIATES, S.PAIN_CHARACTER,
    S.PAIN_AGGRAVATORS, S.SIT_TOLERANCE_MIN, S.PAIN_ONSET, S.PAIN_TIMING, S.NEURO_FLAGS_COL,
    S.SYSTEMIC_FLAGS_COL, S.BONE_RISK_CONTEXT_COL, S.ACUTE_SIGNS_COL, "activity_id",
)
COLUMNS: dict[str, tuple[str, ...]] = {
    "symptoms": (ATHLETE, DATE, *SYMPTOM_FIELDS, S.LOG_NOTE),
    "wellness": (ATHLETE, DATE, *S.HOOPER_ITEMS, S.LOG_NOTE),
    "injuries": (ATHLETE, S.INJURY_ONSET_DATE, S.INJURY_REGION, S.BODY_SIDE,
                 S.CLINICIAN_DIAGNOSIS, S.DAYS_LOST, S.INJURY_RESOLVED_DATE, S.LOG_NOTE),
    "visa_h": (ATHLETE, DATE, *ITEM_COLUMNS, S.VISA_H_ITEM8_BRANCH, S.LOG_NOTE),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "symptoms": (DATE,),
    "wellness": (DATE, *S.HOOPER_ITEMS),
    "injuries": (S.INJURY_ONSET_DATE, S.INJURY_REGION),
    "visa_h": (DATE, *ITEM_COLUMNS, S.VISA_H_ITEM8_BRANCH),
}
TEMPLATES: dict[str, str] = {kind: f"{kind}_template.csv" for kind in COLUMNS}
_SPLIT = re.compile(r"[;|,]")
_FORMULA_ESCAPE = re.compile(r"^'(?=[=+\-@\t\r])")


@dataclass(frozen=True)
class LogImportReport:
    """What :func:`import_log_csv` did.

    ``stored``: entries stored (new entries and new versions); ``rejected``: one message per
    bad row naming the row number, the field and the fix; ``unchanged``: rows already stored
    with the same values; ``kind``: symptoms, wellness, injuries or visa_h.
    """

    stored: int
    rejected: list[str] = field(default_factory=list)
    unchanged: int = 0
    kind: str = ""


def _normalise(name: str) -> str:
    return name.strip().strip("\ufeff").lower().replace(" ", "_").replace("-", "_")


def log_csv_kind(header: list[str]) -> str | None:
    """Which log CSV ``header`` belongs to (symptoms, wellness, injuries, visa_h) or None."""
    names = {_normalise(c) for c in header}
    if {S.INJURY_ONSET_DATE, S.INJURY_REGION} <= names:
        return "injuries"
    if DATE not in names:
        return None
    if set(S.HOOPER_ITEMS) <= names:
        return "wellness"
    if any(c.startswith("visa_h_item") for c in names):
        return "visa_h"
    if names & {*S.PAIN_SCORES, S.PAIN_LOCATIONS}:
        return "symptoms"
    return None


def is_log_csv(header: list[str]) -> bool:
    """Whether ``header`` is one of the symptoms, wellness, injuries or VISA-H CSV headers."""
    return log_csv_kind(header) is not None


def template_bytes(kind: str) -> bytes:
    """The CSV template of ``kind`` shipped with the package (for downloads)."""
    if kind not in TEMPLATES:
        raise ValueError(f"unknown log CSV kind {kind!r}; use one of {', '.join(TEMPLATES)}")
    return resources.files("etl.templates").joinpath(TEMPLATES[kind]).read_bytes()


# -- parsing cells ----------------------------------------------------------------------------
class _CellError(ValueError):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column


def _text(value: str) -> str:
    return _FORMULA_ESCAPE.sub("", value.strip())


def _date(column: str, value: str) -> dt.date | None:
    text = value.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise _CellError(column, f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def _number(column: str, value: str) -> float | None:
    text = value.strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise _CellError(column, f"{value!r} is not a number; write digits such as 4") from None


def _whole(column: str, value: str) -> int | None:
    number = _number(column, value)
    if number is None:
        return None
    if not number.is_integer():
        raise _CellError(column, f"{value!r} is not a whole number")
    return int(number)


def _codes(value: str) -> tuple[str, ...]:
    return tuple(c.strip().lower() for c in _SPLIT.split(value) if c.strip())


def _code(value: str) -> str | None:
    text = value.strip().lower()
    return text or None


_PARSERS: dict[str, Callable[[str, str], Any]] = {
    **{name: _number for name in (*S.PAIN_SCORES, S.SIT_TOLERANCE_MIN)},
    **{name: (lambda _c, v: _codes(v)) for name in S.MULTI_CHOICE},
    **{name: (lambda _c, v: _code(v)) for name in (*S.SINGLE_CHOICE, S.INJURY_REGION,
                                                     S.VISA_H_ITEM8_BRANCH)},
    **{name: _whole for name in (*S.HOOPER_ITEMS, S.DAYS_LOST, "activity_id", *ITEM_COLUMNS)},
    **{name: _date for name in (DATE, S.INJURY_ONSET_DATE, S.INJURY_RESOLVED_DATE)},
    S.LOG_NOTE: lambda _c, v: _text(v),
    S.CLINICIAN_DIAGNOSIS: lambda _c, v: _text(v),
}


def _build(kind: str, cells: Mapping[str, str]) -> L.Entry:
    values = {name: _PARSERS[name](name, raw) for name, raw in cells.items() if name in _PARSERS}
    for name in REQUIRED[kind]:
        if values.get(name) in (None, ""):
            raise _CellError(name, "is empty; fill it in (see the template)")
    if kind == "visa_h":
        return L.VisaHEntry(values[DATE], tuple(values[c] for c in ITEM_COLUMNS),
                            str(values[S.VISA_H_ITEM8_BRANCH]).upper(),
                            values.get(S.LOG_NOTE) or "")
    if kind == "symptoms":
        values["local_date"] = values.pop(DATE)
        if all(values.get(n) is None for n in S.PAIN_SCORES) and not values.get(S.PAIN_LOCATIONS):
            raise _CellError(S.PAIN_LOCATIONS, "the row has no pain score and no location; "
                                               "give at least one")
    if kind == "wellness":
        values["local_date"] = values.pop(DATE)
    cls = L.RECORD_TYPES[kind]
    known = {f.name for f in fields(cls)}
    entry: L.Entry = cls(**{k: v for k, v in values.items()
                            if k in known and v is not None and v != ()})
    return entry


def _key(kind: str, athlete: str, entry: L.Entry) -> tuple[Any, ...]:
    if isinstance(entry, L.SymptomEntry):
        return (athlete, entry.local_date, tuple(sorted(entry.pain_locations)), entry.body_side)
    if isinstance(entry, L.InjuryRecord):
        return (athlete, entry.injury_onset_date, entry.injury_region, entry.body_side)
    if isinstance(entry, L.WellnessEntry | L.VisaHEntry):
        return (athlete, entry.local_date)
    raise ValueError(kind)


def _existing(store: Store, kind: str, athletes: set[str]) -> dict[tuple[Any, ...],
                                                                   tuple[str, L.Entry]]:
    found: dict[tuple[Any, ...], tuple[str, L.Entry]] = {}
    for athlete in sorted(athletes):
        frame = L.current(store, kind, athlete)
        for row in frame.to_dict(orient="records"):
            entry = L.entry_from_row(kind, {str(k): v for k, v in row.items()})
            found[_key(kind, athlete, entry)] = (str(row[S.ENTRY_UID]), entry)
    return found


def _rows(data: bytes, name: str) -> tuple[list[str], list[list[str]]]:
    from etl.activities_csv import decode_text, sniff_delimiter

    text = decode_text(data, name)
    rows = list(csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text)))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise NoDataError(name, "is empty; start from a template in etl/templates "
                                "(see docs/symptom-log.md)")
    return [_normalise(c) for c in rows[0]], rows[1:]


def import_log_csv(store: Store, data: bytes, name: str, athlete: str | None) -> LogImportReport:
    """Import a symptoms, wellness, injuries or VISA-H CSV.

    Parameters
    ----------
    store
        Where the entries go.
    data
        The file's bytes (UTF-8 or Windows-1252; ``,``, ``;`` or tab separated).
    name
        The file's name, used in messages.
    athlete
        Whose entries rows without an ``athlete`` cell are (``--athlete``).

    Returns
    -------
    LogImportReport

    Raises
    ------
    InputError
        When the file as a whole is unusable (not a log CSV, unknown columns, no rows);
        nothing is stored then.
    """
    header, rows = _rows(data, name)
    kind = log_csv_kind(header)
    if kind is None:
        raise UnsupportedFileError(name, "is not a symptoms, wellness, injuries or VISA-H CSV; "
                                         "start from a template (see docs/symptom-log.md)")
    unknown = [c for c in header if c not in COLUMNS[kind]]
    if unknown:
        raise InputError(name, f"unknown column(s) {', '.join(map(repr, unknown))} for a {kind} "
                               f"CSV; the columns are {', '.join(COLUMNS[kind])}")
    if not rows:
        raise NoDataError(name, f"has a {kind} header but no rows; add one row per entry")
    rejected: list[str] = []
    good: list[tuple[int, str, L.Entry]] = []
    for number, row in enumerate(rows, start=2):
        cells = dict(zip(header, row + [""] * (len(header) - len(row)), strict=False))
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            rejected.append(f"{name} row {number}: has {len(row)} cells but the header has "
                            f"{len(header)}; quote cells that contain the separator")
            continue
        who = (cells.pop(ATHLETE, "") or "").strip() or athlete
        if not who:
            rejected.append(f"{name} row {number}: no athlete; fill the athlete column or pass "
                            "--athlete NAME")
            continue
        try:
            good.append((number, who, _build(kind, cells)))
        except _CellError as exc:
            rejected.append(f"{name} row {number}, {exc.column}: {exc}")
        except InputError as exc:
            rejected.append(f"{name} row {number}, {exc.source}: {exc.reason}")
    existing = _existing(store, kind, {who for _, who, _ in good})
    ids = {who: store.athlete_id(who) for who in sorted({who for _, who, _ in good})}
    stored = unchanged = 0
    with store.transaction() as conn:
        for _row_number, who, entry in good:
            key = _key(kind, who, entry)
            if key in existing and existing[key][1] == entry:
                unchanged += 1
                continue
            if key in existing:
                saved = L.edit(store, existing[key][0], entry, connection=conn)
            else:
                saved = L.add(store, ids[who], entry, connection=conn)
            existing[key] = (saved.entry_uid, entry)
            stored += 1
    return LogImportReport(stored=stored, rejected=rejected, unchanged=unchanged, kind=kind)


def export_frame(store: Store, kind: str, athlete: str | None = None, *,
                 since: dt.date | None = None, until: dt.date | None = None) -> pd.DataFrame:
    """The current entries of ``kind`` in the CSV layout (codes joined with ``;``)."""
    if kind not in COLUMNS:
        raise ValueError(f"unknown log kind {kind!r}; use one of {', '.join(COLUMNS)}")
    frame = L.current(store, kind, athlete, since=since, until=until)
    out = frame.rename(columns={"local_date": DATE})
    if kind == "visa_h":
        for n, column in enumerate(ITEM_COLUMNS):
            out[column] = [items[n] if len(items) > n else None for items in out[S.VISA_H_ITEMS]]
    for name in S.MULTI_CHOICE:
        if name in out.columns:
            out[name] = out[name].map(lambda codes: ";".join(codes))
    return out.reindex(columns=list(COLUMNS[kind]))


def export_log_csv(store: Store, kind: str, athlete: str | None = None, *,
                   since: dt.date | None = None, until: dt.date | None = None) -> bytes:
    """The current entries of ``kind`` as a CSV file in the import format (UTF-8)."""
    frame = export_frame(store, kind, athlete, since=since, until=until)
    safe = frame.astype(object).where(frame.notna(), "").map(neutralise)
    return safe.to_csv(index=False).encode("utf-8")

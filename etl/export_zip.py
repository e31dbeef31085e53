"""Strava bulk export: the zip Strava e-mails you (or its unpacked folder).

The export holds ``activities.csv`` (one row per activity) and an ``activities/`` folder of the
recorded files (``<upload id>.fit.gz``, ``.gpx``, ``.gpx.gz``, ``.tcx``, ``.tcx.gz``); rows
without a file are manual entries. This module reads the CSV, joins each row to its file and
turns the pair into one :class:`~etl.records.ActivityRecord` with ``source="strava_export"`` and
``source_id`` = Strava's Activity ID.

Facts it relies on (see ``docs/import.md``):

* The header repeats names: the first ``Distance`` is in the account's unit (km or miles,
  2 decimals), the second in metres; the first ``Elapsed Time`` is whole seconds, the second
  float seconds; ``Max Heart Rate`` and ``Relative Effort`` appear twice. Columns are mapped
  by (name, occurrence); unknown and missing columns are tolerated.
* ``Activity Date`` is UTC (``Oct 6, 2022, 11:19:20 PM`` in English exports); the file's own
  offset (FIT ``local_timestamp``) gives the local time.
* Old exports have header cells like ``<span class="translation_missing" ...>Type</span>``.
* ``Average Cadence`` is per leg for foot sports: doubled to steps per minute.

Members are read in place from the zip, never extracted. Hostile archives are refused: member
names that escape the archive (``../``, absolute) are rejected by name, and a zip whose declared
sizes or compression ratios look like a zip bomb is refused before anything is decompressed.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import TracebackType

from etl.activities_csv import METRES_PER_MILE, decode_text, parse_zone, sport_type_from_label
from etl.errors import HostileInputError, InputError, NoDataError, UnsupportedFileError
from etl.records import ActivityRecord, ParsedActivity, empty_streams
from loadwatch import columns as C

ACTIVITIES_CSV = "activities.csv"
PROFILE_CSV = "profile.csv"
FOOT_SPORTS = C.RUNNING_SPORT_TYPES | {"Walk", "Hike"}


@dataclass(frozen=True)
class ZipLimits:
    """Limits that make a zip a suspected zip bomb (checked before decompressing).

    A zip is refused when the sum of its members' declared uncompressed sizes exceeds
    ``max_total_bytes``, or when a member bigger than ``ratio_min_member_bytes`` compresses
    better than ``max_ratio`` : 1 (real activity files compress about 3-10 : 1). One member
    bigger than ``max_member_bytes`` is refused on its own (it would be held in memory).
    """

    max_total_bytes: int = 4 * 1024**3
    max_ratio: float = 200.0
    ratio_min_member_bytes: int = 50 * 1024**2
    max_member_bytes: int = 256 * 1024**2
    """A single member bigger than this is not read (the readers' gunzip cap, for one file)."""


DEFAULT_LIMITS = ZipLimits()


# -- header ------------------------------------------------------------------------------
ENGLISH_REQUIRED = ("Activity ID", "Activity Date")
GERMAN_HEADER: dict[str, str] = {
    "Aktivitäts-ID": "Activity ID",
    "Aktivitätsdatum": "Activity Date",
    "Aktivitätsname": "Activity Name",
    "Name der Aktivität": "Activity Name",
    "Aktivitätsart": "Activity Type",
    "Aktivitätstyp": "Activity Type",
    "Verstrichene Zeit": "Elapsed Time",
    "Distanz": "Distance",
    "Strecke": "Distance",
    "Dateiname": "Filename",
    "Bewegungszeit": "Moving Time",
    "Höhenzunahme": "Elevation Gain",
    "Höhenmeter bergauf": "Elevation Gain",
    "Maximale Herzfrequenz": "Max Heart Rate",
    "Max. Herzfrequenz": "Max Heart Rate",
    "Durchschnittliche Herzfrequenz": "Average Heart Rate",
    "Ø Herzfrequenz": "Average Heart Rate",
    "Durchschnittliche Trittfrequenz": "Average Cadence",
    "Relative Leistung": "Relative Effort",
    "Wahrgenommene Anstrengung": "Perceived Exertion",
}
_LANGUAGE_HINTS: dict[str, tuple[str, ...]] = {
    "German": ("aktivität", "datum", "distanz", "dateiname", "zeit"),
    "French": ("activité", "date de", "nom de", "durée", "fichier"),
    "Spanish": ("actividad", "fecha", "distancia", "archivo"),
    "Italian": ("attività", "data dell", "distanza"),
    "Dutch": ("activiteit", "afstand", "bestandsnaam"),
    "Portuguese": ("atividade", "data da", "arquivo"),
}
_GERMAN_MONTHS: dict[str, str] = {
    "januar": "Jan", "jan": "Jan", "februar": "Feb", "feb": "Feb", "märz": "Mar", "mär": "Mar",
    "maerz": "Mar", "april": "Apr", "apr": "Apr", "mai": "May", "juni": "Jun", "jun": "Jun",
    "juli": "Jul", "jul": "Jul", "august": "Aug", "aug": "Aug", "september": "Sep",
    "sept": "Sep", "sep": "Sep", "oktober": "Oct", "okt": "Oct", "november": "Nov",
    "nov": "Nov", "dezember": "Dec", "dez": "Dec",
}


def clean_header_cell(cell: str) -> str:
    """The visible text of a header cell: HTML tags removed, entities decoded, trimmed.

    ``<span class="translation_missing" title="...">Type</span>`` becomes ``Type``.
    """
    text = re.sub(r"<[^>]*>", "", cell.replace("\ufeff", ""))
    return " ".join(html.unescape(text).split())


def _language(header: list[str]) -> str:
    joined = " ".join(header).casefold()
    for language, hints in _LANGUAGE_HINTS.items():
        if sum(hint in joined for hint in hints) >= 2:
            return language
    return "a language other than English"


@dataclass(frozen=True)
class _Columns:
    """Column positions by (name, occurrence) of a cleaned, English header."""

    positions: dict[str, tuple[int, ...]]

    @classmethod
    def from_header(cls, header: list[str]) -> _Columns:
        found: dict[str, list[int]] = defaultdict(list)
        for index, name in enumerate(header):
            found[name].append(index)
        return cls({name: tuple(idx) for name, idx in found.items()})

    def get(self, row: list[str], name: str, occurrence: int = 0) -> str:
        idx = self.positions.get(name, ())
        if occurrence >= len(idx) or idx[occurrence] >= len(row):
            return ""
        return row[idx[occurrence]].strip()

    def count(self, name: str) -> int:
        return len(self.positions.get(name, ()))


# -- dates and numbers -------------------------------------------------------------------
_TEXT_FORMATS = (
    "%b %d %Y %I:%M:%S %p", "%b %d %Y %H:%M:%S", "%d %b %Y %I:%M:%S %p", "%d %b %Y %H:%M:%S",
    "%B %d %Y %I:%M:%S %p", "%B %d %Y %H:%M:%S", "%d %B %Y %H:%M:%S", "%d %B %Y %I:%M:%S %p",
    "%b %d %Y %I:%M %p", "%b %d %Y %H:%M", "%d %b %Y %H:%M",
)


def _english_months(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        return _GERMAN_MONTHS.get(match.group(0).casefold(), match.group(0))

    return re.sub(r"[^\W\d_]+", swap, text)


def numeric_order(values: list[str]) -> str:
    """``"dmy"`` or ``"mdy"`` for numeric dates such as ``06/10/2022``, decided per file.

    A first field above 12 proves day-first, a second field above 12 proves month-first;
    when no value decides, day-first (the order of most locales that write numeric dates).
    """
    for value in values:
        match = re.match(r"\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})", value)
        if match and int(match.group(1)) > 12:
            return "dmy"
        if match and int(match.group(2)) > 12:
            return "mdy"
    return "dmy"


def parse_export_date(text: str, order: str = "dmy") -> dt.datetime:
    """An ``Activity Date`` cell as an aware UTC datetime.

    Accepts Strava's English format (``Oct 6, 2022, 11:19:20 PM``), day-first English
    (``6 Oct 2022, 23:19:20``), ISO 8601, numeric dates (``06/10/2022 23:19:20`` or
    ``06.10.2022, 23:19:20``, ``order`` says day- or month-first) and German month names
    (``6. Okt. 2022, 23:19:20``). Raises ``ValueError`` when nothing matches.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("is empty")
    try:
        stamp = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        pass
    else:
        return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)
    cleaned = _english_months(raw)
    cleaned = re.sub(r"(?<=\d)\.(?=\s)|(?<=[^\W\d_])\.", "", cleaned)
    cleaned = " ".join(cleaned.replace(",", " ").replace(" um ", " ").split())
    numeric = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4}) (.+)", cleaned)
    if numeric:
        first, second, year, clock = numeric.groups()
        day, month = (first, second) if order == "dmy" else (second, first)
        cleaned = f"{int(day)} {dt.date(2000, int(month), 1):%b} {year} {clock}"
    for fmt in _TEXT_FORMATS:
        try:
            return dt.datetime.strptime(cleaned, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    raise ValueError("is not a date in a format Strava exports")


def _float(value: str, *, decimal_comma: bool) -> float | None:
    text = value.strip()
    if not text:
        return None
    if decimal_comma and "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number else None


# -- the activities table ----------------------------------------------------------------
@dataclass(frozen=True)
class ExportRow:
    """One row of ``activities.csv``: its record from the CSV and the file it refers to."""

    row_number: int
    activity_id: str
    record: ActivityRecord
    file_name: str | None


@dataclass(frozen=True)
class ExportTable:
    """``activities.csv`` read: usable rows, rejected rows (messages), warnings."""

    rows: tuple[ExportRow, ...]
    rejected: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    distance_unit: str = "km"


def is_export_csv(header: list[str]) -> bool:
    """Whether a CSV header is Strava's export ``activities.csv`` (English or mapped German)."""
    cleaned = [clean_header_cell(c) for c in header]
    return all(name in cleaned for name in ENGLISH_REQUIRED) or (
        "Aktivitäts-ID" in cleaned and "Aktivitätsdatum" in cleaned)


def _english_header(header: list[str], name: str) -> tuple[list[str], bool]:
    """Map the header to English names; return it and whether it was German."""
    if all(required in header for required in ENGLISH_REQUIRED):
        return header, False
    mapped = [GERMAN_HEADER.get(cell, cell) for cell in header]
    language = _language(header)
    if language == "German" and all(required in mapped for required in ENGLISH_REQUIRED):
        return mapped, True
    found = ", ".join(repr(c) for c in header[:3])
    raise UnsupportedFileError(
        name, f"activities.csv has a {language} header ({found}, ...) that loadwatch cannot "
        "map; change Strava's language to English (Settings > Display Preferences) and "
        "request the export again")


def _distance_unit(rows: list[list[str]], cols: _Columns, decimal_comma: bool) -> str:
    """``km`` or ``mi``: the unit of the first Distance column, from rows that have both."""
    for row in rows:
        shown = _float(cols.get(row, "Distance", 0), decimal_comma=decimal_comma)
        metres = _float(cols.get(row, "Distance", 1), decimal_comma=decimal_comma)
        if shown and metres and metres > 500:
            ratio = metres / shown
            if abs(ratio - METRES_PER_MILE) < abs(ratio - 1000.0):
                return "mi"
            return "km"
    return "km"


def read_activities_table(data: bytes, name: str, *,
                          timezone: str | None = None) -> ExportTable:
    """Read a Strava export ``activities.csv`` into rows ready to join with their files.

    Parameters
    ----------
    data
        The CSV's bytes.
    name
        Name of the input for messages (e.g. ``"export.zip:activities.csv"``).
    timezone
        Zone to assume for local times when nothing better is known (IANA name or offset);
        without it, rows without a file keep UTC as their local time.

    Raises
    ------
    UnsupportedFileError
        When the header is not an activities.csv loadwatch can map (the message says what to do).
    """
    text = decode_text(data, name)
    table = list(csv.reader(io.StringIO(text)))
    if not table or not any(cell.strip() for cell in table[0]):
        raise NoDataError(name, "activities.csv is empty; request the export from Strava again")
    header, german = _english_header([clean_header_cell(c) for c in table[0]], name)
    cols = _Columns.from_header(header)
    body = table[1:]
    decimal_comma = german
    unit = _distance_unit(body, cols, decimal_comma)
    order = numeric_order([cols.get(r, "Activity Date") for r in body[:200]])
    zone = parse_zone(timezone) if timezone else None
    rows: list[ExportRow] = []
    rejected: list[str] = []
    for number, row in enumerate(body, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            rows.append(_row(row, number, cols, unit, order, decimal_comma, zone))
        except ValueError as exc:
            rejected.append(f"{name} row {number}: {exc}")
    warnings = []
    if cols.count("Distance") == 1 and cols.count("Elapsed Time") <= 1:
        warnings.append(f"{name}: only one Distance column; taken as {unit}")
    return ExportTable(tuple(rows), tuple(rejected), tuple(warnings), unit)


def _row(row: list[str], number: int, cols: _Columns, unit: str, order: str,
         decimal_comma: bool, zone: tuple[dt.tzinfo, str] | None) -> ExportRow:
    def num(column: str, occurrence: int = 0) -> float | None:
        return _float(cols.get(row, column, occurrence), decimal_comma=decimal_comma)

    def first_of(*choices: tuple[str, int]) -> float | None:
        for column, occurrence in choices:
            value = num(column, occurrence)
            if value is not None:
                return value
        return None

    activity_id = cols.get(row, "Activity ID")
    if not re.fullmatch(r"\d+", activity_id):
        raise ValueError(f"Activity ID {activity_id!r} is not a number; the row is damaged, "
                         "request the export from Strava again")
    date_text = cols.get(row, "Activity Date")
    try:
        start_utc = parse_export_date(date_text, order)
    except ValueError as exc:
        raise ValueError(f"Activity Date {date_text!r} {exc}; set Strava's language to "
                         "English and request the export again") from None
    label = cols.get(row, "Activity Type") or cols.get(row, "Type") or "Workout"
    sport = sport_type_from_label(label)
    shown = num("Distance", 0)
    distance = first_of(("Distance", 1))
    if distance is None and shown is not None:
        distance = shown * (METRES_PER_MILE if unit == "mi" else 1000.0)
    cadence = num("Average Cadence")
    if cadence is not None and sport in FOOT_SPORTS:
        cadence *= 2
    elif sport not in FOOT_SPORTS:
        cadence = None
    file_name = cols.get(row, "Filename") or None
    if zone is None:
        local, zone_label = start_utc.replace(tzinfo=None), "UTC"
    else:
        local, zone_label = start_utc.astimezone(zone[0]).replace(tzinfo=None), zone[1]
    record = ActivityRecord(
        source="strava_export", source_id=activity_id, sport_type=sport,
        start_time_utc=start_utc, start_time_local=local, timezone=zone_label,
        distance_m=distance,
        moving_time_s=num("Moving Time"),
        elapsed_time_s=first_of(("Elapsed Time", 1), ("Elapsed Time", 0)),
        elevation_gain_m=num("Elevation Gain"),
        avg_heart_rate_bpm=num("Average Heart Rate"),
        max_heart_rate_bpm=first_of(("Max Heart Rate", 0), ("Max Heart Rate", 1)),
        avg_cadence_spm=cadence,
        perceived_exertion=num("Perceived Exertion"),
        relative_effort=first_of(("Relative Effort", 0), ("Relative Effort", 1)),
        name=cols.get(row, "Activity Name") or None,
        file_name=file_name,
        is_manual=file_name is None,
        extra={"export_row": number},
    )
    return ExportRow(number, activity_id, record, file_name)


# -- joining a row with its file -------------------------------------------------------------
def csv_only(row: ExportRow) -> ParsedActivity:
    """The activity of a row imported from ``activities.csv`` alone (no samples)."""
    return ParsedActivity(row.record, empty_streams())


def _file_offset(record: ActivityRecord) -> dt.timedelta | None:
    offset = record.start_time_local - record.start_time_utc.replace(tzinfo=None)
    if record.timezone == "UTC" and offset == dt.timedelta():
        return None
    return offset


def join_file(row: ExportRow, sessions: list[ParsedActivity]) -> ParsedActivity:
    """One activity from a CSV row and the sessions its file decoded to.

    The session starting closest to the CSV's start is kept (an export row is one activity).
    Strava's summary values from the CSV win where present (they are what Strava shows and
    what the API returns); the file fills the rest and brings its samples. The CSV's UTC start
    is kept; the local time is the CSV start shifted by the file's own UTC offset when the file
    has one, else the row's (zone given to the import, or UTC).
    """
    if not sessions:
        return csv_only(row)
    csv_record = row.record
    best = min(sessions, key=lambda s: abs(
        (s.record.start_time_utc - csv_record.start_time_utc).total_seconds()))
    file_record = best.record
    offset = _file_offset(file_record)
    if offset is None:
        local, zone = csv_record.start_time_local, csv_record.timezone
    else:
        local = csv_record.start_time_utc.replace(tzinfo=None) + offset
        zone = file_record.timezone
    merged: dict[str, object] = {}
    for key in ("distance_m", "moving_time_s", "elapsed_time_s", "elevation_gain_m",
                "avg_heart_rate_bpm", "max_heart_rate_bpm", "avg_cadence_spm",
                "perceived_exertion", "relative_effort"):
        value = getattr(csv_record, key)
        merged[key] = value if value is not None else getattr(file_record, key)
    extra = {**file_record.extra, **csv_record.extra}
    record = csv_record.with_changes(
        start_time_local=local, timezone=zone, device=file_record.device, is_manual=False,
        extra=extra, **merged)
    return ParsedActivity(record, best.streams)


# -- the archive -----------------------------------------------------------------------------
def _hostile_name(member: str) -> str | None:
    """Why a member name is unsafe, or None: traversal, absolute paths, drive letters."""
    normal = member.replace("\\", "/")
    if normal.startswith("/") or re.match(r"^[A-Za-z]:", normal):
        return "has an absolute path"
    if ".." in PurePosixPath(normal).parts:
        return "climbs out of the archive (../)"
    if "\x00" in normal:
        return "contains a NUL byte"
    return None


def check_zip_bomb(infos: list[zipfile.ZipInfo], name: str, limits: ZipLimits) -> None:
    """Refuse a zip whose declared sizes look like a zip bomb, before decompressing anything.

    Raises
    ------
    HostileInputError
        Total declared size above ``limits.max_total_bytes``, or a big member with a
        compression ratio above ``limits.max_ratio``.
    """
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_bytes:
        raise HostileInputError(
            name, f"declares {total / 1024**3:.1f} GB of uncompressed content, more than the "
            f"{limits.max_total_bytes / 1024**3:.1f} GB limit (a zip bomb?); nothing was "
            "decompressed. Import the activities/ folder of a genuine export instead")
    for info in infos:
        if info.file_size > limits.ratio_min_member_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise HostileInputError(
                    name, f"member {info.filename!r} expands {ratio:.0f}-fold "
                    f"({info.file_size / 1024**2:.0f} MB; limit {limits.max_ratio:.0f}-fold "
                    "for members over "
                    f"{limits.ratio_min_member_bytes / 1024**2:.0f} MB): a zip bomb? nothing was "
                    "decompressed")


@dataclass(frozen=True)
class ExportItem:
    """One activity of an export: its row, the file's bytes (if any) and what went wrong.

    ``data`` is None for manual rows and rows whose file is missing or unusable; ``problem``
    then says why (``None`` for manual rows).
    """

    row: ExportRow
    member: str | None
    data: bytes | None
    problem: InputError | None = None


@dataclass
class StravaExport:
    """An open Strava export (zip or folder). Use as a context manager.

    Attributes
    ----------
    name
        Display name of the input (the zip's or folder's name).
    athlete
        ``"First Last"`` from ``profile.csv`` when present, else None.
    table
        The parsed ``activities.csv``.
    hostile
        Messages for member names that were refused (path traversal, absolute paths).
    """

    name: str
    table: ExportTable
    athlete: str | None
    hostile: tuple[str, ...]
    _zip: zipfile.ZipFile | None = None
    _root: Path | None = None
    _members: dict[str, str] = field(default_factory=dict)
    _limits: ZipLimits = DEFAULT_LIMITS

    def __enter__(self) -> StravaExport:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def missing_files(self) -> list[str]:
        """File names referenced by ``activities.csv`` that the export does not contain."""
        return [row.file_name for row in self.table.rows
                if row.file_name and _key(row.file_name) not in self._members]

    def read_member(self, member: str) -> bytes:
        """The bytes of one member, read in place (never extracted)."""
        label = f"{self.name}:{member}"
        reason = _hostile_name(member)
        if reason:
            raise HostileInputError(label, f"file name {reason}; the entry was not read")
        actual = self._members.get(_key(member))
        if actual is None:
            raise NoDataError(label, "is referenced by activities.csv but missing from the "
                              "export; the activity is imported from activities.csv alone")
        if self._zip is not None:
            info = self._zip.getinfo(actual)
            self._check_size(label, info.file_size)
            with self._zip.open(info) as handle:
                data = handle.read(info.file_size + 1)
            if len(data) > info.file_size:
                raise HostileInputError(label, "holds more data than the zip declares; "
                                        "the export is damaged or forged")
            return data
        if self._root is None:
            raise InputError(label, "the export is closed")
        path = (self._root / actual).resolve()
        if not path.is_relative_to(self._root.resolve()):
            raise HostileInputError(label, "points outside the export folder; not read")
        self._check_size(label, path.stat().st_size)
        return path.read_bytes()

    def _check_size(self, label: str, size: int) -> None:
        if size > self._limits.max_member_bytes:
            raise HostileInputError(
                label, f"is {size / 1024**2:.0f} MB, more than the "
                f"{self._limits.max_member_bytes / 1024**2:.0f} MB an activity file can be; "
                "not read")

    def items(self) -> Iterator[ExportItem]:
        """Each row of ``activities.csv`` with its file's bytes, in file order, lazily."""
        for row in self.table.rows:
            if row.file_name is None:
                yield ExportItem(row, None, None)
                continue
            try:
                data = self.read_member(row.file_name)
            except InputError as exc:
                yield ExportItem(row, row.file_name, None, exc)
                continue
            yield ExportItem(row, row.file_name, data)


def _key(member: str) -> str:
    """Lookup key of a member name: forward slashes, no leading ./, case kept."""
    normal = member.replace("\\", "/")
    while normal.startswith("./"):
        normal = normal[2:]
    return normal


def _strip_top_folder(names: list[str]) -> str:
    """The folder prefix when every member sits in one top folder (``export_123/...``)."""
    csv_names = [n for n in names if n.rsplit("/", 1)[-1] == ACTIVITIES_CSV]
    if not csv_names:
        return ""
    shortest = min(csv_names, key=len)
    return shortest[: -len(ACTIVITIES_CSV)]


def _profile_name(data: bytes) -> str | None:
    try:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error):
        return None
    if not rows:
        return None
    first = (rows[0].get("First Name") or rows[0].get("Vorname") or "").strip()
    last = (rows[0].get("Last Name") or rows[0].get("Nachname") or "").strip()
    return " ".join(part for part in (first, last) if part) or None


def open_export(path: Path, *, limits: ZipLimits = DEFAULT_LIMITS,
                timezone: str | None = None, label: str | None = None) -> StravaExport:
    """Open a Strava export zip or unpacked folder and read its ``activities.csv``.

    ``label`` names the export in messages (default: the file or folder name); members are
    named ``<label>:<member>``.

    Raises
    ------
    HostileInputError
        The zip looks like a zip bomb (nothing is decompressed).
    UnsupportedFileError
        Not a zip, or no ``activities.csv`` (the message says what the export should hold).
    """
    name = label or path.name
    if path.is_dir():
        return _open_folder(path, timezone, name)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsupportedFileError(
            name, f"is not a readable zip ({exc}); download the export from Strava again") from None
    try:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        check_zip_bomb(infos, name, limits)
        hostile: list[str] = []
        members: dict[str, str] = {}
        for info in infos:
            reason = _hostile_name(info.filename)
            if reason:
                hostile.append(f"{name}:{info.filename}: entry name {reason}; refused "
                               "(nothing is ever extracted)")
                continue
            members[_key(info.filename)] = info.filename
        prefix = _strip_top_folder(list(members))
        if prefix:
            members = {k[len(prefix):]: v for k, v in members.items() if k.startswith(prefix)}
        if ACTIVITIES_CSV not in members:
            raise UnsupportedFileError(
                name, "has no activities.csv, so it is not a Strava bulk export; request it "
                "from Strava (Settings > My Account > Download or Delete Your Account) or "
                "import the activity files themselves")
        export = StravaExport(name=name, table=ExportTable(()), athlete=None,
                              hostile=tuple(hostile), _zip=archive, _members=members,
                              _limits=limits)
        table = read_activities_table(export.read_member(ACTIVITIES_CSV),
                                      f"{name}:{ACTIVITIES_CSV}", timezone=timezone)
        athlete = (_profile_name(export.read_member(PROFILE_CSV))
                   if PROFILE_CSV in members else None)
        export.table, export.athlete = table, athlete
        return export
    except BaseException:
        archive.close()
        raise


def _open_folder(root: Path, timezone: str | None, name: str) -> StravaExport:
    if not (root / ACTIVITIES_CSV).is_file():
        raise UnsupportedFileError(name, "has no activities.csv, so it is not an unpacked "
                                   "Strava export")
    resolved = root.resolve()
    members: dict[str, str] = {}
    for path in sorted(resolved.rglob("*")):
        if path.is_file() and path.resolve().is_relative_to(resolved):
            relative = path.relative_to(resolved).as_posix()
            members[relative] = relative
    export = StravaExport(name=name, table=ExportTable(()), athlete=None, hostile=(),
                          _root=resolved, _members=members)
    export.table = read_activities_table(export.read_member(ACTIVITIES_CSV),
                                         f"{name}:{ACTIVITIES_CSV}", timezone=timezone)
    if PROFILE_CSV in members:
        export.athlete = _profile_name(export.read_member(PROFILE_CSV))
    return export


def is_export(path: Path) -> bool:
    """Whether ``path`` is a Strava export: a folder with activities.csv, or a zip holding one."""
    if path.is_dir():
        return (path / ACTIVITIES_CSV).is_file()
    if not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return any(n.rsplit("/", 1)[-1] == ACTIVITIES_CSV for n in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def read_export(path: Path, *, limits: ZipLimits = DEFAULT_LIMITS,
                timezone: str | None = None) -> Iterator[ExportItem]:
    """Iterate over the activities of an export (see :func:`open_export`), closing it after."""
    with open_export(path, limits=limits, timezone=timezone) as export:
        yield from export.items()

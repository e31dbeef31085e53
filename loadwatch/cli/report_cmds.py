"""``loadwatch report``: the clinician's pre-injury report as a PDF or HTML file.

``loadwatch report --athlete A --onset DATE --out FILE.pdf|FILE.html [--weeks 8] [--injury ID]``

The onset comes from ``--onset`` or from an injury record (``--injury`` takes the id that
``loadwatch log injury`` printed, or its first characters). The file is written whole or not
at all (a temporary file beside it is renamed into place) and, being health data, readable by
its owner only. When Strava's display rule hides runs from the reader (server mode), the report
says how many near its top, and the command says so on stderr. A coach's or clinician's report
is recorded in the audit log as a ``report`` (with its format and window).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

from etl.errors import AccessDenied
from etl.store import Store, log
from etl.store.access import hidden_runs_notice, hidden_strava_runs
from loadwatch.analysis import UnknownAthleteError, analyse, athlete_names
from loadwatch.cli.common import EXIT_OK, UsageError, open_store, parse_date
from risk import symptom_codes as S
from risk.errors import SettingsError
from risk.review import Review, pre_injury_review

FORMATS: dict[str, str] = {".pdf": "pdf", ".html": "html", ".htm": "html"}
MIN_ID_PREFIX = 6


def output_format(path: Path) -> str:
    """``pdf`` or ``html`` from the file name; a usage error for anything else."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"--out {str(path)!r}: cannot tell the format from the name; end it in "
                         ".pdf or .html")
    if not path.parent.is_dir():
        raise UsageError(f"--out {str(path)!r}: the folder {str(path.parent)!r} does not exist; "
                         "create it or write elsewhere")
    return fmt


def injury_label(row: pd.Series) -> str:
    """An injury record in words: region, side, diagnosis, days lost."""
    region = S.INJURY_REGIONS.get(str(row[S.INJURY_REGION]),
                                  str(row[S.INJURY_REGION]).replace("_", " "))
    side = row.get(S.BODY_SIDE)
    text = f"{region} ({S.SIDES.get(str(side), str(side))})" if isinstance(side, str) else region
    if row.get(S.CLINICIAN_DIAGNOSIS):
        text += f"; diagnosis: {row[S.CLINICIAN_DIAGNOSIS]}"
    days_lost = row.get(S.DAYS_LOST)
    if days_lost is not None and not pd.isna(days_lost):
        text += f"; {int(days_lost)} days of running lost"
    return f"{text} [record {str(row[S.ENTRY_UID])[:8]}]"


def find_injury(store: Store, athlete: str, wanted: str) -> pd.Series:
    """The athlete's current injury record whose id is, or starts with, ``wanted``."""
    records = log.injuries(store, athlete)
    if len(wanted) < MIN_ID_PREFIX:
        raise UsageError(f"--injury {wanted!r} is too short; give at least {MIN_ID_PREFIX} "
                         "characters of the id (`loadwatch log list --kind injuries` shows them)")
    found = records[records[S.ENTRY_UID].astype(str).str.startswith(wanted.lower())]
    if len(found) != 1:
        known = ", ".join(f"{uid[:8]} (onset {onset})" for uid, onset in zip(
            records[S.ENTRY_UID].astype(str), records[S.INJURY_ONSET_DATE], strict=True))
        problem = "matches several records" if len(found) > 1 else "is not an injury record"
        raise UsageError(f"--injury {wanted!r} {problem} of {athlete!r} (records: "
                         f"{known or 'none'}); give the id `loadwatch log list --kind injuries` "
                         "shows")
    return found.iloc[0]


def _onset(args: argparse.Namespace, injury: pd.Series | None) -> dt.date:
    given = parse_date(args.onset, "--onset")
    if injury is not None:
        recorded = pd.Timestamp(injury[S.INJURY_ONSET_DATE]).date()
        if given is not None and given != recorded:
            raise UsageError(f"--onset {given} differs from the injury record's onset "
                             f"{recorded}; leave --onset out or pick the matching record")
        return recorded
    if given is None:
        raise UsageError("give --onset YYYY-MM-DD (or --injury ID for an injury record)")
    if given > dt.date.today():
        raise UsageError(f"--onset {given} is in the future; give the day the pain started")
    return given


def build_review(store: Store, athlete: str, onset: dt.date, weeks: int,
                 injury: pd.Series | None = None) -> Review:
    """The review of ``athlete``'s ``weeks`` before ``onset``, from the store."""
    start = onset - dt.timedelta(days=7 * weeks - 1)
    analysis = analyse(store, [athlete], until=onset)
    known = store.athletes()
    synthetic = bool(known.loc[known["athlete"] == athlete, "is_synthetic"].astype(bool).any())
    return pre_injury_review(
        analysis, athlete, onset, weeks,
        symptoms=log.symptoms(store, athlete, since=start, until=onset),
        wellness=log.wellness(store, athlete, since=start, until=onset),
        is_synthetic=synthetic,
        injury_label=injury_label(injury) if injury is not None else "")


def write_private(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` whole or not at all, readable by its owner only."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def run_report(args: argparse.Namespace) -> int:
    from dashboard.report import make_report

    out = Path(args.out)
    fmt = output_format(out)
    if args.weeks < 2:
        raise UsageError(f"--weeks {args.weeks}: a review compares two halves; give 2 or more")
    store = open_store(args)
    try:
        (athlete,) = athlete_names(store, [args.athlete])
    except UnknownAthleteError as exc:
        raise UsageError(str(exc)) from None
    if not store.authorize(store.ids_of([athlete]), "reports"):
        raise AccessDenied(f"you may not make reports of {athlete!r}; ask the athlete for a "
                           "clinician's grant")
    injury = find_injury(store, athlete, args.injury) if args.injury else None
    onset = _onset(args, injury)
    try:
        review = build_review(store, athlete, onset, args.weeks, injury)
    except SettingsError as exc:
        raise UsageError(str(exc)) from None
    if review.daily.empty:
        sys.stderr.write(f"loadwatch: {athlete!r} has no training data between {review.start} "
                         f"and {onset}; the report says so\n")
    hidden = hidden_runs_notice(hidden_strava_runs(store, athlete))
    if hidden:
        sys.stderr.write(f"loadwatch: {hidden} The report says so too.\n")
    content = make_report(store, review, "pdf" if fmt == "pdf" else "html")
    write_private(out, content)
    sys.stderr.write(f"wrote {out} ({fmt.upper()}, {len(content) / 1e3:,.0f} kB): "
                     f"{athlete}, {review.start} to {onset}, {len(review.flags)} flags\n")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report", help="the clinician's pre-injury report (PDF or HTML)",
        description="The weeks before an injury or any onset date: timeline of load, ACWR "
        "(context), flags, pain and wellness; what changed; the flags with their evidence. "
        "Not a medical device; not a diagnosis.")
    parser.add_argument("--athlete", required=True, metavar="NAME", help="whose report")
    parser.add_argument("--onset", metavar="DATE",
                        help="day the pain or injury started (YYYY-MM-DD); optional with "
                        "--injury")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="where to write: FILE.pdf or FILE.html (self-contained)")
    parser.add_argument("--weeks", type=int, default=8, metavar="N",
                        help="weeks before the onset to review (default 8)")
    parser.add_argument("--injury", metavar="ID",
                        help="an injury record's id (or its first characters): its onset and "
                        "description head the report")
    parser.set_defaults(func=run_report)

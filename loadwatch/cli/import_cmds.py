"""``loadwatch import PATH...`` and ``loadwatch activities``.

``import`` takes activity files (.fit, .gpx, .tcx, also .gz), Strava export zips or folders,
activities or symptoms CSVs and folders of them. It draws a progress bar on stderr, prints a
summary line on stdout and one line per rejected file or row on stderr. Exit codes: 0 all
stored, 1 some inputs rejected (the rest stored), 2 usage error (e.g. a path does not exist).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from etl.activities_csv import parse_zone
from etl.importer import ImportReport, import_paths
from loadwatch import columns as C
from loadwatch.cli.common import (
    EXIT_OK,
    EXIT_PARTIAL,
    UsageError,
    add_format,
    emit,
    open_store,
    parse_date,
)

TABLE_COLUMNS: tuple[str, ...] = (
    C.ACTIVITY_ID, C.ATHLETE, C.LOCAL_DATE, C.SPORT_TYPE, C.NAME, C.DISTANCE_M,
    C.MOVING_TIME_S, C.ELEVATION_GAIN_M, C.AVG_HEART_RATE_BPM, C.PERCEIVED_EXERTION, C.SOURCE,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import", help="import activity files, Strava exports and CSVs",
        description="Import .fit/.gpx/.tcx files (also .gz), Strava bulk exports (the zip or "
        "its folder), activities or symptoms CSVs, or folders of them. Importing the same "
        "thing twice changes nothing.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files, zips or folders")
    parser.add_argument("--athlete", metavar="NAME",
                        help="whose activities these are (default: the name in the export's "
                        "profile.csv, else 'me')")
    parser.add_argument("--timezone", metavar="ZONE",
                        help="local zone (e.g. Europe/Berlin) for activities whose files carry "
                        "no UTC offset (GPX/TCX in Strava exports, CSV rows without timezone)")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="decoding processes (default: all cores)")
    parser.set_defaults(func=run_import)

    listing = subparsers.add_parser("activities", help="list stored activities",
                                    description="List stored activities.")
    listing.add_argument("--athlete", metavar="NAME", help="only this athlete")
    listing.add_argument("--since", metavar="DATE", help="from this local date (YYYY-MM-DD)")
    listing.add_argument("--until", metavar="DATE", help="up to this local date (YYYY-MM-DD)")
    add_format(listing)
    listing.set_defaults(func=run_activities)


class ProgressBar:
    """A progress bar on a text stream: redrawn in place on a terminal, else a line per 10 %."""

    def __init__(self, stream: TextIO, label: str = "importing", width: int = 30) -> None:
        self.stream, self.label, self.width = stream, label, width
        self.tty = stream.isatty()
        self.last_step = -1
        self.drawn = False

    def __call__(self, done: int, total: int, current: str) -> None:
        if self.tty:
            filled = int(self.width * done / max(total, 1))
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
                              f"{done}/{total}")
            self.stream.flush()
            self.drawn = True
            return
        step = int(10 * done / max(total, 1))
        if step != self.last_step:
            self.last_step = step
            self.stream.write(f"{self.label}: {done}/{total}\n")

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.drawn = False


def summary(report: ImportReport) -> str:
    """One line of totals, e.g. ``imported 12, updated 0, duplicates 3, rejected 1``."""
    return (f"imported {report.imported}, updated {report.updated}, duplicates "
            f"{report.duplicates}, rejected {report.rejected}")


def run_import(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"{', '.join(missing)}: no such file or folder; check the path")
    if args.timezone:
        try:
            parse_zone(args.timezone)
        except ValueError as exc:
            raise UsageError(f"--timezone {exc}") from None
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be 1 or more")
    if args.athlete is not None and not args.athlete.strip():
        raise UsageError("--athlete needs a name")
    store = open_store(args)
    bar = ProgressBar(sys.stderr)
    try:
        report = import_paths(store, paths, args.athlete, bar, workers=args.workers,
                              timezone=args.timezone)
    finally:
        bar.finish()
    for warning in report.warnings:
        sys.stderr.write(f"warning: {warning}\n")
    for message in report.messages:
        sys.stderr.write(f"rejected: {message}\n")
    for item in report.inputs:
        sys.stdout.write(f"{item.name} ({item.kind}, athlete {item.athlete or '-'}): "
                         f"imported {item.imported}, updated {item.updated}, duplicates "
                         f"{item.duplicates}, rejected {item.rejected}\n")
    sys.stdout.write(f"total: {summary(report)}\n")
    return EXIT_OK if report.ok else EXIT_PARTIAL


def run_activities(args: argparse.Namespace) -> int:
    since = parse_date(args.since, "--since")
    until = parse_date(args.until, "--until")
    store = open_store(args)
    if args.athlete is not None:
        known = store.athletes()["athlete"].tolist()
        if args.athlete not in known and not store.ids_of([args.athlete]):
            listed = ", ".join(known) if known else "none yet; run loadwatch import first"
            raise UsageError(f"--athlete {args.athlete!r} is not in the store (athletes: "
                             f"{listed})")
    frame = store.activities(args.athlete, since=since, until=until)
    if args.format == "table":
        frame = frame[list(TABLE_COLUMNS)]
    emit(frame, args.format)
    return EXIT_OK

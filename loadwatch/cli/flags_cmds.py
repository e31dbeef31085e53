"""``loadwatch flags``: flag records, and ``--explain`` for the evidence behind them."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

import pandas as pd

from loadwatch.analysis import UnknownAthleteError, analyse, athlete_names, risk_overrides
from loadwatch.cli.common import (
    EXIT_OK,
    UsageError,
    add_athletes_and_period,
    add_format,
    emit,
    open_store,
    parse_date,
)
from risk.errors import SettingsError
from risk.evidence import EVIDENCE, explain
from risk.evidence_clinical import CLINICAL_KIND_EVIDENCE
from risk.evidence_load import KIND_EVIDENCE
from risk.flag import FLAG_COLUMNS, KINDS
from risk.review import FLAG_EVIDENCE_GRADE
from risk.settings import describe_settings, settings_for

EXPLAIN_COLUMNS: tuple[str, ...] = ("evidence_key", "grade", "title", "citation", "doi",
                                    "summary")
TABLE_COLUMNS: tuple[str, ...] = ("athlete", "local_date", "kind", "severity", "category",
                                  FLAG_EVIDENCE_GRADE, "message")


def flag_rows(flags: pd.DataFrame, fmt: str) -> pd.DataFrame:
    """Flag records with the evidence grade of each, cut to the table columns for ``table``."""
    frame = flags.reindex(columns=list(FLAG_COLUMNS)).copy()
    frame["activity_id"] = pd.to_numeric(frame["activity_id"], errors="coerce").astype("Int64")
    frame[FLAG_EVIDENCE_GRADE] = [EVIDENCE[k].grade if k in EVIDENCE else ""
                                  for k in frame["evidence_key"]]
    if fmt == "table":
        return frame.reindex(columns=list(TABLE_COLUMNS))
    return frame


def explain_rows(key: str | None) -> pd.DataFrame:
    """One row per evidence key: ``key`` itself, the keys of a flag kind, or all of them."""
    by_kind = KIND_EVIDENCE | CLINICAL_KIND_EVIDENCE
    if key and key in by_kind and key not in EVIDENCE:
        entries = [explain(k) for k in by_kind[key]]
    elif key:
        try:
            entries = [explain(key)]
        except KeyError:
            raise UsageError(f"no evidence key {key!r}; run `loadwatch flags --explain` to list "
                             "the keys") from None
    else:
        entries = [EVIDENCE[k] for k in sorted(EVIDENCE)]
    return pd.DataFrame([{"evidence_key": e.key, "grade": e.grade, "title": e.title,
                          "citation": e.citation, "doi": e.doi, "summary": e.summary}
                         for e in entries], columns=list(EXPLAIN_COLUMNS))


def _print_one(row: pd.Series) -> None:
    out = sys.stdout
    out.write(f"{row['evidence_key']}: {row['title']}\n")
    out.write(f"evidence grade: {row['grade']}\n")
    out.write(f"citation: {row['citation']}\n")
    if row["doi"]:
        out.write(f"doi: {row['doi']} (https://doi.org/{row['doi']})\n")
    out.write(f"{row['summary']}\n")


def settings_rows(args: argparse.Namespace) -> pd.DataFrame:
    """Every threshold per athlete, with the overrides kept in the athlete's settings."""
    store = open_store(args)
    try:
        names = athlete_names(store, args.athlete or None)
        overrides = risk_overrides(store, names)
        frames = [describe_settings(settings_for(name, None, overrides)).assign(athlete=name)
                  for name in names]
    except (SettingsError, UnknownAthleteError) as exc:
        raise UsageError(str(exc)) from None
    if not frames:
        return describe_settings().assign(athlete="")
    frame = pd.concat(frames, ignore_index=True)
    return frame[["athlete", *[c for c in frame.columns if c != "athlete"]]]


def run_flags(args: argparse.Namespace) -> int:
    if args.settings:
        rows = settings_rows(args)
        if args.format == "table":
            rows = rows[["athlete", "setting", "value", "default", "unit", "is_overridden",
                         "overridden_by", "override_reason"]]
        emit(rows, args.format)
        return EXIT_OK
    if args.explain is not None:
        rows = explain_rows(args.explain)
        if args.format == "table" and args.explain:
            for _, row in rows.iterrows():
                _print_one(row)
        elif args.format == "table":
            emit(rows[["evidence_key", "grade", "title"]], "table")
        else:
            emit(rows, args.format)
        return EXIT_OK
    since = parse_date(args.since, "--since")
    until = parse_date(args.until, "--until") or dt.date.today()
    if since is not None and since > until:
        raise UsageError(f"--since {since} is after --until {until}; swap them")
    store = open_store(args)
    try:
        analysis = analyse(store, args.athlete or None, since=since, until=until)
    except (SettingsError, UnknownAthleteError) as exc:
        raise UsageError(str(exc)) from None
    flags = analysis.flags
    if args.kind:
        flags = flags[flags["kind"].isin(args.kind)]
    if flags.empty:
        sys.stderr.write("loadwatch: no flags in this period\n")
    emit(flag_rows(flags, args.format), args.format)
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "flags", help="flags (spikes, recovery, overstride, data gaps, symptoms) with evidence",
        description="One row per flag: athlete, day, kind, severity, value and threshold, a "
        "plain-language message, advice and the evidence key (see --explain). Hints, not a "
        "diagnosis; not a medical device.")
    add_athletes_and_period(parser)
    parser.add_argument("--kind", action="append", choices=KINDS, metavar="KIND",
                        help=f"only this kind (repeatable): {', '.join(KINDS)}")
    parser.add_argument("--explain", nargs="?", const="", metavar="KEY",
                        help="print the citation and evidence grade of KEY (an evidence key or a "
                        "flag kind); without KEY list every key with its grade")
    parser.add_argument("--settings", action="store_true",
                        help="list every threshold with its source, and which are overridden "
                        "for the athlete, by whom and why")
    add_format(parser)
    parser.set_defaults(func=run_flags)

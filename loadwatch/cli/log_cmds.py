"""``loadwatch log``: symptoms, wellness, injuries, VISA-H and RPE; export, history, hints.

A thin shell over :mod:`etl.store.log` (entries), :mod:`etl.log_csv` (export, templates) and
:func:`loadwatch.analysis.analyse` (triage hints). After a symptom entry is saved its triage
hints are printed: prompts to see the right clinician, never a diagnosis.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from etl import log_csv
from etl.errors import InputError
from etl.store import Store, log
from loadwatch.cli.common import EXIT_OK, UsageError, add_format, emit, open_store, parse_date
from risk import symptom_codes as S
from risk.visa_h import ITEM_TOPICS, visa_h_trend

DISCLAIMER = "Not a medical device; not a diagnosis."
KIND_CHOICES = ("symptoms", "wellness", "injuries", "visa_h", "rpe")


def _day(text: str | None, option: str = "--date") -> dt.date:
    return parse_date(text, option) or dt.date.today()


def _athlete(args: argparse.Namespace) -> str:
    name = (args.athlete or "").strip()
    if not name:
        raise UsageError("say whose entry this is with --athlete NAME")
    return name


def _save(args: argparse.Namespace, store: Store, entry: log.Entry) -> log.Saved:
    by = getattr(args, "by", None)
    if getattr(args, "edit", None):
        return log.edit(store, args.edit, entry, entered_by=by)
    return log.add(store, _athlete(args), entry, entered_by=by)


#: The option of each entry field whose name differs from the field's.
OPTIONS: dict[str, str] = {
    S.PAIN_AT_REST_NRS: "--rest", S.PAIN_DURING_RUN_NRS: "--during",
    S.PAIN_AFTER_1H_NRS: "--after", S.PAIN_NEXT_MORNING_NRS: "--morning",
    S.PAIN_LOCATIONS: "--location", S.BODY_SIDE: "--side", S.PAIN_RADIATES: "--radiates",
    S.PAIN_CHARACTER: "--character", S.PAIN_AGGRAVATORS: "--aggravator",
    S.SIT_TOLERANCE_MIN: "--sit-tolerance", S.PAIN_ONSET: "--onset", S.PAIN_TIMING: "--timing",
    S.NEURO_FLAGS_COL: "--neuro", S.SYSTEMIC_FLAGS_COL: "--systemic",
    S.BONE_RISK_CONTEXT_COL: "--bone-risk", S.ACUTE_SIGNS_COL: "--sign",
    "local_date": "--date", S.INJURY_ONSET_DATE: "--onset", S.INJURY_REGION: "--region",
    S.INJURY_RESOLVED_DATE: "--resolved", S.DAYS_LOST: "--days-lost",
    S.VISA_H_ITEMS: "--items",
}


def _built(build: Callable[[], log.Entry]) -> log.Entry:
    try:
        return build()
    except InputError as exc:
        option = OPTIONS.get(exc.source, "--" + exc.source.split("_")[0])
        raise UsageError(f"{option}: {exc.reason}") from None


def _print_hints(store: Store, athlete: str, saved: log.Saved, day: dt.date) -> None:
    from loadwatch.analysis import analyse

    hints = analyse(store, [athlete], since=day, until=day).hints
    mine = hints[hints[S.ENTRY_UID] == saved.entry_uid]
    for row in mine.to_dict(orient="records"):
        label = "RED FLAG " if row["is_red_flag"] else ""
        print(f"{label}[{row['hint_category']}] {row['hint_prompt']}")
        print(f"    because you logged: {row['hint_reasons']}")
    if not mine.empty:
        print(DISCLAIMER)


def run_symptom(args: argparse.Namespace) -> int:
    day = _day(args.date)
    entry = _built(lambda: log.SymptomEntry(
        local_date=day, pain_at_rest_nrs=args.rest, pain_during_run_nrs=args.during,
        pain_after_1h_nrs=args.after, pain_next_morning_nrs=args.morning,
        pain_locations=tuple(args.location), body_side=args.side, pain_radiates=args.radiates,
        pain_character=tuple(args.character), pain_aggravators=tuple(args.aggravator),
        sit_tolerance_min=args.sit_tolerance, pain_onset=args.onset,
        pain_timing=tuple(args.timing), neuro_flags=tuple(args.neuro),
        systemic_flags=tuple(args.systemic), bone_risk_context=tuple(args.bone_risk),
        acute_signs=tuple(args.sign), activity_id=args.activity, log_note=args.note))
    if all(getattr(args, n) is None for n in ("rest", "during", "after", "morning")) \
            and not args.location and not args.neuro:
        raise UsageError("give at least one pain score (--rest/--during/--after/--morning), "
                         "a --location or a --neuro sign")
    store = open_store(args)
    saved = _save(args, store, entry)
    athlete = str(log.history(store, "symptoms", entry_uid=saved.entry_uid)["athlete"].iloc[0])
    print(f"stored symptom entry {saved.entry_uid} for {athlete} on {day}")
    _print_hints(store, athlete, saved, day)
    return EXIT_OK


def run_wellness(args: argparse.Namespace) -> int:
    day = _day(args.date)
    entry = _built(lambda: log.WellnessEntry(day, args.sleep, args.fatigue, args.stress,
                                             args.soreness, args.note))
    saved = _save(args, open_store(args), entry)
    print(f"stored wellness entry {saved.entry_uid} on {day} "
          f"(Hooper index {args.sleep + args.fatigue + args.stress + args.soreness})")
    return EXIT_OK


def run_injury(args: argparse.Namespace) -> int:
    onset = _day(args.onset, "--onset")
    resolved = parse_date(args.resolved, "--resolved")
    entry = _built(lambda: log.InjuryRecord(onset, args.region, args.side, args.diagnosis,
                                            args.days_lost, resolved, args.note))
    saved = _save(args, open_store(args), entry)
    print(f"stored injury record {saved.entry_uid} (onset {onset}, {args.region})")
    return EXIT_OK


def _items(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise UsageError(f"--items {text!r}: give the 8 item scores as whole numbers separated "
                         "by commas, e.g. 5,6,7,4,3,8,4,12") from None


def run_visa_h(args: argparse.Namespace) -> int:
    day = _day(args.date)
    items = _items(args.items)
    entry = _built(lambda: log.VisaHEntry(day, items, args.branch.upper(), args.note))
    saved = _save(args, open_store(args), entry)
    print(f"stored VISA-H {sum(items)}/100 ({saved.entry_uid}) on {day}")
    return EXIT_OK


def run_rpe(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        log.set_rpe(store, args.activity, args.rpe, entered_by=args.by, note=args.note)
    except InputError as exc:
        raise UsageError(f"--rpe: {exc.reason}") from None
    print(f"stored RPE {args.rpe:g} for activity {args.activity}")
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    store = open_store(args)
    data = log_csv.export_log_csv(store, args.kind, args.athlete,
                                  since=parse_date(args.since, "--since"),
                                  until=parse_date(args.until, "--until"))
    if args.out:
        Path(args.out).write_bytes(data)
        sys.stderr.write(f"wrote {args.out}\n")
    else:
        sys.stdout.write(data.decode("utf-8"))
    return EXIT_OK


def run_template(args: argparse.Namespace) -> int:
    sys.stdout.write(log_csv.template_bytes(args.kind).decode("utf-8"))
    return EXIT_OK


def _display(frame: pd.DataFrame, fmt: str) -> pd.DataFrame:
    out = frame.copy()
    for name in (*S.MULTI_CHOICE, S.VISA_H_ITEMS):
        if name in out.columns:
            out[name] = out[name].map(lambda v: ";".join(map(str, v)))
    if fmt == "table":
        out = out.drop(columns=[c for c in ("entered_at",) if c in out.columns])
        out = out.dropna(axis=1, how="all")
    return out


def run_list(args: argparse.Namespace) -> int:
    store = open_store(args)
    frame = log.current(store, args.kind, args.athlete, since=parse_date(args.since, "--since"),
                        until=parse_date(args.until, "--until"))
    if args.kind == "visa_h" and not frame.empty:
        frame = visa_h_trend(frame)
    emit(_display(frame, args.format), args.format)
    return EXIT_OK


def run_history(args: argparse.Namespace) -> int:
    store = open_store(args)
    frame = log.history(store, args.kind, athlete=args.athlete, entry_uid=args.entry)
    emit(_display(frame, args.format), args.format)
    return EXIT_OK


def run_hints(args: argparse.Namespace) -> int:
    from loadwatch.analysis import UnknownAthleteError, analyse

    store = open_store(args)
    try:
        hints = analyse(store, args.athlete or None,
                        since=parse_date(args.since, "--since"),
                        until=parse_date(args.until, "--until")).hints
    except UnknownAthleteError as exc:
        raise UsageError(str(exc)) from None
    emit(hints, args.format)
    if args.format == "table":
        sys.stderr.write(DISCLAIMER + "\n")
    return EXIT_OK


def run_questions(args: argparse.Namespace) -> int:
    print("VISA-H items (topics only: take the wording and scoring bands from your own copy "
          "of Cacchio et al. 2014):")
    for topic in ITEM_TOPICS:
        print(f"  {topic}")
    return EXIT_OK


def _codes_help(vocabulary: dict[str, str]) -> str:
    return ", ".join(vocabulary)


def _entry_options(parser: argparse.ArgumentParser, *, editable: bool = True) -> None:
    parser.add_argument("--athlete", metavar="NAME", help="whose entry (created when new)")
    parser.add_argument("--by", metavar="WHO",
                        help="who enters it (default: the signed-in user, 'local' locally)")
    parser.add_argument("--note", default="", help="free-text note")
    if editable:
        parser.add_argument("--edit", metavar="ENTRY",
                            help="store this as a new version of entry ENTRY (history is kept)")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = subparsers.add_parser(
        "log", help="symptoms, wellness, injuries, VISA-H and RPE",
        description="Log symptoms, wellness, injuries, VISA-H scores and session RPE; export "
        f"them as CSV; see every version of an entry. {DISCLAIMER}")
    commands = group.add_subparsers(dest="log_command", metavar="WHAT", required=True)

    symptom = commands.add_parser("symptom", help="log pain and symptoms (then see triage hints)")
    _entry_options(symptom)
    symptom.add_argument("--date", metavar="DATE", help="day of the symptoms (default: today)")
    for flag, name in (("--rest", "pain now, at rest"), ("--during", "pain during the run"),
                       ("--after", "pain one hour after"),
                       ("--morning", "pain and stiffness the next morning")):
        symptom.add_argument(flag, type=float, metavar="0-10", help=f"{name} (0-10)")
    symptom.add_argument("--location", action="append", default=[], metavar="CODE",
                         help=f"where (repeatable): {_codes_help(S.LOCATIONS)}")
    symptom.add_argument("--side", choices=tuple(S.SIDES))
    symptom.add_argument("--radiates", choices=tuple(S.RADIATES))
    symptom.add_argument("--character", action="append", default=[], metavar="CODE",
                         help=f"what it feels like: {_codes_help(S.CHARACTERS)}")
    symptom.add_argument("--aggravator", action="append", default=[], metavar="CODE",
                         help=f"what makes it worse: {_codes_help(S.AGGRAVATORS)}")
    symptom.add_argument("--sit-tolerance", type=float, metavar="MIN",
                         help="minutes of sitting before the pain starts")
    symptom.add_argument("--onset", choices=tuple(S.ONSETS))
    symptom.add_argument("--timing", action="append", default=[], metavar="CODE",
                         help=f"when: {_codes_help(S.TIMINGS)}")
    symptom.add_argument("--neuro", action="append", default=[], metavar="CODE",
                         help=f"neurological signs: {_codes_help(S.NEURO_FLAGS)}")
    symptom.add_argument("--systemic", action="append", default=[], metavar="CODE",
                         help=f"whole-body signs: {_codes_help(S.SYSTEMIC_FLAGS)}")
    symptom.add_argument("--bone-risk", action="append", default=[], metavar="CODE",
                         help=f"bone-stress context: {_codes_help(S.BONE_RISK_CONTEXT)}")
    symptom.add_argument("--sign", action="append", default=[], metavar="CODE",
                         help=f"signs after a sudden onset: {_codes_help(S.ACUTE_SIGNS)}")
    symptom.add_argument("--activity", type=int, metavar="ID", help="the run it is about")
    symptom.set_defaults(func=run_symptom)

    wellness = commands.add_parser("wellness", help="log the morning Hooper items (1-7)")
    _entry_options(wellness)
    wellness.add_argument("--date", metavar="DATE", help="day (default: today)")
    for flag, name in (("--sleep", "sleep quality"), ("--fatigue", "fatigue"),
                       ("--stress", "stress"), ("--soreness", "muscle soreness")):
        wellness.add_argument(flag, type=int, required=True, metavar="1-7",
                              help=f"{name}: 1 very, very good/low ... 7 very, very bad/high")
    wellness.set_defaults(func=run_wellness)

    injury = commands.add_parser("injury", help="record an injury (onset, region, time lost)")
    _entry_options(injury)
    injury.add_argument("--onset", metavar="DATE", required=True, help="day it began")
    injury.add_argument("--region", required=True, choices=tuple(S.INJURY_REGIONS))
    injury.add_argument("--side", choices=tuple(S.SIDES))
    injury.add_argument("--diagnosis", default="", help="the clinician's diagnosis, if known")
    injury.add_argument("--days-lost", type=int, metavar="N", help="days of running lost")
    injury.add_argument("--resolved", metavar="DATE", help="day it resolved")
    injury.set_defaults(func=run_injury)

    visa = commands.add_parser("visa-h", help="record a VISA-H score (8 items)")
    _entry_options(visa)
    visa.add_argument("--date", metavar="DATE", help="day (default: today)")
    visa.add_argument("--items", required=True, metavar="I1,...,I8",
                      help="item scores: 1-6 0-10, 7 one of 0/4/7/10, 8 per its branch")
    visa.add_argument("--branch", required=True, choices=("A", "B", "C", "a", "b", "c"),
                      help="item 8 branch: A no pain (max 30), B pain but completed (max 20), "
                      "C pain stops training (max 10)")
    visa.set_defaults(func=run_visa_h)

    questions = commands.add_parser("visa-h-items", help="list the VISA-H item topics")
    questions.set_defaults(func=run_questions)

    rpe = commands.add_parser("rpe", help="give a session's RPE (CR-10)")
    rpe.add_argument("--activity", type=int, required=True, metavar="ID")
    rpe.add_argument("--rpe", type=float, required=True, metavar="0-10")
    rpe.add_argument("--by", metavar="WHO")
    rpe.add_argument("--note", default="")
    rpe.set_defaults(func=run_rpe)

    export = commands.add_parser("export", help="write entries as CSV (the import format)")
    export.add_argument("--kind", required=True, choices=tuple(log_csv.COLUMNS))
    export.add_argument("--athlete", metavar="NAME")
    export.add_argument("--since", metavar="DATE")
    export.add_argument("--until", metavar="DATE")
    export.add_argument("--out", metavar="FILE", help="file to write (default: stdout)")
    export.set_defaults(func=run_export)

    template = commands.add_parser("template", help="print a CSV template")
    template.add_argument("--kind", required=True, choices=tuple(log_csv.COLUMNS))
    template.set_defaults(func=run_template)

    listing = commands.add_parser(
        "list", help="current entries (VISA-H with its change since the previous score, "
        "10 points or more marked)")
    listing.add_argument("--kind", required=True, choices=KIND_CHOICES)
    listing.add_argument("--athlete", metavar="NAME")
    listing.add_argument("--since", metavar="DATE")
    listing.add_argument("--until", metavar="DATE")
    add_format(listing)
    listing.set_defaults(func=run_list)

    history = commands.add_parser("history", help="every version of the entries, with who/when")
    history.add_argument("--kind", required=True, choices=KIND_CHOICES)
    history.add_argument("--athlete", metavar="NAME")
    history.add_argument("--entry", metavar="ENTRY", help="one entry's versions")
    add_format(history)
    history.set_defaults(func=run_history)

    hints = commands.add_parser("hints", help="triage hints of the logged symptoms")
    hints.add_argument("--athlete", action="append", metavar="NAME")
    hints.add_argument("--since", metavar="DATE")
    hints.add_argument("--until", metavar="DATE")
    add_format(hints)
    hints.set_defaults(func=run_hints)


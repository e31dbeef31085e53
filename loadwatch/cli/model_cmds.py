"""``loadwatch model evaluate|train|score``: the injury-risk model (issue 7).

* ``evaluate --lovdal-day PATH [--lovdal-week PATH]``: the Lövdal et al. 2021 benchmark under
  the authors' protocol and a stricter athlete-grouped cross-validation.
* ``train --lovdal-day PATH --out MODEL``: a model on the published data, saved signed.
* ``score --model MODEL --lovdal-day PATH --out SCORES.csv``: one probability per input row.
* ``train`` without ``--lovdal-*``: the squad model from the store (injuries from the log),
  evaluated against the bar of :mod:`risk.model.squad`; the dashboard shows its score only
  when the bar is cleared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from etl.csv_safety import neutralise_frame
from etl.model_store import (
    FileIdentity,
    ModelFileRejected,
    load_model,
    read_lovdal,
    save_model,
    squad_model_path,
)
from loadwatch.cli.common import EXIT_OK, EXIT_USAGE, UsageError, emit, open_store
from risk.model.estimators import ModelSettings, TooFewEventsError, calibrated_bagged_model
from risk.model.lovdal import (
    ATHLETE_COLUMN,
    DATE_COLUMN,
    LABEL_DEFINITION,
    Approach,
    LovdalData,
)
from risk.model.metrics import METRIC_NAMES
from risk.model.protocols import ProtocolResult, authors_protocol, grouped_cv_protocol

PAPER_AUC = {"day": 0.724, "week": 0.678}
PROBABILITY = "probability"


def _settings(args: argparse.Namespace) -> ModelSettings:
    base = ModelSettings()
    chosen = {"n_bags": args.bags, "max_iter": args.iterations,
              "repetitions": args.repetitions, "cv_folds": args.folds, "n_boot": args.boot,
              "seed": args.seed}
    return replace(base, **{k: v for k, v in chosen.items() if v is not None})


def _add_settings(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("model settings (defaults: the authors' 9 bags, 5 runs)")
    group.add_argument("--bags", type=int, help="balanced bags (default 9)")
    group.add_argument("--iterations", type=int, help="boosting iterations per bag (100)")
    group.add_argument("--repetitions", type=int, help="runs of the authors' protocol (5)")
    group.add_argument("--folds", type=int, help="athlete-grouped folds (5)")
    group.add_argument("--boot", type=int, help="bootstrap replicates per interval (200)")
    group.add_argument("--seed", type=int, help="random seed (0)")


def _lovdal_inputs(args: argparse.Namespace) -> list[tuple[Approach, Path]]:
    given: list[tuple[Approach, Path]] = []
    if args.lovdal_day:
        given.append(("day", Path(args.lovdal_day)))
    if getattr(args, "lovdal_week", None):
        given.append(("week", Path(args.lovdal_week)))
    return given


def _report_identity(identity: FileIdentity) -> None:
    sys.stderr.write(f"{identity.path}: {identity.size_bytes:,} bytes, git blob "
                     f"{identity.git_blob}; {identity.note}\n")


def _result_row(approach: str, result: ProtocolResult, identity: FileIdentity) -> dict[str, Any]:
    ev = result.evaluation
    row: dict[str, Any] = {
        "approach": approach, "protocol": result.protocol,
        "mean_run_auc": result.mean_run_auc,
        "paper_auc": PAPER_AUC[approach] if result.protocol == "authors" else None,
        "prevalence": ev.prevalence, "n_rows": ev.n_rows, "n_events": ev.n_events,
        "n_athletes": ev.n_athletes, "n_boot": ev.n_boot}
    for name in METRIC_NAMES:
        est = ev.metrics[name]
        row[name], row[f"{name}_low"], row[f"{name}_high"] = est.value, est.low, est.high
    row.update({"file_git_blob": identity.git_blob, "file_is_genuine": identity.genuine,
                "description": result.description})
    return row


def _table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    def ci(row: dict[str, Any], name: str) -> str:
        return f"{row[name]:.3f} ({row[name + '_low']:.3f}-{row[name + '_high']:.3f})"

    return pd.DataFrame([{
        "approach": r["approach"], "protocol": r["protocol"],
        "mean_run_auc": f"{r['mean_run_auc']:.3f}",
        "paper_auc": "" if r["paper_auc"] is None else f"{r['paper_auc']:.3f}",
        "roc_auc (95% CI)": ci(r, "roc_auc"),
        "pr_auc (95% CI)": ci(r, "pr_auc"),
        "prevalence": f"{r['prevalence']:.4f}",
        "brier (95% CI)": ci(r, "brier"),
        "cal_slope (95% CI)": ci(r, "calibration_slope"),
        "cal_intercept (95% CI)": ci(r, "calibration_intercept"),
        "events/athletes": f"{r['n_events']}/{r['n_athletes']}",
    } for r in rows])


def evaluate_cmd(args: argparse.Namespace) -> int:
    inputs = _lovdal_inputs(args)
    if not inputs:
        raise UsageError("give --lovdal-day PATH and/or --lovdal-week PATH (the CSVs of "
                         "doi:10.34894/UWU9PV); the squad model is evaluated by "
                         "`loadwatch model train`")
    settings = _settings(args)
    rows = []
    for approach, path in inputs:
        data, identity = read_lovdal(path, approach)
        _report_identity(identity)
        for run in (authors_protocol, grouped_cv_protocol):
            sys.stderr.write(f"{approach}: running the {run.__name__.replace('_', ' ')}...\n")
            try:
                result = run(data, settings)
            except TooFewEventsError as exc:
                raise UsageError(f"{path}: {exc}") from None
            rows.append(_result_row(approach, result, identity))
    if args.format == "table":
        emit(_table(rows), "table")
        sys.stdout.write("Intervals: 95 % athlete-clustered bootstrap. mean_run_auc: mean test "
                         "AUC over runs (authors) or folds (grouped CV).\n")
    else:
        emit(pd.DataFrame(rows), args.format)
    return EXIT_OK


def _data_summary(data: LovdalData, identity: FileIdentity) -> dict[str, Any]:
    return {"file_sha256": identity.sha256, "file_git_blob": identity.git_blob,
            "file_is_genuine": identity.genuine, "file_size_bytes": identity.size_bytes,
            "date_first": int(data.date.min()), "date_last": int(data.date.max()),
            "date_unit": "days relative to the first record of the data set",
            "n_rows": len(data.date), "n_events": data.n_events,
            "n_athletes": len(np.unique(data.athlete))}


def _train_lovdal(args: argparse.Namespace) -> int:
    inputs = _lovdal_inputs(args)
    if len(inputs) != 1:
        raise UsageError("train one model at a time: give --lovdal-day PATH or "
                         "--lovdal-week PATH")
    if not args.out:
        raise UsageError("give --out MODEL, the file to write the model to")
    approach, path = inputs[0]
    settings = _settings(args)
    data, identity = read_lovdal(path, approach)
    _report_identity(identity)
    label = data.label if data.label is not None else np.zeros(0, dtype=int)
    try:
        sys.stderr.write(f"{approach}: athlete-grouped cross-validation of the model...\n")
        evaluation = grouped_cv_protocol(data, settings)
        model = make_pipeline(StandardScaler(),
                              calibrated_bagged_model(settings, label, data.athlete,
                                                      settings.seed))
        model.fit(data.features.to_numpy(dtype=float), label)
    except TooFewEventsError as exc:
        raise UsageError(f"{path}: {exc}") from None
    metadata = {
        "trained_at_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data": _data_summary(data, identity), "approach": approach,
        "features": list(data.features.columns), "label_definition": LABEL_DEFINITION,
        "settings": settings.__dict__,
        "evaluation": {"protocol": evaluation.description, "mean_fold_auc":
                       evaluation.mean_run_auc, **evaluation.evaluation.as_dict()},
    }
    out = save_model(Path(args.out), model, kind=f"lovdal-{approach}", metadata=metadata)
    ev = evaluation.evaluation
    sys.stdout.write(
        f"saved the {approach}-approach model to {out}\n"
        f"athlete-grouped CV: ROC-AUC {ev.metrics['roc_auc'].text()}, PR-AUC "
        f"{ev.metrics['pr_auc'].text()} (prevalence {ev.prevalence:.4f}), Brier "
        f"{ev.metrics['brier'].text(4)}, calibration slope "
        f"{ev.metrics['calibration_slope'].text(2)}\n")
    return EXIT_OK


def train_cmd(args: argparse.Namespace) -> int:
    if _lovdal_inputs(args):
        return _train_lovdal(args)
    return _train_squad(args, _settings(args))


def score_cmd(args: argparse.Namespace) -> int:
    inputs = _lovdal_inputs(args)
    if len(inputs) != 1:
        raise UsageError("give the rows to score with --lovdal-day PATH or --lovdal-week PATH")
    approach, path = inputs[0]
    try:
        loaded = load_model(Path(args.model), expect_kind="lovdal")
    except ModelFileRejected as exc:
        sys.stderr.write(f"loadwatch: {exc}\n")
        return EXIT_USAGE
    trained = loaded.metadata.get("approach")
    if trained != approach:
        raise UsageError(f"{args.model} was trained on the {trained} approach; score a "
                         f"{trained}-approach file (--lovdal-{trained})")
    data, identity = read_lovdal(path, approach, require_label=False)
    _report_identity(identity)
    features = list(loaded.metadata["features"])
    missing = [c for c in features if c not in data.features.columns]
    if missing:
        raise UsageError(f"{path}: lacks the model's feature column(s) {missing[:5]}")
    model: Pipeline = loaded.estimator
    prob = model.predict_proba(data.features[features].to_numpy(dtype=float))[:, 1]
    scores = pd.DataFrame({ATHLETE_COLUMN: data.athlete, DATE_COLUMN: data.date,
                           PROBABILITY: prob})
    out = Path(args.out)
    neutralise_frame(scores).to_csv(out, index=False)
    sys.stdout.write(f"wrote {len(scores)} scores to {out}\n")
    return EXIT_OK


def _add_lovdal(parser: argparse.ArgumentParser, *, week: bool = True) -> None:
    parser.add_argument("--lovdal-day", metavar="PATH",
                        help="day_approach_maskedID_timeseries.csv (doi:10.34894/UWU9PV)")
    if week:
        parser.add_argument("--lovdal-week", metavar="PATH",
                            help="week_approach_maskedID_timeseries.csv")


def register(subparsers: Any) -> None:
    model = subparsers.add_parser("model", help="injury-risk model: evaluate, train, score")
    commands = model.add_subparsers(dest="model_command", metavar="SUBCOMMAND", required=True)

    evaluate = commands.add_parser(
        "evaluate", help="the Lövdal et al. 2021 benchmark: authors' protocol and "
        "athlete-grouped cross-validation")
    _add_lovdal(evaluate)
    evaluate.add_argument("--format", choices=("table", "json", "csv"), default="table")
    _add_settings(evaluate)
    evaluate.set_defaults(func=evaluate_cmd)

    train = commands.add_parser(
        "train", help="train on a Lövdal file (--lovdal-*) or, without it, the squad model "
        "from the store")
    _add_lovdal(train)
    train.add_argument("--out", metavar="MODEL",
                       help="model file to write (squad default: in the data directory)")
    train.add_argument("--format", choices=("table", "json"), default="table")
    _add_settings(train)
    train.set_defaults(func=train_cmd)

    score = commands.add_parser("score", help="probabilities for the rows of a Lövdal file")
    score.add_argument("--model", required=True, metavar="MODEL")
    _add_lovdal(score)
    score.add_argument("--out", required=True, metavar="SCORES.csv")
    score.set_defaults(func=score_cmd)


def _train_squad(args: argparse.Namespace, settings: ModelSettings) -> int:
    """The squad model from the store: analyse, label from the injury log, evaluate, save."""
    from etl.store import log
    from loadwatch.analysis import analyse
    from risk.model.squad import squad_dataset, train_squad

    store = open_store(args)
    sys.stderr.write("analysing the stored training...\n")
    result = analyse(store)
    injuries = log.injuries(store)
    data = squad_dataset(result.daily, result.flags, injuries)
    sys.stderr.write(f"{len(data.label)} at-risk athlete-days, {data.n_injuries} injury "
                     f"onset(s) in {data.n_injured_athletes} athlete(s); evaluating...\n")
    model = train_squad(data, settings)
    out = Path(args.out) if args.out else squad_model_path(store.url)
    save_model(out, model.estimator, kind="squad", metadata=model.metadata())
    if args.format == "json":
        json.dump({"model_file": str(out), "shown": model.shown, "reasons": list(model.reasons),
                   **{k: v for k, v in model.card.items() if k != "settings"}},
                  sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
        return EXIT_OK
    sys.stdout.write(f"saved the squad model to {out}\n")
    for name, figures in model.card.get("evaluation", {}).items():
        if figures:
            sys.stdout.write(
                f"{name}: ROC-AUC {figures['roc_auc']:.3f}, PR-AUC {figures['pr_auc']:.3f} "
                f"({figures['pr_auc_low']:.3f}-{figures['pr_auc_high']:.3f}; prevalence "
                f"{figures['prevalence']:.4f}), calibration slope "
                f"{figures['calibration_slope']:.2f}\n")
    if model.shown:
        sys.stdout.write("the evaluation clears the bar: the dashboard shows the model score "
                         "beside the flags\n")
    else:
        sys.stdout.write("the dashboard shows flags only, because:\n")
        for reason in model.reasons:
            sys.stdout.write(f"  - {reason}\n")
    return EXIT_OK

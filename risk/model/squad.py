"""The squad model: injury onset within 7 days from lagged daily load and flags.

Framing (SCIENCE.md section 8.3): the unit is an athlete-day ``t``; features use data up to the
end of day ``t-1`` only (every daily column is shifted by one day; flag counts cover days
``t-7 .. t-1``); the label is an injury onset on days ``t .. t+6``. Days spent injured are not
at risk and are left out, from the onset to the return (resolved date, else onset + days
lost, else the end of the data) plus a washout of 28 days; so are the first 28 days of each
athlete's history (no chronic load yet; Dijkhuis et al. 2020) and the last days whose label
window runs past the data.

Evaluation: athlete-grouped cross-validation and a forward-in-time split (train on the days
before a cut-off, test on the days after it). A model score is shown only when the evaluation
clears :class:`ShowBar` (a product rule, evidence grade D): enough injuries, calibrated, and
PR-AUC above the prevalence with its interval. Otherwise the product shows flags only and says
why (:func:`model_status`).

References
----------
Lövdal SS, den Hartigh RJR, Azzopardi G. Int J Sports Physiol Perform 2021;16(10):1522-1531.
doi:10.1123/ijspp.2020-0518
Dijkhuis et al. 2020: first 4 weeks and 4 weeks after recovery excluded (SCIENCE.md section 0).
Bullock GS et al. Just how confident can we be in predicting sports injuries? Sports Med
2022;52(10):2469-2482. doi:10.1007/s40279-022-01698-9
Riley RD et al. Calculating the sample size required for developing a clinical prediction
model. BMJ 2020;368:m441. doi:10.1136/bmj.m441
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from loadwatch import columns as C
from loadwatch.columns import GLOSSARY, define
from risk.errors import FrameContractError
from risk.flag import KINDS
from risk.model.estimators import (
    ModelSettings,
    TooFewEventsError,
    bag_interval,
    fit_calibrated,
    grouped_splits,
)
from risk.model.metrics import Evaluation, evaluate

HORIZON_DAYS = 7
WASHOUT_DAYS = 28
WARMUP_DAYS = 28
FLAG_WINDOW_DAYS = 7
TOP_FEATURES = 3

#: Daily-frame columns used as features (when present), each taken from day t-1.
DAILY_FEATURES: tuple[str, ...] = (
    "distance_km", "duration_min", "elevation_gain_m", "up_vert_m", "time_above_threshold_min",
    "srpe_au", "trimp_au", "longest_run_km", "total_duration_min", "run_count",
    "acute_load", "chronic_load_uncoupled", "acwr_uncoupled", "acwr_ewma", "ctl", "atl", "tsb",
    "monotony", "strain", "week_distance_km", "week_change_pct",
)


def _flag_column(kind: str) -> str:
    name = f"{kind}_flags_7d_count"
    if name not in GLOSSARY:
        define(name, "count", f"{kind} flags on the 7 days before the day (t-7..t-1)",
               "risk.model.squad")
    return name


FLAG_FEATURES: tuple[str, ...] = tuple(_flag_column(k) for k in KINDS)
IS_AT_RISK = define("is_at_risk", "bool", "athlete-day eligible for the injury model (not "
                    "injured, past washout and warm-up, label window observed)",
                    "risk.model.squad")
IS_INJURY_ONSET_NEXT_7D = define("is_injury_onset_next_7d", "bool",
                                 "an injury began on this day or one of the 6 days after it",
                                 "risk.model.squad")
INJURY_PROBABILITY = define("injury_probability_frac", "fraction",
                            "calibrated probability of an injury onset within 7 days",
                            "risk.model.squad")
LABEL_DEFINITION = ("injury onset (logged injury_onset_date) on day t..t+6; features up to "
                    "the end of day t-1; injured days, a 28-day washout after return and the "
                    "first 28 days of history excluded")


@dataclass(frozen=True)
class ShowBar:
    """What the evaluation must show before a model score is shown (heuristic, grade D).

    Attributes
    ----------
    min_injuries : int
        Injury onsets among at-risk days (with ~1-2 % prevalence, fewer than ~30 events give
        intervals too wide to act on; cf. Riley et al. 2020).
    min_injured_athletes : int
        Athletes with at least one onset (grouped folds need events in several athletes).
    slope_range : tuple of float
        Calibration slope of the grouped evaluation.
    max_abs_intercept : float
        Calibration-in-the-large (logit units) of the grouped evaluation.
    """

    min_injuries: int = 30
    min_injured_athletes: int = 10
    slope_range: tuple[float, float] = (0.7, 1.3)
    max_abs_intercept: float = 0.5


@dataclass(frozen=True)
class SquadData:
    """At-risk athlete-days with lagged features and the 7-day onset label."""

    features: pd.DataFrame
    label: np.ndarray
    athlete: np.ndarray
    local_date: np.ndarray
    n_injuries: int
    n_injured_athletes: int


def _days(values: Any) -> pd.Series:
    return pd.to_datetime(pd.Series(values), errors="coerce").dt.normalize()


def lagged_features(daily: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Feature rows for every daily row: values of day ``t-1``, flag counts of ``t-7..t-1``.

    Parameters
    ----------
    daily : DataFrame
        :func:`risk.daily.daily_frame` with context metrics, continuous days per athlete.
    flags : DataFrame
        :func:`risk.flag.flags_frame`.

    Returns
    -------
    DataFrame
        ``athlete``, ``local_date`` and the feature columns (NaN where the past is unknown).
    """
    for name in (C.ATHLETE, C.LOCAL_DATE):
        if name not in daily.columns:
            raise FrameContractError(f"daily frame lacks {name!r}; build it with "
                                     "risk.daily.daily_frame")
    frame = daily.copy()
    frame["_day"] = _days(frame[C.LOCAL_DATE]).to_numpy()
    frame = frame.sort_values([C.ATHLETE, "_day"], kind="stable").reset_index(drop=True)
    out = pd.DataFrame({C.ATHLETE: frame[C.ATHLETE].astype(str),
                        C.LOCAL_DATE: frame["_day"]})
    for name in DAILY_FEATURES:
        if name in frame.columns:
            values = pd.to_numeric(frame[name], errors="coerce").astype(float)
            out[name] = values.groupby(frame[C.ATHLETE], sort=False).shift(1)
    counts = pd.DataFrame(0.0, index=frame.index, columns=list(KINDS))
    if not flags.empty:
        keyed = flags.assign(_day=_days(flags[C.LOCAL_DATE]).to_numpy())
        table = keyed.groupby([C.ATHLETE, "_day", "kind"]).size().unstack("kind", fill_value=0)
        index = pd.MultiIndex.from_arrays([frame[C.ATHLETE].astype(str), frame["_day"]])
        table.index = pd.MultiIndex.from_arrays(
            [table.index.get_level_values(0).astype(str), table.index.get_level_values(1)])
        aligned = table.reindex(index).fillna(0.0)
        for kind in KINDS:
            if kind in aligned.columns:
                counts[kind] = aligned[kind].to_numpy(dtype=float)
    for kind, name in zip(KINDS, FLAG_FEATURES, strict=True):
        rolling = counts[kind].groupby(frame[C.ATHLETE], sort=False).transform(
            lambda s: s.rolling(FLAG_WINDOW_DAYS, min_periods=1).sum().shift(1))
        out[name] = rolling.fillna(0.0)
    return out


def squad_dataset(daily: pd.DataFrame, flags: pd.DataFrame, injuries: pd.DataFrame, *,
                  horizon_days: int = HORIZON_DAYS, washout_days: int = WASHOUT_DAYS,
                  warmup_days: int = WARMUP_DAYS) -> SquadData:
    """At-risk athlete-days with features and labels (see module notes).

    Parameters
    ----------
    daily, flags
        As for :func:`lagged_features`.
    injuries : DataFrame
        ``etl.store.log.injuries`` rows: ``athlete``, ``injury_onset_date``, optional
        ``injury_resolved_date`` and ``days_lost``.
    """
    rows = lagged_features(daily, flags)
    status = mark_at_risk(rows[[C.ATHLETE, C.LOCAL_DATE]], injuries, horizon_days=horizon_days,
                          washout_days=washout_days, warmup_days=warmup_days)
    keep = status[IS_AT_RISK].to_numpy()
    label = status[IS_INJURY_ONSET_NEXT_7D].to_numpy()[keep].astype(int)
    feature_columns = [c for c in rows.columns if c not in (C.ATHLETE, C.LOCAL_DATE)]
    athletes = rows[C.ATHLETE].to_numpy()[keep]
    onsets = _onsets(injuries)
    kept_days = set(zip(athletes, rows[C.LOCAL_DATE].to_numpy()[keep], strict=True))
    counted = [(a, d) for a, d in onsets if any(
        (a, d - np.timedelta64(k, "D")) in kept_days for k in range(horizon_days))]
    return SquadData(
        features=rows.loc[keep, feature_columns].reset_index(drop=True),
        label=label, athlete=athletes, local_date=rows[C.LOCAL_DATE].to_numpy()[keep],
        n_injuries=len(counted), n_injured_athletes=len({a for a, _ in counted}))


def _onsets(injuries: pd.DataFrame) -> list[tuple[str, np.datetime64]]:
    if injuries.empty:
        return []
    days = _days(injuries["injury_onset_date"])
    return [(str(a), np.datetime64(d, "ns")) for a, d in
            zip(injuries[C.ATHLETE], days, strict=True) if pd.notna(d)]


def mark_at_risk(days: pd.DataFrame, injuries: pd.DataFrame, *, horizon_days: int = HORIZON_DAYS,
                 washout_days: int = WASHOUT_DAYS, warmup_days: int = WARMUP_DAYS
                 ) -> pd.DataFrame:
    """``is_at_risk`` and ``is_injury_onset_next_7d`` for ``athlete``/``local_date`` rows."""
    out = days[[C.ATHLETE, C.LOCAL_DATE]].copy()
    day = _days(out[C.LOCAL_DATE])
    out[C.LOCAL_DATE] = day.to_numpy()
    first = day.groupby(out[C.ATHLETE]).transform("min")
    last = day.groupby(out[C.ATHLETE]).transform("max")
    at_risk = (day - first).dt.days >= warmup_days
    label = pd.Series(False, index=out.index)
    horizon = pd.Timedelta(days=horizon_days - 1)
    if not injuries.empty:
        onset = _days(injuries["injury_onset_date"])
        resolved = (_days(injuries["injury_resolved_date"])
                    if "injury_resolved_date" in injuries.columns
                    else pd.Series(pd.NaT, index=injuries.index))
        lost = (pd.to_numeric(injuries["days_lost"], errors="coerce")
                if "days_lost" in injuries.columns else pd.Series(np.nan, index=injuries.index))
        for who, start, back, days_lost in zip(injuries[C.ATHLETE].astype(str), onset,
                                               resolved, lost, strict=True):
            if pd.isna(start):
                continue
            mine = out[C.ATHLETE].astype(str) == who
            label |= mine & (day <= start) & (day >= start - horizon)
            if pd.notna(back):
                end = back + pd.Timedelta(days=washout_days)
            elif pd.notna(days_lost):
                end = start + pd.Timedelta(days=float(days_lost) + washout_days)
            else:
                end = pd.Timestamp.max
            at_risk &= ~(mine & (day >= start) & (day <= end))
    at_risk &= label | (day + horizon <= last)
    out[IS_AT_RISK] = at_risk.to_numpy()
    out[IS_INJURY_ONSET_NEXT_7D] = label.to_numpy()
    return out


def check_bar(data: SquadData, grouped: Evaluation | None, forward: Evaluation | None,
              bar: ShowBar, problems: dict[str, str] | None = None) -> tuple[str, ...]:
    """Why the model may not be shown (empty when it clears ``bar``).

    ``problems`` maps ``"grouped"``/``"forward"`` to why that evaluation could not run.
    """
    problems = problems or {}
    reasons = []
    if data.n_injuries < bar.min_injuries:
        reasons.append(f"only {data.n_injuries} injury onset(s) logged on at-risk days; the bar "
                       f"is {bar.min_injuries}")
    if data.n_injured_athletes < bar.min_injured_athletes:
        reasons.append(f"injuries in {data.n_injured_athletes} athlete(s); the bar is "
                       f"{bar.min_injured_athletes}")
    for key, name, ev in (("grouped", "athlete-grouped", grouped),
                          ("forward", "forward-in-time", forward)):
        if ev is None:
            why = problems.get(key, "fewer than 2 injury events")
            reasons.append(f"no {name} evaluation was possible ({why})")
            continue
        pr = ev.metrics["pr_auc"]
        if not pr.low > ev.prevalence:
            reasons.append(f"{name} PR-AUC {pr.text()} does not clear the prevalence "
                           f"{ev.prevalence:.3f} with its interval")
    if grouped is not None:
        slope = grouped.metrics["calibration_slope"].value
        intercept = grouped.metrics["calibration_intercept"].value
        low, high = bar.slope_range
        if not low <= slope <= high:
            reasons.append(f"calibration slope {slope:.2f} outside {low}-{high}")
        if not abs(intercept) <= bar.max_abs_intercept:
            reasons.append(f"calibration intercept {intercept:.2f} beyond "
                           f"±{bar.max_abs_intercept}")
    return tuple(reasons)


@dataclass(frozen=True)
class SquadModel:
    """A trained (or declined) squad model with what the product needs to show it or not.

    ``estimator`` is None when there were too few injuries to fit one; ``reasons`` lists why
    the score is not shown (empty: shown).
    """

    estimator: Any
    features: tuple[str, ...]
    medians: dict[str, float]
    reasons: tuple[str, ...]
    card: dict[str, Any] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return self.estimator is not None and not self.reasons

    def metadata(self) -> dict[str, Any]:
        """JSON-ready description for the model file header."""
        return {"features": list(self.features), "medians": self.medians,
                "reasons": list(self.reasons), "card": self.card}

    @classmethod
    def from_saved(cls, estimator: Any, metadata: dict[str, Any]) -> SquadModel:
        """Rebuild from a loaded file (:mod:`risk.model.persistence`)."""
        return cls(estimator, tuple(metadata["features"]), dict(metadata["medians"]),
                   tuple(metadata["reasons"]), dict(metadata.get("card", {})))


def _grouped_eval(data: SquadData, settings: ModelSettings) -> Evaluation:
    values = data.features.to_numpy(dtype=float)
    prob = np.full(len(data.label), np.nan)
    for fold, (train, test) in enumerate(
            grouped_splits(data.label, data.athlete, settings.cv_folds, settings.seed)):
        model = fit_calibrated(values[train], data.label[train], data.athlete[train], settings,
                               settings.seed + fold)
        prob[test] = model.predict_proba(values[test])[:, 1]
    return evaluate(data.label, prob, data.athlete, n_boot=settings.n_boot, seed=settings.seed)


def forward_split(local_date: np.ndarray, horizon_days: int = HORIZON_DAYS,
                  share: float = 0.7) -> tuple[np.ndarray, np.ndarray]:
    """Train rows (label window ends before the cut-off) and test rows (on or after it)."""
    days = pd.to_datetime(pd.Series(local_date)).to_numpy()
    cutoff = np.quantile(days.astype("datetime64[D]").astype(np.int64), share)
    day_number = days.astype("datetime64[D]").astype(np.int64)
    train = day_number + horizon_days - 1 < cutoff
    return np.flatnonzero(train), np.flatnonzero(day_number >= cutoff)


def _forward_eval(data: SquadData, settings: ModelSettings) -> Evaluation:
    train, test = forward_split(data.local_date)
    values = data.features.to_numpy(dtype=float)
    if data.label[train].sum() == 0 or data.label[test].sum() == 0:
        raise TooFewEventsError("no injury onset on one side of the forward-in-time cut-off")
    model = fit_calibrated(values[train], data.label[train], data.athlete[train], settings,
                           settings.seed)
    prob = model.predict_proba(values[test])[:, 1]
    return evaluate(data.label[test], prob, data.athlete[test], n_boot=settings.n_boot,
                    seed=settings.seed)


def train_squad(data: SquadData, settings: ModelSettings | None = None,
                bar: ShowBar | None = None) -> SquadModel:
    """Evaluate (grouped and forward), check the bar, and fit on all at-risk days.

    Never raises for too few injuries: the returned model then carries the reasons (and no
    estimator when no fold could be fitted), which is what the dashboard shows.
    """
    settings = settings or ModelSettings()
    bar = bar or ShowBar()
    evaluations: dict[str, Evaluation | None] = {}
    problems: dict[str, str] = {}
    for name, run in (("grouped", _grouped_eval), ("forward", _forward_eval)):
        try:
            evaluations[name] = run(data, settings) if data.label.sum() >= 2 else None
        except (TooFewEventsError, ValueError) as exc:
            evaluations[name], problems[name] = None, str(exc)
    reasons = check_bar(data, evaluations["grouped"], evaluations["forward"], bar, problems)
    estimator = None
    if data.label.sum() >= 2 and len(np.unique(data.athlete[data.label == 1])) >= 2:
        try:
            estimator = fit_calibrated(data.features.to_numpy(dtype=float), data.label,
                                       data.athlete, settings, settings.seed)
        except (TooFewEventsError, ValueError) as exc:
            problems["final"] = str(exc)
    medians = {str(c): float(v) if pd.notna(v) else 0.0
               for c, v in data.features.median().items()}
    card = {
        "label_definition": LABEL_DEFINITION, "horizon_days": HORIZON_DAYS,
        "washout_days": WASHOUT_DAYS, "n_rows": len(data.label),
        "n_events": int(data.label.sum()), "n_injuries": data.n_injuries,
        "n_injured_athletes": data.n_injured_athletes,
        "n_athletes": len(np.unique(data.athlete)),
        "date_first": str(pd.Timestamp(data.local_date.min()).date()) if len(data.label) else None,
        "date_last": str(pd.Timestamp(data.local_date.max()).date()) if len(data.label) else None,
        "evaluation": {k: (v.as_dict() if v is not None else None)
                       for k, v in evaluations.items()},
        "problems": problems, "bar": dict(bar.__dict__),
        "settings": settings.__dict__,
    }
    return SquadModel(estimator, tuple(data.features.columns), medians, reasons, card)


@dataclass(frozen=True)
class Contribution:
    """How much one feature moved today's probability (value vs the squad median)."""

    feature: str
    value: float
    median: float
    effect: float


@dataclass(frozen=True)
class ModelStatus:
    """What the dashboard shows: a probability with interval and drivers, or why not.

    ``shown`` False: ``reason`` says why (the flags remain the primary signal either way).
    """

    shown: bool
    reason: str
    athlete: str
    local_date: dt.date
    probability: float = float("nan")
    low: float = float("nan")
    high: float = float("nan")
    contributions: tuple[Contribution, ...] = ()
    card: dict[str, Any] = field(default_factory=dict)


PRIMARY = "The flags are the primary signal; the model is an experimental extra."


def model_status(model: SquadModel | None, daily: pd.DataFrame, flags: pd.DataFrame,
                 athlete: str, on: dt.date, injuries: pd.DataFrame | None = None) -> ModelStatus:
    """The model's probability for ``athlete`` on day ``on``, or the reason it is not shown.

    The probability uses data up to the end of ``on - 1``. ``low``/``high`` are the 10th and
    90th percentiles across bags (model uncertainty); ``contributions`` the features whose
    replacement by the squad median moves the probability most.
    """
    def declined(reason: str, card: dict[str, Any] | None = None) -> ModelStatus:
        return ModelStatus(False, f"Model score not shown because {reason}. {PRIMARY}",
                           athlete, on, card=card or {})

    if model is None:
        return declined("no squad model has been trained on this store yet "
                        "(`loadwatch model train`)")
    if model.reasons or model.estimator is None:
        why = "; ".join(model.reasons) or "no model could be fitted"
        return declined(f"its evaluation did not clear the bar: {why}", model.card)
    mine = daily[daily[C.ATHLETE].astype(str) == athlete]
    if mine.empty:
        return declined(f"there is no daily data for {athlete}", model.card)
    rows = lagged_features(mine, flags[flags[C.ATHLETE].astype(str) == athlete]
                           if not flags.empty else flags)
    today = rows[rows[C.LOCAL_DATE] == pd.Timestamp(on)]
    if today.empty:
        return declined(f"{on} is outside {athlete}'s recorded days", model.card)
    if injuries is not None and not injuries.empty:
        status = mark_at_risk(today[[C.ATHLETE, C.LOCAL_DATE]],
                              injuries[injuries[C.ATHLETE].astype(str) == athlete],
                              warmup_days=0, horizon_days=1)
        if not bool(status[IS_AT_RISK].iloc[0]):
            return declined(f"{athlete} is injured or within the washout after an injury "
                            "(the model only covers days at risk)", model.card)
    values = today.reindex(columns=list(model.features)).to_numpy(dtype=float)
    prob = float(model.estimator.predict_proba(values)[0, 1])
    low, high = bag_interval(model.estimator, values)
    swapped = np.repeat(values, len(model.features), axis=0)
    for i, name in enumerate(model.features):
        swapped[i, i] = model.medians.get(name, 0.0)
    effects = prob - model.estimator.predict_proba(swapped)[:, 1]
    order = np.argsort(-np.abs(effects))[:TOP_FEATURES]
    contributions = tuple(
        Contribution(model.features[i], float(values[0, i]),
                     model.medians.get(model.features[i], 0.0), float(effects[i]))
        for i in order if effects[i] != 0)
    return ModelStatus(True, PRIMARY, athlete, on, prob, float(low[0]), float(high[0]),
                       contributions, model.card)

"""Symptom and wellness rules: the tendon pain-monitoring model and wellness z-scores.

Pure functions over the log frames of :mod:`etl.store.log` (columns in
:mod:`risk.symptom_codes`) and the sessions frame (``athlete``, ``local_date``,
``activity_id``, ``sport_type`` or ``is_run``, ``name``, ``distance_m`` or ``distance_km``).

Pain-monitoring model (SCIENCE.md 5.3; Silbernagel et al. 2007, Thomeé 1997), one entry at a
time, rules checked per athlete:

1. ``during_above_5``: pain during the run above 5/10.
2. ``not_settled_next_morning``: next-morning pain above the pre-run baseline, i.e. the
   next-morning score of the athlete's previous entry within 7 days (tolerance 0); with no
   baseline, above 2/10 [heuristic tolerance].
3. ``weekly_rise``: mean next-morning pain of the 7 days ending on the entry's day above the
   mean of the 7 days before by more than 1 point [heuristic tolerance]. Reported once when
   the rise starts, then again only after 7 days.

Each flag (kind ``pain_response``) names the run that preceded it: the entry's own
``activity_id`` when given, else the athlete's last run on or before the entry's day. The
during-run flag is dated the day of the run, the next-morning flag the morning after.

Wellness (SCIENCE.md 5.2; Hooper et al. 1995): the Hooper index is the sum of the four items
(4-28, high = bad). Its z-score compares it with the athlete's own entries of the 28 days
before (the day itself excluded, missing days not imputed, sample SD with ddof = 1) once at
least 14 such entries exist. ``poor_recovery`` is flagged for z >= 1.5 on one day, or z >= 1.0
on two consecutive days [heuristic thresholds].

References
----------
Silbernagel KG, Thomeé R, Eriksson BI, Karlsson J. Continued sports activity, using a
pain-monitoring model, during rehabilitation in patients with Achilles tendinopathy: a
randomized controlled study. Am J Sports Med 2007;35(6):897-906. doi:10.1177/0363546506298279

Hooper SL, Mackinnon LT, Howard A, Gordon RD, Bachmann AW. Markers for monitoring overtraining
and recovery. Med Sci Sports Exerc 1995;27(1):106-112. doi:10.1249/00005768-199501000-00019
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from loadwatch.columns import RUNNING_SPORT_TYPES, define
from risk import evidence_clinical as E
from risk import symptom_codes as S
from risk.errors import FrameContractError
from risk.flag import Flag
from risk.rules.recovery import install_wellness_rule

PAIN_CEILING_NRS = 5.0
MORNING_TOLERANCE_NO_BASELINE_NRS = 2.0
BASELINE_LOOKBACK_DAYS = 7
WEEKLY_RISE_TOLERANCE_NRS = 1.0
HIGH_DURING_PAIN_NRS = 8.0
WELLNESS_WINDOW_DAYS = 28
WELLNESS_MIN_ENTRIES = 14
WELLNESS_Z_ONE_DAY = 1.5
WELLNESS_Z_TWO_DAYS = 1.0

MORNING_BASELINE_NRS = define("morning_baseline_nrs", "NRS 0-10",
                              "next-morning pain of the previous entry (pre-run baseline)",
                              "SCIENCE.md 5.3")
WEEK_MORNING_PAIN_NRS = define("week_morning_pain_nrs", "NRS 0-10",
                               "mean next-morning pain of the 7 days ending on the day",
                               "SCIENCE.md 5.3")
PREV_WEEK_MORNING_PAIN_NRS = define("prev_week_morning_pain_nrs", "NRS 0-10",
                                    "mean next-morning pain of the 7 days before those",
                                    "SCIENCE.md 5.3")
BREAKS_DURING_RULE = define("breaks_during_rule", "bool", "pain during the run above 5/10",
                            "Silbernagel 2007")
BREAKS_MORNING_RULE = define("breaks_morning_rule", "bool",
                             "pain not settled by the next morning", "Silbernagel 2007")
BREAKS_WEEKLY_RULE = define("breaks_weekly_rule", "bool",
                            "morning pain rising week on week", "Silbernagel 2007")
HOOPER_INDEX_AU = define("hooper_index_au", "au 4-28", "Hooper index: sum of the four items",
                         "Hooper 1995")
HOOPER_BASELINE_MEAN_AU = define("hooper_baseline_mean_au", "au 4-28",
                                 "mean Hooper index of the 28 days before", "SCIENCE.md 5.2")
HOOPER_BASELINE_SD_AU = define("hooper_baseline_sd_au", "au",
                               "SD (ddof=1) of the Hooper index of the 28 days before",
                               "SCIENCE.md 5.2")
HOOPER_BASELINE_ENTRIES = define("hooper_baseline_entries", "entries",
                                 "wellness entries in the 28 days before", "SCIENCE.md 5.2")
HOOPER_Z = define("hooper_z", "SD", "Hooper index z-score against the 28 days before",
                  "SCIENCE.md 5.2")

PAIN_ADVICE = ("Reduce the load of the activity that provoked it (distance, hills or speed) "
               "until pain stays at or below 5/10 during and settles by the next morning; "
               "a physio can guide this.")
WELLNESS_ADVICE = ("Consider an easier day and look at sleep, stress and soreness; this is a "
                   "recovery hint, not a risk score.")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise FrameContractError(f"{what} frame lacks column(s) {', '.join(missing)}; build it "
                                 "with etl.store.log or add the columns")


def _num(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


# -- the run that preceded an entry -------------------------------------------------------------
def _runs(sessions: pd.DataFrame | None) -> pd.DataFrame:
    """The runs (``athlete``, ``local_date``, ``activity_id``, ``name``, ``km``) in athlete,
    day and activity order."""
    if sessions is None or sessions.empty:
        return pd.DataFrame(columns=["athlete", "local_date", "activity_id", "name", "km"])
    runs = sessions
    if "is_run" in runs.columns:
        runs = runs[runs["is_run"].astype(bool)]
    elif "sport_type" in runs.columns:
        runs = runs[runs["sport_type"].isin(RUNNING_SPORT_TYPES)]
    if "distance_km" in runs.columns:
        km = pd.to_numeric(runs["distance_km"], errors="coerce")
    elif "distance_m" in runs.columns:
        km = pd.to_numeric(runs["distance_m"], errors="coerce") / 1000.0
    else:
        km = pd.Series(np.nan, index=runs.index)
    names = runs["name"] if "name" in runs.columns else pd.Series("", index=runs.index)
    out = pd.DataFrame({"athlete": runs["athlete"].to_numpy(dtype=object),
                        "local_date": runs["local_date"].to_numpy(),
                        "activity_id": runs["activity_id"].to_numpy(),
                        "name": names.to_numpy(dtype=object), "km": km.to_numpy(dtype=float)})
    return out.sort_values(["athlete", "local_date", "activity_id"], kind="stable")


def _run_label(name: object, day: dt.date, km: float) -> str:
    """E.g. "'Hill reps' (2024-05-04, 12.0 km)", or "of 2024-05-04 (12.0 km)" without a name."""
    if isinstance(name, str) and name and not math.isnan(km):
        return f"'{name}' ({day:%Y-%m-%d}, {km:.1f} km)"
    return f"of {day:%Y-%m-%d} ({km:.1f} km)" if not math.isnan(km) else f"of {day:%Y-%m-%d}"


@dataclass(frozen=True)
class RunIndex:
    """Each athlete's runs in day order (built once by :func:`run_index`); labels are written
    only for the runs asked about."""

    days: dict[str, list[dt.date]]
    ids: dict[str, list[int]]
    runs: dict[str, list[tuple[object, float]]]

    def preceding(self, athlete: str, day: dt.date,
                  activity_id: Any = None) -> tuple[int | None, str]:
        """The run an entry is about: its own ``activity_id``, else the last run on or before
        ``day``. Returns ``(activity_id, label)``; the label reads e.g.
        "'Hill reps' (2024-05-04, 12.0 km)" and says so when no run is recorded."""
        ids = self.ids.get(athlete, [])
        if activity_id is not None and not pd.isna(activity_id) and int(activity_id) in ids:
            position = len(ids) - 1 - ids[::-1].index(int(activity_id))
        else:
            position = bisect.bisect_right(self.days.get(athlete, []), day) - 1
            if position < 0:
                return None, "(no run recorded before it)"
        name, km = self.runs[athlete][position]
        return ids[position], _run_label(name, self.days[athlete][position], km)


def run_index(sessions: pd.DataFrame | None) -> RunIndex:
    """The :class:`RunIndex` of a sessions or activities frame (runs only)."""
    runs = _runs(sessions)
    days: dict[str, list[dt.date]] = {}
    ids: dict[str, list[int]] = {}
    facts: dict[str, list[tuple[object, float]]] = {}
    for athlete, day, activity, name, km in zip(runs["athlete"], runs["local_date"],
                                                runs["activity_id"], runs["name"], runs["km"],
                                                strict=True):
        days.setdefault(str(athlete), []).append(day)
        ids.setdefault(str(athlete), []).append(int(activity))
        facts.setdefault(str(athlete), []).append((name, float(km)))
    return RunIndex(days, ids, facts)


# -- pain-monitoring rules ----------------------------------------------------------------------
def pain_rule_checks(symptoms: pd.DataFrame) -> pd.DataFrame:
    """The three pain-monitoring rules checked for each symptom entry.

    Parameters
    ----------
    symptoms
        Current symptom entries (``athlete``, ``local_date`` and the pain NRS columns).

    Returns
    -------
    DataFrame
        ``symptoms`` sorted by athlete and day plus ``morning_baseline_nrs``,
        ``week_morning_pain_nrs``, ``prev_week_morning_pain_nrs``, ``breaks_during_rule``,
        ``breaks_morning_rule`` and ``breaks_weekly_rule``. Missing scores never break a rule.
    """
    _require(symptoms, ("athlete", "local_date", S.PAIN_DURING_RUN_NRS, S.PAIN_NEXT_MORNING_NRS),
             "symptoms")
    out = symptoms.sort_values(["athlete", "local_date"], kind="stable").reset_index(drop=True)
    during = pd.to_numeric(out[S.PAIN_DURING_RUN_NRS], errors="coerce").astype("float64")
    morning = pd.to_numeric(out[S.PAIN_NEXT_MORNING_NRS], errors="coerce").astype("float64")
    baseline = np.full(len(out), np.nan)
    week = np.full(len(out), np.nan)
    prev_week = np.full(len(out), np.nan)
    dates = pd.to_datetime(out["local_date"])
    for _, index in out.groupby("athlete", sort=False).groups.items():
        positions = out.index.get_indexer(index)
        day = dates.iloc[positions].to_numpy()
        am = morning.iloc[positions].to_numpy()
        for j, pos in enumerate(positions):
            if j > 0 and (day[j] - day[j - 1]) <= np.timedelta64(BASELINE_LOOKBACK_DAYS, "D"):
                baseline[pos] = am[j - 1]
            age = (day[j] - day).astype("timedelta64[D]").astype(int)
            this_week = am[(age >= 0) & (age <= 6)]
            last_week = am[(age >= 7) & (age <= 13)]
            this_week, last_week = this_week[~np.isnan(this_week)], last_week[~np.isnan(last_week)]
            if this_week.size:
                week[pos] = this_week.mean()
            if last_week.size:
                prev_week[pos] = last_week.mean()
    out[MORNING_BASELINE_NRS] = baseline
    out[WEEK_MORNING_PAIN_NRS] = week
    out[PREV_WEEK_MORNING_PAIN_NRS] = prev_week
    out[BREAKS_DURING_RULE] = (during > PAIN_CEILING_NRS).to_numpy()
    limit = np.where(np.isnan(baseline), MORNING_TOLERANCE_NO_BASELINE_NRS, baseline)
    out[BREAKS_MORNING_RULE] = (morning.to_numpy() > limit) & ~np.isnan(morning.to_numpy())
    out[BREAKS_WEEKLY_RULE] = week > prev_week + WEEKLY_RISE_TOLERANCE_NRS
    return out


def pain_response_flags(symptoms: pd.DataFrame,
                        sessions: pd.DataFrame | None = None) -> list[Flag]:
    """``pain_response`` flags for every broken pain-monitoring rule, naming the run before it.

    Parameters
    ----------
    symptoms
        Current symptom entries.
    sessions
        Sessions or activities frame, to name the run that preceded each entry.

    Returns
    -------
    list of Flag
        Kind ``pain_response``; category ``during_above_5`` (severity moderate, high from
        8/10 [heuristic]), ``not_settled_next_morning`` (moderate) or ``weekly_rise``
        (moderate); evidence key ``silbernagel_pain_monitoring``.
    """
    if symptoms.empty:
        return []
    checks = pain_rule_checks(symptoms)
    runs = run_index(sessions)
    broken = checks[checks[BREAKS_DURING_RULE] | checks[BREAKS_MORNING_RULE]
                    | checks[BREAKS_WEEKLY_RULE]]
    flags: list[Flag] = []
    last_weekly: dict[str, dt.date] = {}
    for row in broken.to_dict(orient="records"):
        athlete, day = str(row["athlete"]), row["local_date"]
        activity, label = runs.preceding(athlete, day, row.get("activity_id"))
        common: dict[str, Any] = {
            "athlete": athlete, "kind": "pain_response", "unit": "NRS 0-10",
            "evidence_key": E.PAIN_MONITORING, "activity_id": activity, "advice": PAIN_ADVICE}
        if row[BREAKS_DURING_RULE]:
            pain = float(row[S.PAIN_DURING_RUN_NRS])
            flags.append(Flag(
                local_date=day, severity="high" if pain >= HIGH_DURING_PAIN_NRS else "moderate",
                value=pain, threshold=PAIN_CEILING_NRS, category="during_above_5",
                message=f"Pain during the run {label} reached {pain:g}/10, above the 5/10 "
                        "ceiling of the pain-monitoring model.", **common))
        if row[BREAKS_MORNING_RULE]:
            pain = float(row[S.PAIN_NEXT_MORNING_NRS])
            base = _num(row[MORNING_BASELINE_NRS])
            limit = MORNING_TOLERANCE_NO_BASELINE_NRS if math.isnan(base) else base
            before = ("the 2/10 allowed without an earlier morning score" if math.isnan(base)
                      else f"the {base:g}/10 of the morning before")
            flags.append(Flag(
                local_date=day + dt.timedelta(days=1), severity="moderate", value=pain,
                threshold=limit, category="not_settled_next_morning",
                message=f"Pain the morning after the run {label} was {pain:g}/10, above "
                        f"{before}: it had not settled by the next morning.", **common))
        if row[BREAKS_WEEKLY_RULE]:
            previous = last_weekly.get(athlete)
            if previous is None or (day - previous).days >= 7:
                last_weekly[athlete] = day
                now, before_mean = (float(row[WEEK_MORNING_PAIN_NRS]),
                                    float(row[PREV_WEEK_MORNING_PAIN_NRS]))
                flags.append(Flag(
                    local_date=day, severity="moderate", value=round(now, 2),
                    threshold=round(before_mean + WEEKLY_RISE_TOLERANCE_NRS, 2),
                    category="weekly_rise",
                    message=f"Morning pain averaged {now:.1f}/10 over the last 7 days against "
                            f"{before_mean:.1f}/10 the week before (latest run {label}): it is "
                            "rising week on week.", **common))
    return flags


# -- wellness -----------------------------------------------------------------------------------
def wellness_scores(wellness: pd.DataFrame) -> pd.DataFrame:
    """Hooper index and its z-score against the athlete's own 28 days before.

    Parameters
    ----------
    wellness
        Current wellness entries (``athlete``, ``local_date`` and the four Hooper items, 1-7).

    Returns
    -------
    DataFrame
        One row per athlete and day (the last entry of a day wins) with ``hooper_index_au``,
        ``hooper_baseline_entries``, ``hooper_baseline_mean_au``, ``hooper_baseline_sd_au`` and
        ``hooper_z`` (NaN with fewer than 14 baseline entries or a baseline SD of 0).

    Notes
    -----
    Days without an entry are not imputed: the baseline is the entries that exist in the
    window ``[day - 28, day - 1]``.
    """
    _require(wellness, ("athlete", "local_date", *S.HOOPER_ITEMS), "wellness")
    columns = ["athlete", "local_date", HOOPER_INDEX_AU, HOOPER_BASELINE_ENTRIES,
               HOOPER_BASELINE_MEAN_AU, HOOPER_BASELINE_SD_AU, HOOPER_Z]
    if wellness.empty:
        return pd.DataFrame(columns=columns)
    frame = wellness.copy()
    frame[HOOPER_INDEX_AU] = frame[list(S.HOOPER_ITEMS)].apply(
        pd.to_numeric, errors="coerce").sum(axis=1, min_count=4).astype("float64")
    order = ["athlete", "local_date"] + ([S.VERSION_ID] if S.VERSION_ID in frame.columns else [])
    frame = frame.sort_values(order, kind="stable").drop_duplicates(
        ["athlete", "local_date"], keep="last")
    parts = []
    for athlete, group in frame.groupby("athlete", sort=True):
        series = pd.Series(group[HOOPER_INDEX_AU].to_numpy(),
                           index=pd.DatetimeIndex(pd.to_datetime(group["local_date"])))
        window = series.rolling(f"{WELLNESS_WINDOW_DAYS}D", closed="left")
        part = pd.DataFrame({
            "athlete": athlete, "local_date": group["local_date"].to_numpy(),
            HOOPER_INDEX_AU: series.to_numpy(),
            HOOPER_BASELINE_ENTRIES: window.count().fillna(0).astype(int).to_numpy(),
            HOOPER_BASELINE_MEAN_AU: window.mean().to_numpy(),
            HOOPER_BASELINE_SD_AU: window.std(ddof=1).to_numpy(),
        })
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    usable = ((out[HOOPER_BASELINE_ENTRIES] >= WELLNESS_MIN_ENTRIES)
              & (out[HOOPER_BASELINE_SD_AU] > 0))
    z = (out[HOOPER_INDEX_AU] - out[HOOPER_BASELINE_MEAN_AU]) / out[HOOPER_BASELINE_SD_AU]
    out[HOOPER_Z] = z.where(usable)
    return out[columns]


def wellness_flags(wellness: pd.DataFrame, scores: pd.DataFrame | None = None) -> list[Flag]:
    """``poor_recovery`` flags from wellness z-scores (z >= 1.5 once, or >= 1.0 two days running).

    ``scores`` are :func:`wellness_scores` of ``wellness`` when the caller has them already.

    Returns
    -------
    list of Flag
        Kind ``poor_recovery``, category ``wellness_one_day`` or ``wellness_two_days``,
        severity moderate, value = z, evidence key ``hooper_wellness``.
    """
    if scores is None:
        scores = wellness_scores(wellness)
    flags: list[Flag] = []
    for _athlete, group in scores.groupby("athlete", sort=True):
        previous_day: dt.date | None = None
        previous_z = math.nan
        for row in group.to_dict(orient="records"):
            z, day = _num(row[HOOPER_Z]), row["local_date"]
            consecutive = previous_day is not None and (day - previous_day).days == 1
            category = ""
            threshold = math.nan
            if z >= WELLNESS_Z_ONE_DAY:
                category, threshold = "wellness_one_day", WELLNESS_Z_ONE_DAY
            elif z >= WELLNESS_Z_TWO_DAYS and consecutive and previous_z >= WELLNESS_Z_TWO_DAYS:
                category, threshold = "wellness_two_days", WELLNESS_Z_TWO_DAYS
            if category:
                flags.append(Flag(
                    athlete=str(row["athlete"]), local_date=day, kind="poor_recovery",
                    severity="moderate", value=round(z, 2), threshold=threshold, unit="SD",
                    category=category, evidence_key=E.HOOPER_WELLNESS, advice=WELLNESS_ADVICE,
                    message=(f"Morning wellness (Hooper index {row[HOOPER_INDEX_AU]:g}) was "
                             f"{z:.1f} SD worse than the 28-day average of "
                             f"{row[HOOPER_BASELINE_MEAN_AU]:.1f}"
                             + (" for the second day running." if category ==
                                "wellness_two_days" else "."))))
            previous_day, previous_z = day, z
    return flags


# -- injuries for the load rules ------------------------------------------------------------
def injury_windows(injuries: pd.DataFrame) -> pd.DataFrame:
    """Logged injuries as the load rules take them: ``athlete``, ``onset_date``,
    ``resolved_date`` (``risk.flags.compute_flags(injuries=...)`` quiets ACWR after them)."""
    columns = {"athlete": "athlete", S.INJURY_ONSET_DATE: "onset_date",
               S.INJURY_RESOLVED_DATE: "resolved_date"}
    if injuries.empty:
        return pd.DataFrame(columns=list(columns.values()))
    _require(injuries, tuple(columns), "injuries")
    return injuries[list(columns)].rename(columns=columns).reset_index(drop=True)


def _wellness_rule(wellness: pd.DataFrame, _settings: object) -> list[Flag]:
    return wellness_flags(wellness)


install_wellness_rule(_wellness_rule)


# -- Today page -------------------------------------------------------------------------------
Decision = Literal["progress", "hold", "reduce"]


@dataclass(frozen=True)
class PainStatus:
    """Whether today's pain response allows progression.

    ``decision`` is ``"progress"`` (rules kept, little pain: load may progress), ``"hold"``
    (rules kept but pain in the 2-5 range or not yet known next morning: keep load as is) or
    ``"reduce"`` (a rule broken in the last 7 days, or a red-flag pattern: see the reason).
    """

    decision: Decision
    reason: str


def pain_monitoring_status(entries: pd.DataFrame, on: dt.date) -> PainStatus:
    """The pain-monitoring decision for one athlete on day ``on`` (Today page).

    Parameters
    ----------
    entries
        The athlete's current symptom entries (only those on or before ``on`` count).
    on
        The day asked about.

    Notes
    -----
    Looks at the 7 days up to ``on``. Any red-flag triage pattern (:mod:`risk.triage`) gives
    ``reduce`` with its prompt; a broken rule gives ``reduce``; the most recent entry with
    during-run pain above 2/10 [heuristic, Silbernagel's "acceptable" zone] or without a
    next-morning score gives ``hold``; otherwise ``progress``.
    """
    from risk.triage import TriageContext, triage

    if entries.empty:
        return PainStatus("progress", "No symptoms logged: the pain-monitoring rules allow "
                                      "load to stay the same or progress.")
    recent_all = entries[entries["local_date"] <= on]
    if recent_all.empty:
        return PainStatus("progress", "No symptoms logged up to this day.")
    checks = pain_rule_checks(recent_all)
    week = checks[checks["local_date"] > on - dt.timedelta(days=7)]
    if week.empty:
        return PainStatus("progress", "No symptoms logged in the last 7 days: the "
                                      "pain-monitoring rules allow load to progress.")
    for record in week.to_dict(orient="records"):
        red = [h for h in triage({str(k): v for k, v in record.items()}, TriageContext())
               if h.is_red_flag]
        if red:
            return PainStatus("reduce", f"{red[0].prompt} (logged {record['local_date']}).")
    broken = week[week[BREAKS_DURING_RULE] | week[BREAKS_MORNING_RULE] | week[BREAKS_WEEKLY_RULE]]
    if not broken.empty:
        row = broken.iloc[-1]
        what = ("pain during the run was above 5/10" if row[BREAKS_DURING_RULE] else
                "pain had not settled by the next morning" if row[BREAKS_MORNING_RULE] else
                "morning pain is rising week on week")
        return PainStatus("reduce", f"On {row['local_date']} {what}: reduce the load of the "
                                    "activity that provoked it.")
    last = week.iloc[-1]
    during = _num(last[S.PAIN_DURING_RUN_NRS])
    if math.isnan(_num(last[S.PAIN_NEXT_MORNING_NRS])) and not math.isnan(during) and during > 0:
        return PainStatus("hold", "The next-morning pain after the last run is not logged yet: "
                                  "keep the load as it is until it is.")
    if during > 2:
        return PainStatus("hold", f"Pain during the last run was {during:g}/10 (within the "
                                  "5/10 limit, settled next morning): keep the load as it is.")
    return PainStatus("progress", "Pain stayed low during the runs and settled by the next "
                                  "morning: load may stay the same or progress.")

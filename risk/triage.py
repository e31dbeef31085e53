"""Triage hints from symptom entries: deterministic, prioritised, never a diagnosis.

The categories, patterns and prompts are those of SCIENCE.md 7.4, in priority order
EMERGENCY > BONE_STRESS_POSSIBLE > NERVE_RELATED_POSSIBLE > ACUTE_TEAR_POSSIBLE > PERSISTENT >
TENDON_LOAD_PATTERN > DOMS_LIKE. :func:`triage` returns every category whose pattern an entry
matches, most urgent first, each with the answers that matched (``reasons``). Every prompt
asks the person to see the right clinician (or reassures); none names a condition as fact.

The first four categories are red flags: they become ``red_flag`` flags of severity
``urgent`` (:func:`hint_flags`) and no setting or other flag hides them. The others become
``pain_response`` flags: PERSISTENT with severity ``moderate``, TENDON_LOAD_PATTERN and
DOMS_LIKE with severity ``low``. The flag's ``category`` is the hint category and its
``advice`` the prompt.

Mapping of answers (codes of :mod:`risk.symptom_codes`) to patterns:

* EMERGENCY: neuro flag ``saddle_numbness``, ``bladder_bowel_change`` or
  ``progressive_leg_weakness``.
* BONE_STRESS_POSSIBLE: worse with ``hopping``, ``walking``, ``weight_bearing`` or
  ``night_pain``; or ``sharp`` pain that ``worsens_during_run``. A session or weekly spike
  in the 28 days before (from the load flags) and the bone-risk context are listed as reasons
  when present (they raise suspicion, SCIENCE.md 7.4, but are not required: the threshold is
  kept low).
* NERVE_RELATED_POSSIBLE: ``burning``, ``electric``, ``tingling`` or ``numbness``; pain
  spreading ``past_knee`` or to the ``foot``; worse with ``cough_sneeze``; low-back pain with
  leg pain; ``leg_weakness`` or ``foot_drop``.
* ACUTE_TEAR_POSSIBLE: onset ``sudden_pop``; or a ``sudden`` / ``after_fall`` onset with
  ``bruising`` or ``loss_of_function``.
* PERSISTENT: symptoms for 14 days or more without a 2-point improvement (Farrar 2001); the
  VISA-H falling by 10 points or more; pain-monitoring rules broken in 2 consecutive weeks; or
  a systemic flag (fever, weight loss, cancer history, night sweats: "see a clinician").
* TENDON_LOAD_PATTERN: sit-bone pain, worse ``sitting`` (or sit tolerance shorter than the
  usual of the 90 days before), worse ``uphill``, ``fast`` or ``hip_flexion_stretch``, onset not
  sudden, and no EMERGENCY, bone-stress or nerve pattern.
* DOMS_LIKE: back-of-thigh soreness (ache/tight) 1-3 days after an unusual session (a session,
  weekly, hill or intensity spike flag), not worse than the previous entry, and no red flag.

References
----------
Warden SJ, Davis IS, Fredericson M. Management and prevention of bone stress injuries in
long-distance runners. J Orthop Sports Phys Ther 2014;44(10):749-765. doi:10.2519/jospt.2014.5334

Goom TSH, Malliaras P, Reiman MP, Purdam CR. Proximal hamstring tendinopathy: clinical aspects
of assessment and management. J Orthop Sports Phys Ther 2016;46(6):483-493.
doi:10.2519/jospt.2016.6697

Farrar JT, Young JP, LaMoreaux L, Werth JL, Poole RM. Clinical importance of changes in chronic
pain intensity measured on an 11-point numerical pain rating scale. Pain 2001;94(2):149-158.
doi:10.1016/S0304-3959(01)00349-9

MSD Manual Professional Version. Lumbosacral radiculopathy (2024).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from loadwatch.columns import define
from risk import evidence_clinical as E
from risk import symptom_codes as S
from risk.flag import KINDS, SEVERITY_RANK, Flag, flags_frame

EMERGENCY = "EMERGENCY"
BONE_STRESS = "BONE_STRESS_POSSIBLE"
NERVE = "NERVE_RELATED_POSSIBLE"
ACUTE_TEAR = "ACUTE_TEAR_POSSIBLE"
PERSISTENT = "PERSISTENT"
TENDON = "TENDON_LOAD_PATTERN"
DOMS = "DOMS_LIKE"

CATEGORIES: tuple[str, ...] = (EMERGENCY, BONE_STRESS, NERVE, ACUTE_TEAR, PERSISTENT, TENDON, DOMS)
PRIORITY: dict[str, int] = {category: rank for rank, category in enumerate(CATEGORIES, start=1)}
RED_FLAG_CATEGORIES: frozenset[str] = frozenset({EMERGENCY, BONE_STRESS, NERVE, ACUTE_TEAR})

PROMPTS: dict[str, str] = {
    EMERGENCY: "Seek urgent medical care now.",
    BONE_STRESS: "Stop running and see a physician soon; imaging may be needed.",
    NERVE: "Nerve-related (e.g. lumbar) sources can cause buttock and leg pain; please see a "
           "physio or doctor.",
    ACUTE_TEAR: "Get assessed within days; some proximal hamstring injuries need early "
                "specialist review.",
    PERSISTENT: "See a clinician.",
    TENDON: "This pattern often responds to load management; a physio can confirm. Keep pain "
            "≤5/10 during activity and settled by next morning.",
    DOMS: "Usually settles within a few days; reduce intensity meanwhile.",
}
_MESSAGES: dict[str, str] = {
    EMERGENCY: "these signs need urgent medical care",
    BONE_STRESS: "patterns like this are often assessed by a physician, sometimes with imaging",
    NERVE: "patterns like this are often assessed by a physio or doctor for a nerve-related "
           "source",
    ACUTE_TEAR: "patterns like this are often assessed within days by a physio or sports doctor",
    PERSISTENT: "symptoms that do not settle are worth having assessed by a clinician",
    TENDON: "patterns like this often respond to load management, and a physio can confirm",
    DOMS: "patterns like this usually settle within a few days",
}
EVIDENCE_KEYS: dict[str, str] = {
    EMERGENCY: E.TRIAGE_EMERGENCY, BONE_STRESS: E.TRIAGE_BONE_STRESS, NERVE: E.TRIAGE_NERVE,
    ACUTE_TEAR: E.TRIAGE_ACUTE_TEAR, PERSISTENT: E.TRIAGE_PERSISTENT, TENDON: E.TRIAGE_TENDON,
    DOMS: E.TRIAGE_DOMS,
}
_FLAG_KIND_SEVERITY: dict[str, tuple[str, str]] = {
    EMERGENCY: ("red_flag", "urgent"), BONE_STRESS: ("red_flag", "urgent"),
    NERVE: ("red_flag", "urgent"), ACUTE_TEAR: ("red_flag", "urgent"),
    PERSISTENT: ("pain_response", "moderate"), TENDON: ("pain_response", "low"),
    DOMS: ("pain_response", "low"),
}

HINT_CATEGORY = define("hint_category", "code", "triage hint category (SCIENCE.md 7.4)")
HINT_PRIORITY = define("hint_priority", "rank", "1 = most urgent (EMERGENCY) ... 7 (DOMS_LIKE)")
HINT_PROMPT = define("hint_prompt", "", "what to do: a prompt to see the right clinician")
HINT_REASONS = define("hint_reasons", "", "the logged answers that matched the pattern")
IS_RED_FLAG = define("is_red_flag", "bool", "the hint is a red flag (never hidden)")
HINT_COLUMNS: tuple[str, ...] = ("athlete", "local_date", S.ENTRY_UID, HINT_CATEGORY,
                                 HINT_PRIORITY, HINT_PROMPT, HINT_REASONS, IS_RED_FLAG)

SPIKE_LOOKBACK_DAYS = 28
UNUSUAL_SESSION_DAYS = (1, 3)
PERSISTENT_DAYS = 14
EPISODE_GAP_DAYS = 7
MEANINGFUL_CHANGE_NRS = 2.0
VISA_H_DROP_POINTS = 10
SIT_TOLERANCE_LOOKBACK_DAYS = 90
#: A non-red hint of the same category within this many days adds no new flag.
REPEAT_DAYS = 7

_EMERGENCY_NEURO = ("saddle_numbness", "bladder_bowel_change", "progressive_leg_weakness")
_BONE_AGGRAVATORS = ("hopping", "walking", "weight_bearing", "night_pain")
_NEURAL_CHARACTER = ("burning", "electric", "tingling", "numbness")
_LEG_LOCATIONS = ("posterior_thigh_upper", "posterior_thigh_mid", "below_knee_calf", "foot")
_TENDON_LOADS = ("uphill", "fast", "hip_flexion_stretch")
_DOMS_LOCATIONS = ("posterior_thigh_upper", "posterior_thigh_mid")
_SPIKE_KINDS = ("session_spike", "weekly_spike")
_UNUSUAL_KINDS = ("session_spike", "weekly_spike", "hill_spike", "intensity_spike")


@dataclass(frozen=True)
class TriageContext:
    """What the rules need beyond the entry itself (built by :func:`triage_context`).

    Parameters
    ----------
    recent_spike_dates
        Days of session or weekly spike flags in the 28 days up to the entry.
    unusual_session_days_ago
        Days since an unusual session (any spike flag) 1-3 days before, else None.
    symptomatic_days
        Days since the first entry of the current run of symptomatic entries.
    improved_since_start
        Worst pain now at least 2 points below the episode's first entry.
    visa_h_drop_points
        Fall of the latest VISA-H score against the one before (0 when none).
    pain_rule_weeks
        1 when a pain-monitoring rule was broken in the last 7 days, 2 when also the 7 before.
    usual_sit_tolerance_min
        Median sit tolerance of the 90 days before, when logged.
    previous_pain_nrs
        Worst pain of the previous entry of the last 3 days, when any.
    """

    recent_spike_dates: tuple[dt.date, ...] = ()
    unusual_session_days_ago: int | None = None
    symptomatic_days: int = 0
    improved_since_start: bool = False
    visa_h_drop_points: float = 0.0
    pain_rule_weeks: int = 0
    usual_sit_tolerance_min: float | None = None
    previous_pain_nrs: float | None = None


@dataclass(frozen=True)
class TriageHint:
    """One triage hint: category, priority (1 = most urgent), prompt and matching answers."""

    category: str
    priority: int
    prompt: str
    reasons: tuple[str, ...]
    athlete: str = ""
    local_date: dt.date | None = None
    entry_uid: str = ""
    details: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def is_red_flag(self) -> bool:
        return self.category in RED_FLAG_CATEGORIES

    @property
    def evidence_key(self) -> str:
        return EVIDENCE_KEYS[self.category]

    @property
    def message(self) -> str:
        """One plain-language sentence: what was logged and who usually assesses it."""
        return f"Logged {'; '.join(self.reasons)}: {_MESSAGES[self.category]}."


def _codes(entry: Mapping[str, Any], name: str) -> frozenset[str]:
    value = entry.get(name)
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset(v.strip() for v in value.split(";") if v.strip())
    if isinstance(value, Iterable):
        return frozenset(str(v) for v in value)
    return frozenset()


def _code(entry: Mapping[str, Any], name: str) -> str:
    value = entry.get(name)
    return value if isinstance(value, str) else ""


def _score(entry: Mapping[str, Any], name: str) -> float:
    value = entry.get(name)
    try:
        return math.nan if value is None else float(value)
    except (TypeError, ValueError):
        return math.nan


def worst_pain(entry: Mapping[str, Any]) -> float:
    """The highest of the entry's four pain scores (NaN when none is given)."""
    scores = [s for s in (_score(entry, n) for n in S.PAIN_SCORES) if not math.isnan(s)]
    return max(scores) if scores else math.nan


def _labels(codes: Iterable[str], vocabulary: Mapping[str, str], prefix: str = "") -> list[str]:
    return [f"{prefix}{vocabulary.get(c, c)}" for c in sorted(codes)]


def _hint(category: str, reasons: list[str]) -> TriageHint:
    return TriageHint(category, PRIORITY[category], PROMPTS[category], tuple(reasons))


def triage(entry: Mapping[str, Any], context: TriageContext | None = None) -> list[TriageHint]:
    """Every triage hint the symptom ``entry`` matches, most urgent first.

    Parameters
    ----------
    entry
        A symptom entry: a row of ``etl.store.log.symptoms`` (dict or Series) or any mapping
        with the columns of :data:`risk.symptom_codes.SYMPTOM_COLUMNS` (multi-choice fields
        as tuples or ``;``-separated text).
    context
        History and load context; without it the rules that need history do not fire.

    Returns
    -------
    list of TriageHint
        Sorted by priority; empty when nothing matches. Red-flag hints are always included.
    """
    context = context or TriageContext()
    aggravators = _codes(entry, S.PAIN_AGGRAVATORS)
    character = _codes(entry, S.PAIN_CHARACTER)
    locations = _codes(entry, S.PAIN_LOCATIONS)
    timing = _codes(entry, S.PAIN_TIMING)
    neuro = _codes(entry, S.NEURO_FLAGS_COL)
    signs = _codes(entry, S.ACUTE_SIGNS_COL)
    onset = _code(entry, S.PAIN_ONSET)
    radiates = _code(entry, S.PAIN_RADIATES)
    hints: list[TriageHint] = []

    emergency = neuro & set(_EMERGENCY_NEURO)
    if emergency:
        hints.append(_hint(EMERGENCY, _labels(emergency, S.NEURO_FLAGS)))

    bone: list[str] = _labels(aggravators & set(_BONE_AGGRAVATORS), S.AGGRAVATORS, "pain with ")
    if "sharp" in character and "worsens_during_run" in timing:
        bone.append("sharp pain that gets worse as the run goes on")
    if bone:
        bone += [f"a load spike on {d:%Y-%m-%d}" for d in context.recent_spike_dates]
        bone += _labels(_codes(entry, S.BONE_RISK_CONTEXT_COL), S.BONE_RISK_CONTEXT)
        hints.append(_hint(BONE_STRESS, bone))

    nerve: list[str] = _labels(character & set(_NEURAL_CHARACTER), S.CHARACTERS, "pain felt as ")
    if radiates in ("past_knee", "foot"):
        nerve.append(f"pain that {S.RADIATES[radiates]}")
    if "cough_sneeze" in aggravators:
        nerve.append("pain worse on coughing, sneezing or straining")
    if "low_back" in locations and locations & set(_LEG_LOCATIONS):
        nerve.append("low-back pain together with leg pain")
    nerve += _labels(neuro & {"leg_weakness", "foot_drop"}, S.NEURO_FLAGS)
    if nerve:
        if "bending_forward" in aggravators:
            nerve.append("pain worse bending forward")
        hints.append(_hint(NERVE, nerve))

    if onset == "sudden_pop" or (onset in ("sudden", "after_fall")
                                 and signs & {"bruising", "loss_of_function"}):
        hints.append(_hint(ACUTE_TEAR, [S.ONSETS[onset], *_labels(signs, S.ACUTE_SIGNS)]))

    persistent: list[str] = []
    if context.symptomatic_days >= PERSISTENT_DAYS and not context.improved_since_start:
        persistent.append(f"symptoms for {context.symptomatic_days} days without improving")
    if context.visa_h_drop_points >= VISA_H_DROP_POINTS:
        persistent.append(f"VISA-H down {context.visa_h_drop_points:g} points")
    if context.pain_rule_weeks >= 2:
        persistent.append("pain-monitoring rules broken two weeks running")
    persistent += _labels(_codes(entry, S.SYSTEMIC_FLAGS_COL), S.SYSTEMIC_FLAGS)
    if persistent:
        hints.append(_hint(PERSISTENT, persistent))

    serious = any(h.category in (EMERGENCY, BONE_STRESS, NERVE) for h in hints)
    if "ischial_tuberosity" in locations and not serious and onset not in (
            "sudden", "sudden_pop", "after_fall"):
        tendon = ["sit-bone pain"]
        sit = _score(entry, S.SIT_TOLERANCE_MIN)
        usual = context.usual_sit_tolerance_min
        shorter = usual is not None and not math.isnan(sit) and sit < usual
        if "sitting" in aggravators or shorter:
            if math.isnan(sit):
                tendon.append("worse sitting")
            elif shorter:
                tendon.append(f"worse sitting (pain after {sit:g} min, usually {usual:g} min)")
            else:
                tendon.append(f"worse sitting (pain after {sit:g} min)")
            loads = aggravators & set(_TENDON_LOADS)
            if loads:
                tendon += _labels(loads, S.AGGRAVATORS, "worse with ")
                if onset == "gradual":
                    tendon.append("gradual onset")
                if "next_day" in timing or _score(entry, S.PAIN_NEXT_MORNING_NRS) > 0:
                    tendon.append("pain the next day")
                hints.append(_hint(TENDON, tendon))

    if (context.unusual_session_days_ago is not None and locations
            and locations <= set(_DOMS_LOCATIONS) and character <= {"ache", "tight"}
            and not any(h.is_red_flag for h in hints)):
        now = worst_pain(entry)
        before = context.previous_pain_nrs
        if before is None or math.isnan(now) or now <= before:
            hints.append(_hint(DOMS, [
                "diffuse soreness at the back of the thigh",
                f"{context.unusual_session_days_ago} day(s) after an unusual session"]))
    return sorted(hints, key=lambda h: h.priority)


# -- context from the history -------------------------------------------------------------------
def _flag_rows(flags: pd.DataFrame | Iterable[Flag] | None) -> pd.DataFrame:
    if flags is None:
        return pd.DataFrame(columns=["athlete", "local_date", "kind"])
    if isinstance(flags, pd.DataFrame):
        return flags[["athlete", "local_date", "kind"]]
    return pd.DataFrame([{"athlete": f.athlete, "local_date": f.local_date, "kind": f.kind}
                         for f in flags], columns=["athlete", "local_date", "kind"])


@dataclass(frozen=True)
class _History:
    """One athlete's history as plain lists, sorted by day (built once per athlete)."""

    rows: list[dict[str, Any]]
    pains: list[float]
    broken: list[dt.date]
    flags: list[tuple[dt.date, str]]
    visa: list[tuple[dt.date, float]]


def _histories(checks: pd.DataFrame, flags: pd.DataFrame,
               visa_h: pd.DataFrame | None) -> dict[str, _History]:
    """Every athlete's :class:`_History` (``checks`` from :func:`risk.symptoms.pain_rule_checks`,
    already sorted by athlete and day)."""
    from risk.symptoms import BREAKS_DURING_RULE, BREAKS_MORNING_RULE, BREAKS_WEEKLY_RULE

    rows_of: dict[str, list[dict[str, Any]]] = {}
    for record in checks.to_dict(orient="records"):
        row = {str(k): v for k, v in record.items()}
        rows_of.setdefault(str(row["athlete"]), []).append(row)
    flags_of: dict[str, list[tuple[dt.date, str]]] = {}
    for athlete, day, kind in zip(flags["athlete"], flags["local_date"], flags["kind"],
                                  strict=True):
        flags_of.setdefault(str(athlete), []).append((day, str(kind)))
    visa_of: dict[str, list[tuple[dt.date, float]]] = {}
    if visa_h is not None and not visa_h.empty:
        scores = visa_h.sort_values(["athlete", "local_date"], kind="stable")
        for athlete, day, points in zip(scores["athlete"], scores["local_date"],
                                        scores[S.VISA_H_POINTS], strict=True):
            visa_of.setdefault(str(athlete), []).append((day, float(points)))
    return {athlete: _History(
        rows, [worst_pain(r) for r in rows],
        [r["local_date"] for r in rows
         if r[BREAKS_DURING_RULE] or r[BREAKS_MORNING_RULE] or r[BREAKS_WEEKLY_RULE]],
        flags_of.get(athlete, []), visa_of.get(athlete, []))
        for athlete, rows in rows_of.items()}


def _context(j: int, history: _History) -> TriageContext:
    rows, pains = history.rows, history.pains
    day = rows[j]["local_date"]
    spikes = sorted({d for d, kind in history.flags
                     if kind in _SPIKE_KINDS and 0 <= (day - d).days <= SPIKE_LOOKBACK_DAYS})
    unusual = [(day - d).days for d, kind in history.flags if kind in _UNUSUAL_KINDS
               and UNUSUAL_SESSION_DAYS[0] <= (day - d).days <= UNUSUAL_SESSION_DAYS[1]]
    first = j
    while first > 0 and pains[first - 1] > 0 and (
            rows[first]["local_date"] - rows[first - 1]["local_date"]).days <= EPISODE_GAP_DAYS:
        first -= 1
    symptomatic = pains[j] > 0
    previous = [pains[i] for i in range(j) if 0 < (day - rows[i]["local_date"]).days <= 3
                and not math.isnan(pains[i])]
    sit_before = [_score(rows[i], S.SIT_TOLERANCE_MIN) for i in range(j)
                  if 0 < (day - rows[i]["local_date"]).days <= SIT_TOLERANCE_LOOKBACK_DAYS]
    sit_before = [v for v in sit_before if not math.isnan(v)]
    drop = 0.0
    scores = [(d, p) for d, p in history.visa if d <= day]
    if len(scores) >= 2 and (day - scores[-1][0]).days <= 14:
        drop = max(0.0, scores[-2][1] - scores[-1][1])
    ages = {(day - d).days for d in history.broken}
    weeks = 0
    if any(0 <= a <= 6 for a in ages):
        weeks = 2 if any(7 <= a <= 13 for a in ages) else 1
    return TriageContext(
        recent_spike_dates=tuple(spikes),
        unusual_session_days_ago=min(unusual) if unusual else None,
        symptomatic_days=(day - rows[first]["local_date"]).days if symptomatic else 0,
        improved_since_start=bool(symptomatic
                                  and pains[j] <= pains[first] - MEANINGFUL_CHANGE_NRS),
        visa_h_drop_points=drop,
        pain_rule_weeks=weeks,
        usual_sit_tolerance_min=float(pd.Series(sit_before).median()) if sit_before else None,
        previous_pain_nrs=previous[-1] if previous else None,
    )


def triage_context(entry: Mapping[str, Any], symptoms: pd.DataFrame, *,
                   load_flags: pd.DataFrame | Iterable[Flag] | None = None,
                   visa_h: pd.DataFrame | None = None) -> TriageContext:
    """Build the :class:`TriageContext` of ``entry`` from the athlete's history.

    Parameters
    ----------
    entry
        The symptom entry (needs ``athlete`` and ``local_date``); entries of the same day
        logged after it in ``symptoms`` do not count as its history.
    symptoms
        The athlete's (or everyone's) current symptom entries.
    load_flags
        Load flags (frame with ``athlete``, ``local_date``, ``kind`` or a list of Flag).
    visa_h
        VISA-H scores (``athlete``, ``local_date``, ``visa_h_points``).
    """
    from risk.symptoms import pain_rule_checks

    athlete, day = entry["athlete"], entry["local_date"]
    before = symptoms[(symptoms["athlete"] == athlete) & (symptoms["local_date"] < day)]
    both = pd.concat([before, pd.DataFrame([dict(entry)])], ignore_index=True)
    history = _histories(pain_rule_checks(both), _flag_rows(load_flags), visa_h)[str(athlete)]
    return _context(len(history.rows) - 1, history)


def triage_all(symptoms: pd.DataFrame, *,
               load_flags: pd.DataFrame | Iterable[Flag] | None = None,
               visa_h: pd.DataFrame | None = None) -> list[TriageHint]:
    """The triage hints of every symptom entry, with athlete, day and entry id filled in."""
    if symptoms.empty:
        return []
    from risk.symptoms import pain_rule_checks

    flags = _flag_rows(load_flags)
    checks = pain_rule_checks(symptoms)
    hints: list[TriageHint] = []
    for athlete, history in sorted(_histories(checks, flags, visa_h).items()):
        for j, row in enumerate(history.rows):
            for hint in triage(row, _context(j, history)):
                hints.append(TriageHint(hint.category, hint.priority, hint.prompt, hint.reasons,
                                        athlete=str(athlete), local_date=row["local_date"],
                                        entry_uid=str(row.get(S.ENTRY_UID) or "")))
    return hints


def hints_frame(hints: Iterable[TriageHint]) -> pd.DataFrame:
    """Hints as a frame with :data:`HINT_COLUMNS`, most urgent first within each day."""
    frame = pd.DataFrame([{
        "athlete": h.athlete, "local_date": h.local_date, S.ENTRY_UID: h.entry_uid,
        HINT_CATEGORY: h.category, HINT_PRIORITY: h.priority, HINT_PROMPT: h.prompt,
        HINT_REASONS: "; ".join(h.reasons), IS_RED_FLAG: h.is_red_flag} for h in hints],
        columns=list(HINT_COLUMNS))
    return frame.sort_values(["athlete", "local_date", HINT_PRIORITY],
                             kind="stable").reset_index(drop=True)


def hint_flags(hints: Iterable[TriageHint]) -> list[Flag]:
    """Flags for hints: red flags as ``red_flag``/``urgent``, the others as ``pain_response``.

    Every red-flag hint becomes a flag: nothing groups or hides them. A non-red hint logged
    again within :data:`REPEAT_DAYS` days of the last flag of the same category (same athlete)
    adds no new flag; that flag's ``details["entries"]`` counts the entries it stands for, so
    a runner logging the same tendon pattern every day sees one flag a week, not one a day.
    """
    flags: list[Flag] = []
    last: dict[tuple[str, str], Flag] = {}
    entries: dict[tuple[str, str], int] = {}
    dated = sorted((h for h in hints if h.local_date is not None),
                   key=lambda h: (h.athlete, h.local_date, h.priority))
    for hint in dated:
        assert hint.local_date is not None
        kind, severity = _FLAG_KIND_SEVERITY[hint.category]
        key = (hint.athlete, hint.category)
        earlier = last.get(key)
        if (not hint.is_red_flag and earlier is not None
                and (hint.local_date - earlier.local_date).days < REPEAT_DAYS):
            entries[key] += 1
            earlier.details.update(entries=entries[key],
                                   last_entry_date=hint.local_date.isoformat())
            continue
        flag = Flag(
            athlete=hint.athlete, local_date=hint.local_date, kind=kind, severity=severity,
            value=None, threshold=None, unit="", message=hint.message,
            evidence_key=hint.evidence_key, category=hint.category, advice=hint.prompt,
            details={"reasons": hint.reasons, "entry_uid": hint.entry_uid, "entries": 1})
        last[key], entries[key] = flag, 1
        flags.append(flag)
    return flags


@dataclass(frozen=True)
class ClinicalAssessment:
    """Everything the symptom-log rules produce for some athletes.

    ``flags``: pain_response, poor_recovery (wellness part) and red_flag flags; ``hints``: the
    triage hints as a frame (:data:`HINT_COLUMNS`); ``wellness``: Hooper index and z-scores.
    """

    flags: tuple[Flag, ...]
    hints: pd.DataFrame
    wellness: pd.DataFrame


def assess(symptoms: pd.DataFrame, wellness: pd.DataFrame | None = None,
           visa_h: pd.DataFrame | None = None, *, sessions: pd.DataFrame | None = None,
           load_flags: pd.DataFrame | Iterable[Flag] | None = None) -> ClinicalAssessment:
    """Run every symptom, wellness and triage rule (used by ``loadwatch.analysis.analyse``).

    Parameters
    ----------
    symptoms, wellness, visa_h
        Current log frames (``etl.store.log.log_frames``); give the whole history up to the
        last day of interest, since the rules look back up to 90 days.
    sessions
        Sessions frame, to name the run before each pain flag.
    load_flags
        The load flags (session/weekly/hill/intensity spikes give the triage its context).
    """
    from risk.symptoms import pain_response_flags, wellness_flags, wellness_scores

    hints = triage_all(symptoms, load_flags=load_flags, visa_h=visa_h)
    flags = [*pain_response_flags(symptoms, sessions), *hint_flags(hints)]
    scores = pd.DataFrame()
    if wellness is not None and not wellness.empty:
        scores = wellness_scores(wellness)
        flags += wellness_flags(wellness, scores)
    return ClinicalAssessment(tuple(flags), hints_frame(hints), scores)


def merge_flags(flags: pd.DataFrame, extra: Iterable[Flag]) -> pd.DataFrame:
    """``flags`` (a :func:`risk.flag.flags_frame`) with ``extra`` flags added, ordered as
    :func:`risk.flag.flags_frame` orders them (most urgent first within each day)."""
    added = flags_frame(extra)
    if added.empty:
        return flags
    if flags.empty:
        return added
    both = pd.concat([flags, added], ignore_index=True)
    both["_rank"] = both["severity"].map(SEVERITY_RANK)
    both["_kind"] = both["kind"].map({k: i for i, k in enumerate(KINDS)})
    both = both.sort_values(["athlete", "local_date", "_rank", "_kind"],
                            ascending=[True, True, False, True], kind="stable")
    return both.drop(columns=["_rank", "_kind"]).reset_index(drop=True)

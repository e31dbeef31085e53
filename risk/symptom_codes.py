"""The symptom-log vocabulary: body-map codes, answer codes and the log's column names.

One place for the codes of SCIENCE.md section 7.3 so that the store, the CSV format, the CLI,
the dashboard forms and the triage rules agree. Each code maps to the plain-language label a
form shows. Column names are registered in :mod:`loadwatch.columns`.
"""

from __future__ import annotations

from loadwatch.columns import define

LOCATIONS: dict[str, str] = {
    "ischial_tuberosity": "sit bone (ischial tuberosity)",
    "deep_buttock": "deep in the buttock",
    "posterior_thigh_upper": "back of the thigh, upper part",
    "posterior_thigh_mid": "back of the thigh, middle",
    "below_knee_calf": "below the knee / calf",
    "foot": "foot",
    "low_back": "low back",
    "groin": "groin",
    "lateral_hip": "outside of the hip",
    "other": "somewhere else",
}
SIDES: dict[str, str] = {"left": "left", "right": "right", "both": "both sides"}
RADIATES: dict[str, str] = {
    "none": "stays in one place",
    "thigh": "spreads into the thigh",
    "past_knee": "spreads past the knee",
    "foot": "spreads to the foot",
}
CHARACTERS: dict[str, str] = {
    "ache": "ache / dull",
    "tight": "tight",
    "sharp": "sharp / stabbing",
    "burning": "burning",
    "electric": "electric / shooting",
    "tingling": "tingling / pins and needles",
    "numbness": "numbness",
    "throbbing": "throbbing",
}
AGGRAVATORS: dict[str, str] = {
    "sitting": "sitting",
    "uphill": "uphill running",
    "fast": "faster running / accelerating",
    "hip_flexion_stretch": "stretching with the hip bent",
    "lunge_squat": "lunge or squat",
    "bending_forward": "bending forward",
    "hopping": "hopping / single-leg landing",
    "walking": "walking",
    "weight_bearing": "standing on the leg at rest (weight bearing)",
    "night_pain": "at night or at rest",
    "cough_sneeze": "coughing, sneezing or straining",
    "prolonged_standing": "standing for a long time",
}
ONSETS: dict[str, str] = {
    "gradual": "came on gradually",
    "sudden": "came on suddenly during a run",
    "sudden_pop": "came on suddenly with a 'pop'",
    "after_fall": "after a fall",
}
TIMINGS: dict[str, str] = {
    "during_run": "during the run",
    "warms_up": "eases as the run warms up",
    "worsens_during_run": "gets worse as the run goes on",
    "next_day": "the day after",
    "constant": "constant",
}
NEURO_FLAGS: dict[str, str] = {
    "saddle_numbness": "numbness around the groin/saddle area",
    "bladder_bowel_change": "new change in bladder or bowel control",
    "progressive_leg_weakness": "leg weakness that is getting worse quickly",
    "leg_weakness": "leg weakness",
    "foot_drop": "foot drop (toes catch the ground)",
}
SYSTEMIC_FLAGS: dict[str, str] = {
    "fever": "fever",
    "weight_loss": "unexplained weight loss",
    "cancer_history": "history of cancer",
    "night_sweats": "night sweats",
}
BONE_RISK_CONTEXT: dict[str, str] = {
    "prior_bone_stress": "earlier bone stress injury",
    "menstrual_irregularity": "irregular or missing periods",
    "diet_restriction": "recent diet restriction / low energy availability",
    "recent_load_spike": "recent jump in training load",
}
ACUTE_SIGNS: dict[str, str] = {
    "bruising": "bruising",
    "swelling": "swelling",
    "loss_of_function": "cannot run or walk normally",
}
INJURY_REGIONS: dict[str, str] = {
    **{code: label for code, label in LOCATIONS.items() if code != "other"},
    "knee": "knee",
    "shin": "shin",
    "ankle": "ankle",
    "hip": "hip",
    "other": "somewhere else",
}
ITEM8_BRANCHES: dict[str, str] = {
    "A": "no pain while training",
    "B": "pain while training, but training completed",
    "C": "pain stops training",
}

#: The multi-choice fields of a symptom entry and their allowed codes.
MULTI_CHOICE: dict[str, dict[str, str]] = {}
#: The single-choice fields of a symptom entry and their allowed codes.
SINGLE_CHOICE: dict[str, dict[str, str]] = {}

# Versioning (every log frame)
ENTRY_UID = define("entry_uid", "", "id shared by every version of one log entry")
VERSION_ID = define("version_id", "", "store id of this version of a log entry")
SUPERSEDES = define("supersedes", "", "version_id of the version this one replaced (edits)")
IS_RETRACTED = define("is_retracted", "bool", "the entry was withdrawn (history keeps it)")
ENTERED_BY = define("entered_by", "", "who entered this version (user of the store)")
ENTERED_AT = define("entered_at", "UTC", "when this version was entered, timezone-aware UTC")
LOG_NOTE = define("log_note", "", "free-text note with a log entry")
BODY_SIDE = define("body_side", "", "left, right or both")

# Symptom entries (SCIENCE.md 7.3)
PAIN_AT_REST_NRS = define("pain_at_rest_nrs", "NRS 0-10", "pain now, at rest", "SCIENCE.md 7.3")
PAIN_DURING_RUN_NRS = define("pain_during_run_nrs", "NRS 0-10", "worst pain during the run",
                             "Silbernagel 2007")
PAIN_AFTER_1H_NRS = define("pain_after_1h_nrs", "NRS 0-10", "pain one hour after the run",
                           "Silbernagel 2007")
PAIN_NEXT_MORNING_NRS = define("pain_next_morning_nrs", "NRS 0-10",
                               "pain and stiffness the morning after the run", "Silbernagel 2007")
PAIN_LOCATIONS = define("pain_locations", "codes", "body-map locations of the pain")
PAIN_RADIATES = define("pain_radiates", "code",
                       "where the pain spreads: none, thigh, past_knee, foot")
PAIN_CHARACTER = define("pain_character", "codes", "what the pain feels like")
PAIN_AGGRAVATORS = define("pain_aggravators", "codes", "what makes the pain worse")
SIT_TOLERANCE_MIN = define("sit_tolerance_min", "min", "minutes of sitting before the pain starts")
PAIN_ONSET = define("pain_onset", "code",
                    "how the pain began: gradual, sudden, sudden_pop, after_fall")
PAIN_TIMING = define("pain_timing", "codes", "when the pain shows: during_run, warms_up, ...")
NEURO_FLAGS_COL = define("neuro_flags", "codes", "neurological warning signs reported")
SYSTEMIC_FLAGS_COL = define("systemic_flags", "codes", "whole-body warning signs reported")
BONE_RISK_CONTEXT_COL = define("bone_risk_context", "codes",
                               "context that raises bone-stress suspicion")
ACUTE_SIGNS_COL = define("acute_signs", "codes", "bruising, swelling, loss of function")

# Wellness (SCIENCE.md 5.2)
SLEEP_HOOPER = define("sleep_hooper", "1-7", "sleep quality, 1 very very good ... 7 very very bad",
                      "Hooper 1995")
FATIGUE_HOOPER = define("fatigue_hooper", "1-7", "fatigue, 1 very very low ... 7 very very high",
                        "Hooper 1995")
STRESS_HOOPER = define("stress_hooper", "1-7", "stress, 1 very very low ... 7 very very high",
                       "Hooper 1995")
SORENESS_HOOPER = define("soreness_hooper", "1-7",
                         "muscle soreness, 1 very very low ... 7 very very high", "Hooper 1995")
HOOPER_ITEMS: tuple[str, ...] = (SLEEP_HOOPER, FATIGUE_HOOPER, STRESS_HOOPER, SORENESS_HOOPER)

# Injuries
INJURY_ONSET_DATE = define("injury_onset_date", "date", "local day the injury began")
INJURY_REGION = define("injury_region", "code", "body region of the injury")
CLINICIAN_DIAGNOSIS = define("clinician_diagnosis", "", "diagnosis given by a clinician, if known")
DAYS_LOST = define("days_lost", "d", "days of running lost to the injury")
INJURY_RESOLVED_DATE = define("injury_resolved_date", "date", "local day the injury resolved")

# VISA-H
VISA_H_ITEMS = define("visa_h_items", "points", "the eight VISA-H item scores", "Cacchio 2014")
VISA_H_ITEM8_BRANCH = define("visa_h_item8_branch", "code", "VISA-H item 8 branch: A, B or C",
                             "Cacchio 2014")
VISA_H_POINTS = define("visa_h_points", "points 0-100", "VISA-H score, 100 = no symptoms",
                       "Cacchio 2014")

SINGLE_CHOICE.update({
    BODY_SIDE: SIDES, PAIN_RADIATES: RADIATES, PAIN_ONSET: ONSETS,
})
MULTI_CHOICE.update({
    PAIN_LOCATIONS: LOCATIONS, PAIN_CHARACTER: CHARACTERS, PAIN_AGGRAVATORS: AGGRAVATORS,
    PAIN_TIMING: TIMINGS, NEURO_FLAGS_COL: NEURO_FLAGS, SYSTEMIC_FLAGS_COL: SYSTEMIC_FLAGS,
    BONE_RISK_CONTEXT_COL: BONE_RISK_CONTEXT, ACUTE_SIGNS_COL: ACUTE_SIGNS,
})
PAIN_SCORES: tuple[str, ...] = (PAIN_AT_REST_NRS, PAIN_DURING_RUN_NRS, PAIN_AFTER_1H_NRS,
                                PAIN_NEXT_MORNING_NRS)

VERSION_COLUMNS: tuple[str, ...] = (ENTRY_UID, VERSION_ID, SUPERSEDES, IS_RETRACTED, ENTERED_BY,
                                    ENTERED_AT)
SYMPTOM_COLUMNS: tuple[str, ...] = (
    "athlete", "local_date", "activity_id", *PAIN_SCORES, PAIN_LOCATIONS, BODY_SIDE,
    PAIN_RADIATES, PAIN_CHARACTER, PAIN_AGGRAVATORS, SIT_TOLERANCE_MIN, PAIN_ONSET, PAIN_TIMING,
    NEURO_FLAGS_COL, SYSTEMIC_FLAGS_COL, BONE_RISK_CONTEXT_COL, ACUTE_SIGNS_COL, LOG_NOTE,
    *VERSION_COLUMNS,
)
WELLNESS_COLUMNS: tuple[str, ...] = ("athlete", "local_date", *HOOPER_ITEMS, LOG_NOTE,
                                     *VERSION_COLUMNS)
INJURY_COLUMNS: tuple[str, ...] = (
    "athlete", INJURY_ONSET_DATE, INJURY_REGION, BODY_SIDE, CLINICIAN_DIAGNOSIS, DAYS_LOST,
    INJURY_RESOLVED_DATE, LOG_NOTE, *VERSION_COLUMNS,
)
VISA_H_COLUMNS: tuple[str, ...] = ("athlete", "local_date", VISA_H_ITEMS, VISA_H_ITEM8_BRANCH,
                                   VISA_H_POINTS, LOG_NOTE, *VERSION_COLUMNS)
RPE_COLUMNS: tuple[str, ...] = ("athlete", "activity_id", "perceived_exertion", LOG_NOTE,
                                *VERSION_COLUMNS)

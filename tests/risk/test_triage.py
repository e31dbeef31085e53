"""Triage hints: the patterns of the clinical material, their priority and their wording."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from risk import triage as T
from risk.flag import Flag
from risk.symptoms import pain_response_flags, wellness_flags
from tests.risk.symptom_helpers import day, symptom, symptoms, wellness

TENDON = dict(
    pain_locations=("ischial_tuberosity",), pain_aggravators=("sitting", "uphill", "fast"),
    sit_tolerance_min=20.0, pain_onset="gradual", pain_timing=("next_day",),
    pain_character=("ache",), pain_during_run_nrs=4, pain_next_morning_nrs=3)
NERVE = dict(
    pain_locations=("deep_buttock", "posterior_thigh_mid"), pain_character=("burning",),
    pain_radiates="past_knee", pain_aggravators=("bending_forward",), pain_onset="gradual")
BONE = dict(
    pain_locations=("deep_buttock",), pain_character=("sharp",),
    pain_aggravators=("hopping", "weight_bearing"), pain_timing=("worsens_during_run",))
EMERGENCY = dict(neuro_flags=("saddle_numbness",))

DIAGNOSTIC = re.compile(r"\byou have\b|\byou've got\b|diagnos|fracture|sciatica|tendinopathy"
                        r"|\bis a (tear|strain)\b", re.IGNORECASE)


def categories(hints: list[T.TriageHint]) -> list[str]:
    return [h.category for h in hints]


def spike(n: int, kind: str = "session_spike") -> Flag:
    return Flag("ann", day(n), kind, "moderate", 40.0, 10.0, "%", "spike", "x")


def test_tendon_pattern_sit_bone_worse_sitting_uphill_fast_next_day() -> None:
    hints = T.triage(symptom(10, **TENDON))
    assert categories(hints) == [T.TENDON]
    hint = hints[0]
    assert not hint.is_red_flag and hint.priority == 6
    assert hint.prompt == T.PROMPTS[T.TENDON]
    assert "Keep pain ≤5/10 during activity and settled by next morning." in hint.prompt
    assert {"sit-bone pain", "worse sitting (pain after 20 min)", "worse with uphill running",
            "worse with faster running / accelerating", "gradual onset",
            "pain the next day"} == set(hint.reasons)


def test_tendon_pattern_from_shorter_sit_tolerance_than_usual() -> None:
    entry = symptom(10, **{**TENDON, "pain_aggravators": ("uphill",)})
    assert T.triage(entry) == []
    hints = T.triage(entry, T.TriageContext(usual_sit_tolerance_min=60.0))
    assert categories(hints) == [T.TENDON]
    assert "worse sitting (pain after 20 min, usually 60 min)" in hints[0].reasons


def test_nerve_pattern_burning_past_the_knee_worse_bending_forward() -> None:
    hints = T.triage(symptom(10, **NERVE))
    assert categories(hints) == [T.NERVE]
    assert hints[0].is_red_flag and hints[0].reasons == (
        "pain felt as burning", "pain that spreads past the knee", "pain worse bending forward")
    (flag,) = T.hint_flags([T.TriageHint(**{**hints[0].__dict__, "athlete": "ann",
                                             "local_date": day(10)})])
    assert (flag.kind, flag.severity, flag.category) == ("red_flag", "urgent", T.NERVE)
    assert flag.advice == T.PROMPTS[T.NERVE]


def test_bone_stress_after_a_session_spike_from_the_load_flags() -> None:
    log = symptoms(symptom(20, **BONE))
    hints = T.triage_all(log, load_flags=[spike(8), spike(-20)])  # 12 and 40 days before
    assert categories(hints) == [T.BONE_STRESS]
    assert hints[0].reasons == ("pain with hopping / single-leg landing",
                                "pain with standing on the leg at rest (weight bearing)",
                                "sharp pain that gets worse as the run goes on",
                                "a load spike on 2024-05-09")
    flags = T.hint_flags(hints)
    assert [(f.kind, f.severity, f.local_date) for f in flags] == [("red_flag", "urgent", day(20))]
    assert flags[0].advice == "Stop running and see a physician soon; imaging may be needed."


def test_bone_stress_fires_without_a_spike_too() -> None:
    assert categories(T.triage(symptom(3, pain_aggravators=("night_pain",)))) == [T.BONE_STRESS]


def test_saddle_numbness_is_an_emergency_and_hides_nothing() -> None:
    assert categories(T.triage(symptom(1, **EMERGENCY))) == [T.EMERGENCY]
    mixed = symptom(1, **{**TENDON, **EMERGENCY, "pain_character": ("burning", "sharp"),
                          "pain_aggravators": ("sitting", "uphill", "hopping")})
    hints = T.triage(mixed)
    assert categories(hints) == [T.EMERGENCY, T.BONE_STRESS, T.NERVE]  # tendon hint withheld
    assert [h.priority for h in hints] == [1, 2, 3]
    assert hints[0].prompt == "Seek urgent medical care now."


def test_sudden_pop_is_a_possible_acute_tear() -> None:
    hints = T.triage(symptom(1, pain_onset="sudden_pop", pain_locations=("posterior_thigh_upper",),
                             pain_aggravators=("fast",), pain_character=("sharp",)))
    assert categories(hints) == [T.ACUTE_TEAR]
    bruised = T.triage(symptom(1, pain_onset="sudden", acute_signs=("bruising",)))
    assert categories(bruised) == [T.ACUTE_TEAR]
    assert categories(T.triage(symptom(1, pain_onset="sudden"))) == []


def test_persistent_after_14_days_without_improvement() -> None:
    rows = [symptom(n, pain_at_rest_nrs=4) for n in range(0, 16, 3)]  # days 0..15, pain 4
    hints = T.triage_all(symptoms(*rows))
    persistent = [(h.local_date, h.reasons) for h in hints if h.category == T.PERSISTENT]
    assert persistent == [(day(15), ("symptoms for 15 days without improving",))]
    improving = [symptom(n, pain_at_rest_nrs=max(1, 5 - n // 3)) for n in range(0, 16, 3)]
    assert T.triage_all(symptoms(*improving)) == []  # 5 -> 1: a 2-point improvement


def test_persistent_when_visa_h_falls_10_points() -> None:
    visa = pd.DataFrame({"athlete": ["ann", "ann"], "local_date": [day(0), day(7)],
                         "visa_h_points": [70, 60]})
    hints = T.triage_all(symptoms(symptom(8, pain_at_rest_nrs=2)), visa_h=visa)
    assert [(h.category, h.reasons) for h in hints] == [(T.PERSISTENT, ("VISA-H down 10 points",))]


def test_persistent_when_pain_rules_broken_two_weeks_running() -> None:
    log = symptoms(symptom(0, pain_during_run_nrs=6), symptom(9, pain_during_run_nrs=7))
    hints = T.triage_all(log)
    assert [(h.local_date, h.category) for h in hints] == [(day(9), T.PERSISTENT)]


def test_doms_like_after_an_unusual_session_and_improving() -> None:
    sore = dict(pain_locations=("posterior_thigh_mid",), pain_character=("ache",))
    log = symptoms(symptom(5, pain_at_rest_nrs=3, **sore), symptom(6, pain_at_rest_nrs=2, **sore))
    hints = T.triage_all(log, load_flags=[spike(4, "hill_spike")])
    assert [(h.local_date, h.category) for h in hints] == [(day(5), T.DOMS), (day(6), T.DOMS)]
    assert hints[0].reasons[1] == "1 day(s) after an unusual session"
    assert T.triage_all(log) == []  # no unusual session: no hint
    worse = symptoms(symptom(5, pain_at_rest_nrs=2, **sore), symptom(6, pain_at_rest_nrs=4, **sore))
    assert categories(T.triage_all(worse, load_flags=[spike(4)])) == [T.DOMS]  # day 6 not improving


def test_no_message_contains_diagnostic_wording() -> None:
    entries = [symptom(n, **pattern) for n, pattern in enumerate(
        (TENDON, NERVE, BONE, EMERGENCY, {"pain_onset": "sudden_pop"},
         {"systemic_flags": ("fever",)}, {"pain_during_run_nrs": 9, "pain_next_morning_nrs": 6}))]
    log = symptoms(*entries)
    hints = T.triage_all(log, load_flags=[spike(0)])
    assert {h.category for h in hints} >= {T.EMERGENCY, T.BONE_STRESS, T.NERVE, T.ACUTE_TEAR,
                                           T.PERSISTENT, T.TENDON}
    texts = [h.message for h in hints] + list(T.PROMPTS.values())
    texts += [f.message + " " + f.advice for f in pain_response_flags(log)]
    hooper = [(n, (1 + n % 2, 2, 2, 2)) for n in range(15)] + [(15, (7, 7, 7, 7))]
    texts += [f.message for f in wellness_flags(wellness(hooper))]
    assert len(texts) > 15
    for text in texts:
        assert not DIAGNOSTIC.search(text), text


def test_assess_puts_every_rule_together() -> None:
    log = symptoms(symptom(3, **TENDON), symptom(4, **EMERGENCY), symptom(5, pain_during_run_nrs=6))
    hooper = [(n, (1, 2, 2, 2) if n % 2 else (2, 3, 3, 3)) for n in range(14)]
    hooper.append((14, (4, 3, 3, 3)))
    result = T.assess(log, wellness(hooper))
    kinds = sorted({(f.kind, f.category) for f in result.flags})
    assert kinds == [("pain_response", T.TENDON), ("pain_response", "during_above_5"),
                     ("pain_response", "not_settled_next_morning"),  # 3/10, no earlier morning
                     ("poor_recovery", "wellness_one_day"), ("red_flag", T.EMERGENCY)]
    assert result.wellness["hooper_z"].iloc[-1] > 1.5
    assert result.hints[T.HINT_CATEGORY].tolist() == [T.TENDON, T.EMERGENCY]
    assert result.hints[T.IS_RED_FLAG].tolist() == [False, True]


@pytest.mark.parametrize("category", T.CATEGORIES)
def test_every_category_has_prompt_priority_and_evidence(category: str) -> None:
    from risk.evidence import explain

    assert T.PROMPTS[category] and 1 <= T.PRIORITY[category] <= 7
    assert explain(T.EVIDENCE_KEYS[category]).citation


def test_context_for_a_new_entry_from_the_history_frames() -> None:
    from risk.flag import flags_frame

    history = symptoms(*[symptom(n, pain_at_rest_nrs=3, sit_tolerance_min=60.0)
                         for n in range(0, 15, 2)])
    entry = symptom(16, **{**BONE, "pain_at_rest_nrs": 3, "sit_tolerance_min": 25.0})
    context = T.triage_context(entry, history, load_flags=flags_frame([spike(10), spike(15)]))
    assert context.recent_spike_dates == (day(10), day(15))
    assert context.usual_sit_tolerance_min == 60.0
    assert context.symptomatic_days == 16 and not context.improved_since_start
    assert context.previous_pain_nrs == 3.0
    assert categories(T.triage(entry, context)) == [T.BONE_STRESS, T.PERSISTENT]


def test_a_pattern_logged_daily_gives_one_flag_a_week_and_red_flags_every_time() -> None:
    daily = [symptom(n, **TENDON) for n in range(10)] + [symptom(n, **EMERGENCY)
                                                        for n in (3, 4)]
    flags = T.hint_flags(T.triage_all(symptoms(*daily)))
    tendon = [f for f in flags if f.category == T.TENDON]
    assert [f.local_date for f in tendon] == [day(0), day(7)]
    assert [f.details["entries"] for f in tendon] == [7, 3]
    assert tendon[0].details["last_entry_date"] == day(6).isoformat()
    red = [f for f in flags if f.kind == "red_flag"]
    assert [f.local_date for f in red] == [day(3), day(4)]
    assert all(f.severity == "urgent" for f in red)

"""Pain-monitoring rules, wellness z-scores and the Today-page pain decision, on hand-built logs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from risk import symptoms as R
from risk.evidence import explain
from tests.risk.symptom_helpers import day, sessions, symptom, symptoms, wellness


def _flags(frame: pd.DataFrame, runs: pd.DataFrame | None = None, category: str | None = None):
    found = R.pain_response_flags(frame, runs)
    return [f for f in found if category is None or f.category == category]


def test_pain_during_above_5_names_the_run_before_it() -> None:
    runs = sessions((3, 11, "Hill reps", "Run", 12_000.0), (3, 12, "Commute", "Ride", 8_000.0),
                    (1, 10, "Easy", "Run", 8_000.0))
    log = symptoms(symptom(3, pain_during_run_nrs=6), symptom(5, pain_during_run_nrs=5))
    flags = _flags(log, runs, "during_above_5")
    assert len(flags) == 1  # 5/10 is allowed, 6/10 is not
    flag = flags[0]
    assert (flag.kind, flag.severity, flag.local_date) == ("pain_response", "moderate", day(3))
    assert (flag.value, flag.threshold, flag.activity_id) == (6.0, 5.0, 11)
    assert "'Hill reps' (2024-05-04, 12.0 km)" in flag.message
    assert explain(flag.evidence_key).doi == "10.1177/0363546506298279"


def test_pain_during_8_or_more_is_high_and_the_entry_activity_wins() -> None:
    runs = sessions((2, 20, "Tempo", "Run", 10_000.0), (2, 21, "Shakeout", "Run", 3_000.0))
    flag = _flags(symptoms(symptom(2, pain_during_run_nrs=8, activity_id=20)), runs)[0]
    assert flag.severity == "high" and flag.activity_id == 20 and "'Tempo'" in flag.message


def test_next_morning_pain_against_the_previous_morning() -> None:
    log = symptoms(
        symptom(0, pain_next_morning_nrs=1),   # no baseline: 1 <= 2 allowed
        symptom(1, pain_next_morning_nrs=2),   # baseline 1 -> not settled
        symptom(2, pain_next_morning_nrs=2),   # baseline 2 -> settled
        symptom(20, pain_next_morning_nrs=3),  # previous entry 18 days old: no baseline, 3 > 2
    )
    flags = _flags(log, None, "not_settled_next_morning")
    assert [(f.local_date, f.value, f.threshold) for f in flags] == [
        (day(2), 2.0, 1.0),   # dated the morning after the day-1 run
        (day(21), 3.0, 2.0),
    ]
    assert all("no run recorded" in f.message for f in flags)


def test_weekly_rise_of_morning_pain() -> None:
    # day 10: this week (days 4-10) mean (2 + 3) / 2 = 2.5; the week before (days -3..3)
    # mean (1 + 1) / 2 = 1.0; 2.5 > 1.0 + 1 -> rising. Day 8: (1 + 2) / 2 = 1.5 vs 1.0: not.
    log = symptoms(symptom(0, pain_next_morning_nrs=1), symptom(3, pain_next_morning_nrs=1),
                   symptom(8, pain_next_morning_nrs=2), symptom(10, pain_next_morning_nrs=3),
                   symptom(11, pain_next_morning_nrs=3))
    checks = R.pain_rule_checks(log)
    assert checks[R.WEEK_MORNING_PAIN_NRS].tolist()[2:4] == [1.5, 2.5]
    assert checks[R.PREV_WEEK_MORNING_PAIN_NRS].tolist()[2:4] == [1.0, 1.0]
    weekly = _flags(log, None, "weekly_rise")
    assert [(f.local_date, f.value, f.threshold) for f in weekly] == [(day(10), 2.5, 2.0)]


def test_missing_scores_break_no_rule() -> None:
    checks = R.pain_rule_checks(symptoms(symptom(0), symptom(1, pain_at_rest_nrs=4)))
    rules = [R.BREAKS_DURING_RULE, R.BREAKS_MORNING_RULE, R.BREAKS_WEEKLY_RULE]
    assert not checks[rules].any().any()


def test_pain_rules_need_their_columns() -> None:
    with pytest.raises(ValueError, match="pain_next_morning_nrs"):
        R.pain_rule_checks(pd.DataFrame({"athlete": ["a"], "local_date": [day(0)],
                                         "pain_during_run_nrs": [3.0]}))


LOW, HIGH = (1, 2, 2, 2), (2, 3, 3, 3)  # Hooper index 7 and 11


def _baseline() -> list[tuple[int, tuple[int, int, int, int]]]:
    return [(n, LOW if n % 2 else HIGH) for n in range(14)]  # 7 x 7 and 7 x 11: mean 9


def test_wellness_z_against_the_28_days_before() -> None:
    scores = R.wellness_scores(wellness([*_baseline(), (14, (3, 3, 3, 3)), (15, (3, 3, 3, 3))]))
    first, second = scores.iloc[14], scores.iloc[15]
    # day 14: 14 entries, mean 9, sd = sqrt(14 * 2**2 / 13); z = (12 - 9) / sd
    assert first[R.HOOPER_INDEX_AU] == 12 and first[R.HOOPER_BASELINE_ENTRIES] == 14
    assert first[R.HOOPER_Z] == pytest.approx(3 / math.sqrt(56 / 13))
    # day 15: 15 entries (the 12 of day 14 included), mean 138 / 15 = 9.2,
    # sum of squares 7 * 2.2**2 + 7 * 1.8**2 + 2.8**2 = 64.4, sd = sqrt(64.4 / 14)
    assert second[R.HOOPER_BASELINE_MEAN_AU] == pytest.approx(9.2)
    assert second[R.HOOPER_Z] == pytest.approx(2.8 / math.sqrt(64.4 / 14))
    assert scores[R.HOOPER_Z].iloc[:14].isna().all()  # fewer than 14 entries before


def test_poor_recovery_on_two_days_at_z_1_or_one_day_at_1_5() -> None:
    two_days = R.wellness_flags(wellness([*_baseline(), (14, (3, 3, 3, 3)), (15, (3, 3, 3, 3))]))
    assert [(f.kind, f.category, f.local_date) for f in two_days] == [
        ("poor_recovery", "wellness_two_days", day(15))]
    assert two_days[0].value == pytest.approx(1.31, abs=0.005)
    one_day = R.wellness_flags(wellness([*_baseline(), (14, (4, 3, 3, 3))]))  # z = 4 / 2.0755
    assert [(f.category, f.value) for f in one_day] == [("wellness_one_day", 1.93)]
    gap = R.wellness_flags(wellness([*_baseline(), (14, (3, 3, 3, 3)), (16, (3, 3, 3, 3))]))
    assert gap == []  # not consecutive days


def test_no_wellness_flags_before_14_entries() -> None:
    assert R.wellness_flags(wellness([*_baseline()[:13], (13, (7, 7, 7, 7))])) == []


@pytest.mark.parametrize(("rows", "decision"), [
    ([], "progress"),
    ([symptom(9, pain_during_run_nrs=6, pain_next_morning_nrs=1)], "reduce"),
    ([symptom(9, pain_during_run_nrs=3, pain_next_morning_nrs=0)], "hold"),
    ([symptom(9, pain_during_run_nrs=3)], "hold"),
    ([symptom(9, pain_during_run_nrs=1, pain_next_morning_nrs=0)], "progress"),
    ([symptom(1, pain_during_run_nrs=7)], "progress"),  # more than 7 days ago
    ([symptom(10, neuro_flags=("saddle_numbness",))], "reduce"),
])
def test_pain_monitoring_status(rows: list[dict[str, object]], decision: str) -> None:
    status = R.pain_monitoring_status(symptoms(*rows), day(10))
    assert status.decision == decision and status.reason


def test_red_flag_reason_is_the_urgent_prompt() -> None:
    entry = symptom(10, neuro_flags=("saddle_numbness",))
    status = R.pain_monitoring_status(symptoms(entry), day(10))
    assert status.reason.startswith("Seek urgent medical care now.")


def test_injury_windows_for_the_load_rules() -> None:
    injuries = pd.DataFrame({"athlete": ["ann"], "injury_onset_date": [day(3)],
                             "injury_region": ["shin"], "injury_resolved_date": [day(30)]})
    frame = R.injury_windows(injuries)
    assert frame.to_dict(orient="records") == [
        {"athlete": "ann", "onset_date": day(3), "resolved_date": day(30)}]
    assert list(R.injury_windows(injuries.iloc[:0]).columns) == ["athlete", "onset_date",
                                                                 "resolved_date"]


def test_the_wellness_rule_is_installed_in_the_load_recovery_rules() -> None:
    from risk.rules.recovery import WELLNESS_RULE

    frame = wellness([*_baseline(), (14, (4, 3, 3, 3))])
    found = [flag for rule in WELLNESS_RULE for flag in rule(frame, None)]
    assert [(f.kind, f.category) for f in found] == [("poor_recovery", "wellness_one_day")]

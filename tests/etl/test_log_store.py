"""The log API: entries stored per athlete with who/when, edits keep history, bad input stores
nothing; the same on PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from etl.errors import InputError, StoreError
from etl.records import ActivityRecord, ParsedActivity, empty_streams
from etl.store import Store, log

DAY = dt.date(2024, 5, 6)


def _run(store: Store, athlete: str = "ann") -> int:
    start = dt.datetime(2024, 5, 6, 7, 0, tzinfo=dt.UTC)
    record = ActivityRecord(source="file", source_id="r1", sport_type="Run", start_time_utc=start,
                            start_time_local=start.replace(tzinfo=None), timezone="UTC",
                            distance_m=10_000.0, moving_time_s=3000.0)
    return store.upsert_activity(athlete, ParsedActivity(record, empty_streams())).activity_id


def _tendon(**changes: object) -> log.SymptomEntry:
    entry = log.SymptomEntry(
        local_date=DAY, pain_during_run_nrs=4, pain_after_1h_nrs=3,
        pain_locations=("ischial_tuberosity",), body_side="left",
        pain_aggravators=("sitting", "uphill"), sit_tolerance_min=20, pain_onset="gradual",
        log_note="niggle after hills")
    return dataclasses.replace(entry, **changes)


def _exercise(store: Store) -> None:
    saved = log.add(store, "ann", _tendon(), entered_by="ann")
    log.add(store, "bob", _tendon(pain_during_run_nrs=1), entered_by="bob")
    frame = log.symptoms(store, "ann")
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["pain_locations"] == ("ischial_tuberosity",)
    assert row["pain_aggravators"] == ("sitting", "uphill")
    assert (row["entered_by"], row["entry_uid"], row["local_date"]) == ("ann", saved.entry_uid, DAY)
    assert row["entered_at"].tzinfo is not None

    edited = log.edit(store, saved.entry_uid, _tendon(pain_next_morning_nrs=2),
                      entered_by="physio jo")
    current = log.symptoms(store, "ann")
    assert current["pain_next_morning_nrs"].tolist() == [2.0]
    assert current["version_id"].tolist() == [edited.version_id]
    history = log.history(store, "symptoms", entry_uid=saved.entry_uid)
    assert history["entered_by"].tolist() == ["ann", "physio jo"]
    assert history["pain_next_morning_nrs"].isna().tolist() == [True, False]
    assert history["supersedes"].tolist()[1] == saved.version_id

    log.retract(store, "symptoms", saved.entry_uid, entered_by="ann", reason="wrong day")
    assert log.symptoms(store, "ann").empty
    assert len(log.history(store, "symptoms", athlete="ann")) == 3
    assert log.symptoms(store)["athlete"].tolist() == ["bob"]


def test_add_edit_retract_keeps_history(store: Store) -> None:
    _exercise(store)


@pytest.mark.postgres
def test_add_edit_retract_on_postgres(pg_store: Store) -> None:
    _exercise(pg_store)


def test_wellness_injury_and_visa_h_round_trip(store: Store) -> None:
    log.add(store, "ann", log.WellnessEntry(DAY, 2, 3, 4, 5))
    log.add(store, "ann", log.InjuryRecord(DAY, "ischial_tuberosity", "left",
                                           "proximal hamstring tendon pain (physio)", 21,
                                           DAY + dt.timedelta(days=30)))
    log.add(store, "ann", log.VisaHEntry(DAY, (5, 6, 7, 4, 3, 8, 4, 12), "B"))
    well = log.wellness(store, "ann")
    assert well[["sleep_hooper", "fatigue_hooper", "stress_hooper", "soreness_hooper"]
                ].iloc[0].tolist() == [2, 3, 4, 5]
    injury = log.injuries(store, "ann").iloc[0]
    assert (injury["injury_region"], injury["days_lost"]) == ("ischial_tuberosity", 21)
    visa = log.visa_h(store, "ann").iloc[0]
    assert visa["visa_h_points"] == 49 and visa["visa_h_items"] == (5, 6, 7, 4, 3, 8, 4, 12)
    frames = log.log_frames(store, ["ann"])
    assert [len(frames.symptoms), len(frames.wellness), len(frames.injuries),
            len(frames.visa_h)] == [0, 1, 1, 1]
    assert log.entry_from_row("injuries", injury.to_dict()) == log.InjuryRecord(
        DAY, "ischial_tuberosity", "left", "proximal hamstring tendon pain (physio)", 21,
        DAY + dt.timedelta(days=30))


@pytest.mark.parametrize(("build", "field", "fix"), [
    (lambda: _tendon(pain_during_run_nrs=11), "pain_during_run_nrs", "outside 0-10"),
    (lambda: _tendon(pain_locations=("sitbone",)), "pain_locations", "use any of"),
    (lambda: _tendon(body_side="middle"), "body_side", "left, right, both"),
    (lambda: log.WellnessEntry(DAY, 0, 3, 3, 3), "sleep_hooper", "outside 1-7"),
    (lambda: log.InjuryRecord(DAY, "knee", days_lost=-2), "days_lost", "0 or more"),
    (lambda: log.InjuryRecord(DAY, "knee", injury_resolved_date=DAY - dt.timedelta(days=1)),
     "injury_resolved_date", "before the onset"),
    (lambda: log.VisaHEntry(DAY, (5,) * 6 + (5, 10), "A"), "visa_h_items", "item 7"),
])
def test_bad_entries_name_the_field_and_the_fix(build, field: str, fix: str) -> None:
    with pytest.raises(InputError, match=fix) as info:
        build()
    assert info.value.source == field


def test_rpe_goes_onto_the_activity_and_keeps_its_history(store: Store) -> None:
    activity = _run(store)
    log.set_rpe(store, activity, 6, entered_by="ann")
    log.set_rpe(store, activity, 7, entered_by="coach")
    assert store.activities("ann")["perceived_exertion"].tolist() == [7.0]
    history = log.history(store, "rpe")
    assert history["perceived_exertion"].tolist() == [6.0, 7.0]
    assert history["entered_by"].tolist() == ["ann", "coach"]
    assert log.current(store, "rpe")["perceived_exertion"].tolist() == [7.0]
    with pytest.raises(StoreError, match="no activity with id 999"):
        log.set_rpe(store, 999, 5)
    with pytest.raises(InputError, match="outside 0-10"):
        log.set_rpe(store, activity, 12)
    assert store.activities("ann")["perceived_exertion"].tolist() == [7.0]


def test_editing_an_unknown_entry_changes_nothing(store: Store) -> None:
    log.add(store, "ann", _tendon())
    with pytest.raises(StoreError, match="no log entry 'nope'"):
        log.edit(store, "nope", _tendon(pain_during_run_nrs=2))
    assert log.symptoms(store, "ann")["pain_during_run_nrs"].tolist() == [4.0]


def test_a_version_can_only_be_superseded_once(store: Store) -> None:
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from etl.store import tables_log
    from etl.store.base import utcnow

    saved = log.add(store, "ann", log.WellnessEntry(DAY, 2, 2, 2, 2))
    log.edit(store, saved.entry_uid, log.WellnessEntry(DAY, 3, 2, 2, 2))
    with pytest.raises(IntegrityError), store.transaction() as conn:
        conn.execute(insert(tables_log.wellness_entries).values(
            entry_uid=saved.entry_uid, athlete_id=store.athlete_id("ann"),
            supersedes=saved.version_id, is_retracted=False, entered_by="x",
            entered_at=utcnow(), local_date=DAY, sleep_hooper=4, fatigue_hooper=2,
            stress_hooper=2, soreness_hooper=2, log_note=""))
    assert log.wellness(store, "ann")["sleep_hooper"].tolist() == [3]


def test_deleting_the_run_keeps_the_symptom_entry(store: Store) -> None:
    activity = _run(store)
    log.add(store, "ann", _tendon(activity_id=activity))
    store.delete_activity("file", "r1")
    frame = log.symptoms(store, "ann")
    assert len(frame) == 1 and frame["activity_id"].isna().all()


def test_analyse_adds_the_log_rules_to_the_load_flags(store: Store) -> None:
    from loadwatch.analysis import analyse

    activity = _run(store)
    log.add(store, "ann", _tendon(pain_during_run_nrs=7, pain_aggravators=("hopping",)))
    log.add(store, "ann", log.InjuryRecord(DAY, "shin", "right", days_lost=10))
    result = analyse(store, ["ann"])
    mine = result.flags[result.flags["kind"].isin(["red_flag", "pain_response"])]
    assert mine[["kind", "severity", "category"]].values.tolist() == [
        ["red_flag", "urgent", "BONE_STRESS_POSSIBLE"],
        ["pain_response", "moderate", "during_above_5"]]
    assert mine["activity_id"].tolist()[1] == activity
    assert result.hints["hint_category"].tolist() == ["BONE_STRESS_POSSIBLE"]
    later = analyse(store, ["ann"], since=DAY + dt.timedelta(days=1))
    assert later.hints.empty and later.flags[later.flags["kind"] == "red_flag"].empty


def test_no_setting_hides_an_emergency_or_bone_stress_pattern(store: Store) -> None:
    from loadwatch.analysis import analyse
    from risk.settings import RiskSettings

    _run(store)
    log.add(store, "ann", _tendon(neuro_flags=("saddle_numbness",),
                                  pain_aggravators=("sitting", "uphill", "hopping")))
    lenient = RiskSettings(session_small_pct=500.0, weekly_spike_pct=500.0,
                           consecutive_hard_days=30, no_rest_days=60)
    flags = analyse(store, ["ann"], settings=lenient).flags
    red = flags[flags["kind"] == "red_flag"]
    assert red["category"].tolist() == ["EMERGENCY", "BONE_STRESS_POSSIBLE"]
    assert set(red["severity"]) == {"urgent"}
    assert flags.iloc[0]["category"] == "EMERGENCY"  # first of its day, whatever else fires


def test_add_many_is_add_for_each_entry(store: Store) -> None:
    entries = [log.WellnessEntry(DAY, 2, 3, 3, 4), _tendon(),
               log.WellnessEntry(DAY + dt.timedelta(days=1), 3, 3, 3, 3)]
    uids = log.add_many(store, "ann", entries, entered_by="coach")
    assert len(set(uids)) == 3
    assert log.wellness(store, "ann")["entry_uid"].tolist() == [uids[0], uids[2]]
    assert log.symptoms(store, "ann")["entered_by"].tolist() == ["coach"]
    log.edit(store, uids[1], _tendon(pain_next_morning_nrs=1))
    assert log.symptoms(store, "ann")["pain_next_morning_nrs"].tolist() == [1.0]

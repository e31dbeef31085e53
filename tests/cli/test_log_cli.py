"""``loadwatch log ...`` and the log CSV through ``loadwatch import``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from etl.records import ActivityRecord, ParsedActivity, empty_streams
from etl.store import Store, log
from loadwatch.cli.main import main


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(db: str, *args: str) -> int:
    return main(["--db", db, *args])


def test_symptom_entry_prints_its_triage_hints(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(db, "log", "symptom", "--athlete", "ann", "--date", "2024-05-06", "--during", "4",
               "--morning", "2", "--location", "ischial_tuberosity", "--aggravator", "sitting",
               "--aggravator", "uphill", "--sit-tolerance", "20", "--onset", "gradual")
    out = capsys.readouterr().out
    assert code == 0
    assert "[TENDON_LOAD_PATTERN] This pattern often responds to load management" in out
    assert "Not a medical device; not a diagnosis." in out
    code = run(db, "log", "symptom", "--athlete", "ann", "--date", "2024-05-07",
               "--neuro", "saddle_numbness", "--location", "ischial_tuberosity",
               "--aggravator", "sitting", "--aggravator", "uphill")
    out = capsys.readouterr().out
    assert code == 0
    assert "RED FLAG [EMERGENCY] Seek urgent medical care now." in out
    assert "TENDON_LOAD_PATTERN" not in out  # never beside an emergency


def test_bad_values_are_usage_errors_and_store_nothing(db: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, "log", "symptom", "--athlete", "ann", "--during", "12") == 2
    assert "--during: 12 is outside 0-10" in capsys.readouterr().err
    assert run(db, "log", "symptom", "--athlete", "ann", "--location", "sitbone") == 2
    assert "--location: unknown code(s) 'sitbone'" in capsys.readouterr().err
    assert run(db, "log", "visa-h", "--athlete", "ann", "--items", "5,6,7,4,3,8,5,12",
               "--branch", "B") == 2
    assert "item 7: 5 is not one of 0, 4, 7, 10" in capsys.readouterr().err
    assert run(db, "log", "symptom", "--during", "3") == 2
    assert "--athlete NAME" in capsys.readouterr().err
    store = Store.open(db)
    assert log.symptoms(store).empty and log.visa_h(store).empty


def test_wellness_injury_visa_h_and_edit_history(db: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, "log", "wellness", "--athlete", "ann", "--date", "2024-05-06", "--sleep", "2",
               "--fatigue", "3", "--stress", "3", "--soreness", "4") == 0
    assert "Hooper index 12" in capsys.readouterr().out
    assert run(db, "log", "injury", "--athlete", "ann", "--onset", "2024-05-07", "--region",
               "ischial_tuberosity", "--side", "left", "--days-lost", "21") == 0
    assert run(db, "log", "visa-h", "--athlete", "ann", "--date", "2024-05-08", "--items",
               "5,6,7,4,3,8,4,12", "--branch", "b") == 0
    assert "VISA-H 49/100" in capsys.readouterr().out
    store = Store.open(db)
    uid = log.injuries(store, "ann")["entry_uid"].iloc[0]
    assert run(db, "log", "injury", "--edit", uid, "--by", "physio", "--onset", "2024-05-07",
               "--region", "ischial_tuberosity", "--side", "left", "--days-lost", "28",
               "--resolved", "2024-06-10") == 0
    capsys.readouterr()
    assert run(db, "log", "history", "--kind", "injuries", "--entry", uid, "--format",
               "json") == 0
    versions = json.loads(capsys.readouterr().out)
    assert [(v["days_lost"], v["entered_by"]) for v in versions] == [(21, "local"),
                                                                      (28, "physio")]
    assert versions[1]["supersedes"] == versions[0]["version_id"]
    assert run(db, "log", "list", "--kind", "injuries", "--format", "json") == 0
    assert [v["days_lost"] for v in json.loads(capsys.readouterr().out)] == [28]
    assert run(db, "log", "visa-h", "--athlete", "ann", "--date", "2024-05-15", "--items",
               "7,7,7,7,6,7,7,16", "--branch", "B") == 0
    capsys.readouterr()
    assert run(db, "log", "list", "--kind", "visa_h", "--format", "json") == 0
    trend = json.loads(capsys.readouterr().out)
    assert [(t["visa_h_points"], t["visa_h_change_points"], t["is_large_visa_h_change"])
            for t in trend] == [(49, None, False), (64, 15.0, True)]


def test_rpe_for_a_stored_activity(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store.open(db)
    start = dt.datetime(2024, 5, 6, 7, tzinfo=dt.UTC)
    record = ActivityRecord(source="file", source_id="r1", sport_type="Run",
                            start_time_utc=start, start_time_local=start.replace(tzinfo=None),
                            timezone="UTC", distance_m=10_000.0, moving_time_s=3000.0)
    activity = store.upsert_activity("ann", ParsedActivity(record, empty_streams())).activity_id
    assert run(db, "log", "rpe", "--activity", str(activity), "--rpe", "6") == 0
    assert store.activities("ann")["perceived_exertion"].tolist() == [6.0]
    assert run(db, "log", "rpe", "--activity", str(activity), "--rpe", "11") == 2
    assert "--rpe: 11 is outside 0-10" in capsys.readouterr().err


def test_csv_import_export_through_the_cli(db: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "wellness.csv"
    path.write_text("date,sleep_hooper,fatigue_hooper,stress_hooper,soreness_hooper\n"
                    "2024-05-01,2,3,3,4\n2024-05-02,9,3,3,3\n2024-05-03,3,3,3,3\n")
    assert run(db, "import", str(path), "--athlete", "ann") == 1  # partly failed
    err = capsys.readouterr().err
    assert "wellness.csv row 3, sleep_hooper: 9 is outside 1-7" in err
    out_file = tmp_path / "out.csv"
    assert run(db, "log", "export", "--kind", "wellness", "--out", str(out_file)) == 0
    assert out_file.read_text().splitlines() == [
        "athlete,date,sleep_hooper,fatigue_hooper,stress_hooper,soreness_hooper,log_note",
        "ann,2024-05-01,2,3,3,4,", "ann,2024-05-03,3,3,3,3,"]
    assert run(db, "log", "template", "--kind", "symptoms") == 0
    assert capsys.readouterr().out.startswith("athlete,date,pain_at_rest_nrs")


def test_hints_command_lists_hints_as_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(db, "log", "symptom", "--athlete", "ann", "--date", "2024-05-06", "--character",
        "burning", "--radiates", "past_knee", "--location", "deep_buttock")
    capsys.readouterr()
    assert run(db, "log", "hints", "--format", "json") == 0
    (hint,) = json.loads(capsys.readouterr().out)
    assert (hint["hint_category"], hint["is_red_flag"]) == ("NERVE_RELATED_POSSIBLE", True)
    assert hint["local_date"] == "2024-05-06"


def test_log_flags_appear_in_loadwatch_flags(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(db, "log", "symptom", "--athlete", "ann", "--date", "2024-05-06", "--during", "7",
        "--aggravator", "hopping", "--location", "below_knee_calf")
    capsys.readouterr()
    assert run(db, "flags", "--until", "2024-05-31", "--format", "json") == 0
    flags = json.loads(capsys.readouterr().out)
    assert [(f["kind"], f["severity"], f["category"]) for f in flags] == [
        ("red_flag", "urgent", "BONE_STRESS_POSSIBLE"),
        ("pain_response", "moderate", "during_above_5")]
    assert flags[0]["advice"] == "Stop running and see a physician soon; imaging may be needed."
    assert run(db, "flags", "--explain", "triage_bone_stress") == 0
    assert "doi: 10.2519/jospt.2014.5334" in capsys.readouterr().out

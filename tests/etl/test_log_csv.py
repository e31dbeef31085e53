"""The symptoms/wellness/injuries/VISA-H CSV: detection, import with row-level rejections,
idempotency, export round trip, templates."""

from __future__ import annotations

import datetime as dt

import pytest

from etl import log_csv
from etl.errors import InputError
from etl.store import Store, log

SYMPTOMS = (
    "athlete,date,pain_during_run_nrs,pain_next_morning_nrs,pain_locations,pain_aggravators,"
    "sit_tolerance_min,pain_onset,log_note\n"
    "ann,2024-05-01,4,2,ischial_tuberosity,sitting;uphill,30,gradual,hills\n"
    "ann,2024-05-02,11,2,ischial_tuberosity,sitting,30,gradual,\n"
    "ann,2024-05-03,3,1,sitbone,sitting,30,gradual,\n"
    ",2024-05-04,3,1,ischial_tuberosity,sitting,30,gradual,\n"
    "ann,04/05/2024,3,1,ischial_tuberosity,sitting,30,gradual,\n"
    "bob,2024-05-05,2,,posterior_thigh_mid,,,,\"=HYPERLINK(\"\"x\"\")\"\n"
)


def test_headers_are_recognised() -> None:
    assert log_csv.log_csv_kind(["Date", "Pain During Run NRS", "athlete"]) == "symptoms"
    assert log_csv.log_csv_kind(["date", "sleep_hooper", "fatigue_hooper", "stress_hooper",
                                 "soreness_hooper"]) == "wellness"
    assert log_csv.log_csv_kind(["injury_onset_date", "injury_region"]) == "injuries"
    assert log_csv.log_csv_kind(["date", "visa_h_item_1"]) == "visa_h"
    assert not log_csv.is_log_csv(["date", "sport", "distance_km"])  # the activities CSV
    assert not log_csv.is_log_csv([])


def test_bad_rows_are_rejected_with_row_field_and_fix_good_rows_stored(store: Store) -> None:
    report = log_csv.import_log_csv(store, SYMPTOMS.encode(), "log.csv", None)
    assert (report.kind, report.stored, report.unchanged) == ("symptoms", 2, 0)
    assert report.rejected == [
        "log.csv row 3, pain_during_run_nrs: 11 is outside 0-10; give a 0-10 pain (NRS) score",
        "log.csv row 4, pain_locations: unknown code(s) 'sitbone'; use any of "
        "ischial_tuberosity, deep_buttock, posterior_thigh_upper, posterior_thigh_mid, "
        "below_knee_calf, foot, low_back, groin, lateral_hip, other",
        "log.csv row 5: no athlete; fill the athlete column or pass --athlete NAME",
        "log.csv row 6, date: '04/05/2024' is not a date; write it as YYYY-MM-DD",
    ]
    ann = log.symptoms(store, "ann").iloc[0]
    assert ann["pain_aggravators"] == ("sitting", "uphill") and ann["sit_tolerance_min"] == 30
    bob = log.symptoms(store, "bob").iloc[0]
    assert bob["log_note"] == '=HYPERLINK("x")'  # stored as given; neutralised on export


def test_the_athlete_option_fills_empty_cells(store: Store) -> None:
    data = b"date,pain_at_rest_nrs\n2024-05-01,2\n"
    assert log_csv.import_log_csv(store, data, "a.csv", "cat").stored == 1
    assert log.symptoms(store, "cat")["pain_at_rest_nrs"].tolist() == [2.0]


def test_importing_twice_changes_nothing_and_a_changed_row_is_a_new_version(store: Store) -> None:
    data = (b"date,sleep_hooper,fatigue_hooper,stress_hooper,soreness_hooper\n"
            b"2024-05-01,2,3,3,4\n2024-05-02,3,3,3,3\n")
    assert log_csv.import_log_csv(store, data, "w.csv", "ann").stored == 2
    again = log_csv.import_log_csv(store, data, "w.csv", "ann")
    assert (again.stored, again.unchanged, again.rejected) == (0, 2, [])
    changed = data.replace(b"2024-05-02,3,3,3,3", b"2024-05-02,5,3,3,3")
    third = log_csv.import_log_csv(store, changed, "w.csv", "ann")
    assert (third.stored, third.unchanged) == (1, 1)
    assert log.wellness(store, "ann")["sleep_hooper"].tolist() == [2, 5]
    assert len(log.history(store, "wellness", athlete="ann")) == 3


@pytest.mark.parametrize(("data", "message"), [
    (b"", "is empty"),
    (b"date,sleep_hooper,fatigue_hooper,stress_hooper,soreness_hooper\n", "no rows"),
    (b"date,pain_at_rest_nrs,pain_levle\n2024-05-01,2,3\n", r"unknown column\(s\) 'pain_levle'"),
    (b"date,colour\n2024-05-01,red\n", "is not a symptoms, wellness, injuries or VISA-H CSV"),
])
def test_unusable_files_store_nothing(store: Store, data: bytes, message: str) -> None:
    log.add(store, "ann", log.WellnessEntry(dt.date(2024, 5, 1), 2, 2, 2, 2))
    with pytest.raises(InputError, match=message) as info:
        log_csv.import_log_csv(store, data, "bad.csv", "ann")
    assert info.value.source == "bad.csv"
    assert len(log.wellness(store, "ann")) == 1
    assert log.symptoms(store).empty


def test_export_imports_back_unchanged(store: Store, tmp_path) -> None:
    log_csv.import_log_csv(store, SYMPTOMS.encode(), "log.csv", None)
    log.add(store, "ann", log.InjuryRecord(dt.date(2024, 5, 6), "ischial_tuberosity", "left",
                                           "", 14, dt.date(2024, 5, 20)))
    log.add(store, "ann", log.VisaHEntry(dt.date(2024, 5, 6), (5, 6, 7, 4, 3, 8, 4, 12), "B"))
    log.add(store, "ann", log.WellnessEntry(dt.date(2024, 5, 6), 1, 2, 3, 4, "ok"))
    other = Store.open(f"sqlite:///{tmp_path / 'other.db'}")
    for kind in ("symptoms", "wellness", "injuries", "visa_h"):
        exported = log_csv.export_log_csv(store, kind)
        assert log_csv.log_csv_kind(exported.decode().splitlines()[0].split(",")) == kind
        report = log_csv.import_log_csv(other, exported, f"{kind}.csv", None)
        assert report.rejected == [] and report.stored == len(log.current(store, kind))
        again = log_csv.import_log_csv(store, exported, f"{kind}.csv", None)
        assert again.stored == 0, kind  # exporting and importing back changes nothing
        mine = log.current(store, kind).drop(columns=list(_VERSION), errors="ignore")
        theirs = log.current(other, kind).drop(columns=list(_VERSION), errors="ignore")
        assert mine.astype(str).values.tolist() == theirs.astype(str).values.tolist()
    exported = log_csv.export_log_csv(store, "symptoms", "bob").decode()
    assert "'=HYPERLINK" in exported  # formula neutralised in the file


_VERSION = ("entry_uid", "version_id", "supersedes", "is_retracted", "entered_by", "entered_at",
            "activity_id")


@pytest.mark.parametrize("kind", ["symptoms", "wellness", "injuries", "visa_h"])
def test_templates_are_valid_examples(store: Store, kind: str) -> None:
    data = log_csv.template_bytes(kind)
    header = data.decode().splitlines()[0].split(",")
    assert log_csv.log_csv_kind(header) == kind
    assert header == list(log_csv.COLUMNS[kind])
    report = log_csv.import_log_csv(store, data, f"{kind}_template.csv", None)
    assert report.rejected == [] and report.stored >= 1


def test_semicolon_separated_files_from_european_excel(store: Store) -> None:
    data = ("athlete;date;pain_during_run_nrs;pain_aggravators\n"
            "ann;2024-05-01;4,5;\"sitting;uphill\"\n").encode("cp1252")
    report = log_csv.import_log_csv(store, data, "eu.csv", None)
    assert report.stored == 1, report.rejected
    row = log.symptoms(store, "ann").iloc[0]
    assert row["pain_during_run_nrs"] == 4.5 and row["pain_aggravators"] == ("sitting", "uphill")


def test_the_docs_list_every_code_and_column() -> None:
    from pathlib import Path

    from risk import symptom_codes as S

    text = (Path(__file__).resolve().parents[2] / "docs" / "symptom-log.md").read_text()
    codes = [code for vocabulary in (*S.MULTI_CHOICE.values(), *S.SINGLE_CHOICE.values(),
                                     S.INJURY_REGIONS) for code in vocabulary]
    columns = [c for kind in log_csv.COLUMNS.values() for c in kind]
    missing = [name for name in (*codes, *columns) if f"`{name}`" not in text
               and not name.startswith("visa_h_item_")]
    assert missing == []


@pytest.mark.postgres
def test_import_and_reimport_on_postgres(pg_store: Store) -> None:
    report = log_csv.import_log_csv(pg_store, SYMPTOMS.encode(), "log.csv", None)
    assert (report.stored, len(report.rejected)) == (2, 4)
    again = log_csv.import_log_csv(pg_store, SYMPTOMS.encode(), "log.csv", None)
    assert (again.stored, again.unchanged) == (0, 2)
    assert log.symptoms(pg_store, "ann")["pain_aggravators"].tolist() == [("sitting", "uphill")]

"""The import pipeline end to end: exports, loose files, CSVs, folders, failures, idempotency."""

from __future__ import annotations

import datetime as dt
import gzip
import sys
import types
import zipfile
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from etl.export_zip import ZipLimits
from etl.importer import POOL_MIN_JOBS, ImportReport, import_paths
from etl.store import Store
from tests.etl.test_export_zip import (
    GERMAN_HEADER,
    START,
    build_zip,
    csv_bytes,
    export_row,
    gpx_bytes,
    small_export,
)
from tests.factories.fit import fit_activity, steady_samples
from tests.factories.hostile import png_bytes

UTC = dt.UTC


def counts(report: ImportReport) -> tuple[int, int, int, int]:
    return report.imported, report.updated, report.duplicates, report.rejected


def test_export_zip_imports_files_manual_rows_and_rows_with_missing_files(
        store: Store, tmp_path: Path) -> None:
    profile = b"Athlete ID,First Name,Last Name\n1,Anna,Berg\n"
    report = import_paths(store, [small_export(tmp_path, profile=profile)])
    assert counts(report) == (4, 0, 0, 0)
    item = report.inputs[0]
    assert item.kind == "strava_export" and item.athlete == "Anna Berg"
    assert len(report.warnings) == 1
    assert "activities/9004.fit.gz" in report.warnings[0]
    assert "imported from activities.csv alone" in report.warnings[0]
    frame = store.activities("Anna Berg").set_index("source_id")
    assert list(frame["source"].unique()) == ["strava_export"]
    assert frame.loc["1001", "has_streams"] and frame.loc["1002", "has_streams"]
    assert not frame.loc["1003", "has_streams"] and frame.loc["1003", "is_manual"]
    assert not frame.loc["1004", "has_streams"] and not frame.loc["1004", "is_manual"]
    assert frame.loc["1003", "name"] == "Treadmill"
    assert frame.loc["1001", "distance_m"] == pytest.approx(357.0)     # the CSV's value
    assert frame.loc["1001", "avg_heart_rate_bpm"] == pytest.approx(165.5)
    streams = store.streams(int(frame.loc["1001", "activity_id"]))
    assert len(streams) == 120 and streams["heart_rate_bpm"].max() == 149.0
    history = store.import_history()
    assert history.loc[0, "imported"] == 4 and history.loc[0, "athlete"] == "Anna Berg"


def test_importing_the_same_export_twice_adds_nothing(store: Store, tmp_path: Path) -> None:
    path = small_export(tmp_path)
    first = import_paths(store, [path])
    before = store.activities()
    second = import_paths(store, [path])
    assert counts(first) == (4, 0, 0, 0)
    assert counts(second) == (0, 0, 4, 0)
    assert store.activity_count() == 4
    assert before.drop(columns=[]).equals(store.activities())
    assert len(store.import_history()) == 2


def test_same_run_from_export_and_loose_file_is_stored_once(store: Store,
                                                            tmp_path: Path) -> None:
    rows = [export_row("1001", "Mar 5, 2024, 6:30:00 AM", filename="activities/9001.gpx",
                       elapsed="119", shown_km="0.36", metres="357.0", moving="119.0")]
    export = build_zip(tmp_path / "export.zip", {"activities.csv": csv_bytes(rows),
                                                "activities/9001.gpx": gpx_bytes(START)})
    loose = tmp_path / "run.gpx.gz"
    loose.write_bytes(gzip.compress(gpx_bytes(START)))
    first = import_paths(store, [export], athlete="anna")
    second = import_paths(store, [loose], athlete="anna")
    assert first.imported == 1
    assert second.imported == 0 and second.updated + second.duplicates == 1
    assert store.activity_count() == 1
    activity_id = int(store.activities()["activity_id"].iloc[0])
    assert {s for s, _ in store.aliases(activity_id)} == {"strava_export", "file"}


def test_a_bad_file_in_the_middle_of_a_batch_is_reported_and_nothing_of_it_stored(
        store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "a.gpx").write_bytes(gpx_bytes(START))
    (folder / "b.gpx").write_bytes(gpx_bytes(START)[:400])                 # truncated XML
    (folder / "c.gpx").write_bytes(gpx_bytes(START + dt.timedelta(days=2)))
    (folder / "notes.txt").write_text("not an activity")
    report = import_paths(store, [folder])
    assert counts(report) == (2, 0, 0, 1)
    assert report.messages[0].startswith(f"{folder}/b.gpx: ")
    assert "skipped 1 file(s)" in report.warnings[0] and "notes.txt" in report.warnings[0]
    assert sorted(store.activities()["file_name"]) == ["a.gpx", "c.gpx"]  # names, no folders


def test_a_store_failure_mid_file_leaves_no_partial_activity(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = []
    for day in range(3):
        path = tmp_path / f"run{day}.gpx"
        path.write_bytes(gpx_bytes(START + dt.timedelta(days=day)))
        files.append(path)
    original = Store._write_streams
    calls = {"n": 0}

    def failing(conn: object, activity_id: int, streams: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ValueError("disk full while writing streams")
        original(conn, activity_id, streams)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "_write_streams", staticmethod(failing))
    report = import_paths(store, files)
    assert counts(report) == (2, 0, 0, 1)
    assert "run1.gpx: could not be stored" in report.messages[0]
    assert "nothing of it was kept" in report.messages[0]
    frame = store.activities()
    assert len(frame) == 2 and frame["has_streams"].all()       # no row without its streams
    assert sorted(frame["local_date"]) == [dt.date(2024, 3, 5), dt.date(2024, 3, 7)]


def test_wrong_file_type_inside_the_zip_keeps_the_csv_row_and_reports_the_file(
        store: Store, tmp_path: Path) -> None:
    rows = [export_row("1", "Mar 5, 2024, 6:30:00 AM", filename="activities/1.gpx"),
            export_row("2", "Mar 6, 2024, 6:30:00 AM", filename="activities/2.fit.gz")]
    path = build_zip(tmp_path / "export.zip", {
        "activities.csv": csv_bytes(rows), "activities/1.gpx": gpx_bytes(START),
        "activities/2.fit.gz": gzip.compress(png_bytes())})
    report = import_paths(store, [path], athlete="anna")
    assert counts(report) == (2, 0, 0, 1)
    message = report.messages[0]
    assert message.startswith(f"{path}:activities/2.fit.gz: ")
    assert "activity 2 was imported from activities.csv without samples" in message
    frame = store.activities().set_index("source_id")
    assert frame.loc["1", "has_streams"] and not frame.loc["2", "has_streams"]


def test_traversal_member_names_are_rejected_by_name(store: Store, tmp_path: Path) -> None:
    rows = [export_row("1", "Mar 5, 2024, 6:30:00 AM", filename="../../evil.gpx")]
    path = build_zip(tmp_path / "export.zip", {"activities.csv": csv_bytes(rows),
                                              "../../evil.gpx": gpx_bytes(START),
                                              "/tmp/abs.gpx": gpx_bytes(START)})
    report = import_paths(store, [path], athlete="anna")
    assert report.rejected == 3          # two refused entries, one row's file
    assert any("../../evil.gpx" in m and "climbs out" in m for m in report.messages)
    assert any("/tmp/abs.gpx" in m and "absolute path" in m for m in report.messages)
    assert store.activities()["has_streams"].tolist() == [False]     # the CSV row only
    assert not (tmp_path.parent / "evil.gpx").exists()


def test_zip_bomb_is_rejected_whole_and_keeps_what_was_stored(store: Store,
                                                              tmp_path: Path) -> None:
    import_paths(store, [small_export(tmp_path)])
    rows = [export_row("9", "Mar 5, 2024, 6:30:00 AM", filename="activities/1.gpx")]
    bomb = build_zip(tmp_path / "bomb.zip", {"activities.csv": csv_bytes(rows),
                                            "activities/1.gpx": bytes(3 * 1024 * 1024)})
    report = import_paths(store, [bomb], limits=ZipLimits(ratio_min_member_bytes=1024 * 1024))
    assert counts(report) == (0, 0, 0, 1)
    assert "zip bomb" in report.messages[0] and str(bomb) in report.messages[0]
    assert store.activity_count() == 4


def test_non_english_header_is_rejected_with_the_fix(store: Store, tmp_path: Path) -> None:
    header = ["ID de l'activité", "Date de l'activité", "Nom de l'activité", "Distance",
              "Nom du fichier"]
    path = build_zip(tmp_path / "export.zip", {
        "activities.csv": csv_bytes([["1", "6 oct. 2022", "x", "2", ""]], header)})
    report = import_paths(store, [path])
    assert counts(report) == (0, 0, 0, 1)
    assert "French header" in report.messages[0]
    assert "change Strava's language to English" in report.messages[0]
    assert store.activity_count() == 0


def test_german_export_is_mapped(store: Store, tmp_path: Path) -> None:
    row = ["55", "5. März 2024, 06:30:00", "Morgenlauf", "Lauf", "119", "0,36",
           "activities/1.gpx", "119,0", "119,0", "357,0"]
    path = build_zip(tmp_path / "export.zip", {
        "activities.csv": csv_bytes([row], GERMAN_HEADER), "activities/1.gpx": gpx_bytes(START)})
    report = import_paths(store, [path], athlete="anna")
    assert counts(report) == (1, 0, 0, 0)
    record = store.activities().iloc[0]
    assert record["sport_type"] == "Run" and record["has_streams"]
    assert record["distance_m"] == pytest.approx(357.0)


def test_zip_without_activities_csv_gets_a_clear_message(store: Store, tmp_path: Path) -> None:
    path = build_zip(tmp_path / "runs.zip", {"a.gpx": gpx_bytes(START)})
    report = import_paths(store, [path])
    assert counts(report) == (0, 0, 0, 1)
    assert "has no activities.csv" in report.messages[0]


def test_fit_offset_gives_local_time_of_export_rows(store: Store, tmp_path: Path) -> None:
    start = dt.datetime(2024, 3, 5, 22, 30, tzinfo=UTC)
    fit = fit_activity(start, samples=steady_samples(600), local_offset=dt.timedelta(hours=2))
    rows = [export_row("77", "Mar 5, 2024, 10:30:00 PM", filename="activities/5.fit.gz",
                       elapsed="600", shown_km="1.80", metres="1800.0", moving="600.0")]
    path = build_zip(tmp_path / "export.zip", {"activities.csv": csv_bytes(rows),
                                              "activities/5.fit.gz": gzip.compress(fit)})
    report = import_paths(store, [path], athlete="anna")
    assert counts(report) == (1, 0, 0, 0)
    record = store.activities().iloc[0]
    assert record["start_time_local"] == dt.datetime(2024, 3, 6, 0, 30)
    assert record["local_date"] == dt.date(2024, 3, 6)
    assert record["timezone"] == "UTC+02:00"
    assert record["has_streams"]


def test_timezone_option_sets_local_time_of_rows_without_a_place(store: Store,
                                                                  tmp_path: Path) -> None:
    """``--timezone`` is for rows whose file says neither an offset nor a place (here the
    manual row 1003, 17:00 UTC); a GPX row takes the zone where its track starts."""
    import_paths(store, [small_export(tmp_path)], timezone="America/New_York")
    frame = store.activities().set_index("source_id")
    assert frame.loc["1003", "start_time_local"] == dt.datetime(2024, 3, 7, 12, 0)   # EST
    assert frame.loc["1003", "timezone"] == "America/New_York"
    assert frame.loc["1001", "start_time_local"] == dt.datetime(2024, 3, 5, 7, 30)   # CET
    assert frame.loc["1001", "timezone"] == "Europe/Berlin"  # the track starts near Berlin


def test_reimporting_an_export_read_without_places_updates_its_local_times(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An export imported while files were read as UTC gets its local times on a re-import
    (the activities' content changed: updated, not duplicated)."""
    from etl.readers import common

    path = small_export(tmp_path)
    with monkeypatch.context() as patch:
        patch.setattr(common, "zone_at", lambda *_: None)  # as before the zone lookup
        assert counts(import_paths(store, [path], workers=1)) == (4, 0, 0, 0)
    assert store.activities().set_index("source_id").loc["1001", "timezone"] == "UTC"
    assert counts(import_paths(store, [path], workers=1)) == (0, 2, 2, 0)
    frame = store.activities().set_index("source_id")
    assert frame.loc["1001", "timezone"] == "Europe/Berlin"
    assert frame.loc["1001", "start_time_local"] == dt.datetime(2024, 3, 5, 7, 30)


def test_real_activities_csv_alone_in_a_zip_imports_every_row(
        store: Store, tmp_path: Path, shared_fixtures: Path) -> None:
    source = shared_fixtures / "bulk_export" / "matt__activities.csv"
    path = build_zip(tmp_path / "export_1234.zip", {"activities.csv": source.read_bytes()})
    report = import_paths(store, [path])
    assert counts(report) == (112, 0, 0, 0)
    assert report.inputs[0].athlete == "me"
    assert "106 row(s)" in report.warnings[0]
    frame = store.activities()
    assert (frame["sport_type"] == "Run").sum() == 90
    assert frame["is_manual"].sum() == 6
    row = frame.set_index("source_id").loc["2660720212"]
    assert row["distance_m"] == pytest.approx(6506.60009765625)
    assert row["moving_time_s"] == 1943.0


def test_real_modern_activities_csv_imports_every_row(
        store: Store, tmp_path: Path, shared_fixtures: Path) -> None:
    source = shared_fixtures / "bulk_export" / "aakash__activities.csv"
    path = build_zip(tmp_path / "export.zip", {"activities.csv": source.read_bytes()})
    report = import_paths(store, [path], athlete="aakash")
    assert counts(report) == (610, 0, 0, 0)
    frame = store.activities("aakash")
    assert (frame["sport_type"] == "Run").sum() == 439
    row = frame.set_index("source_id").loc["7926971797"]
    assert row["distance_m"] == pytest.approx(4563.93994140625)
    assert row["elapsed_time_s"] == 1876.0 and row["relative_effort"] == 78.0


def test_activities_csv_and_strava_csv_alone(store: Store, tmp_path: Path) -> None:
    mine = tmp_path / "log.csv"
    mine.write_text("date,sport,distance_km,duration_min,rpe\n2024-03-05,Run,5,30,4\n"
                    "2024-03-06,Run,5,30,12\n")
    strava = tmp_path / "activities.csv"
    strava.write_bytes(csv_bytes([export_row("1", "Mar 7, 2024, 6:30:00 AM",
                                             filename="activities/1.gpx")]))
    report = import_paths(store, [mine, strava])
    assert [i.kind for i in report.inputs] == ["activities_csv", "strava_csv"]
    assert counts(report) == (2, 0, 0, 1)
    assert report.messages[0].startswith(f"{mine} row 3: rpe '12'")
    assert "imported without their files" in report.warnings[0]
    assert sorted(store.activities()["source"]) == ["csv", "strava_export"]
    again = import_paths(store, [mine, strava])
    assert counts(again) == (0, 0, 2, 1)


def test_symptoms_csv_without_log_module_is_not_an_activities_csv(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "etl.log_csv", None)      # as if etl.log_csv did not exist
    path = tmp_path / "symptoms.csv"
    path.write_text("date,pain_during_nrs,location\n2024-03-05,3,sit bone\n")
    report = import_paths(store, [path])
    assert counts(report) == (0, 0, 0, 1)
    assert report.messages[0].startswith(f"{path}: is not an activities CSV")
    assert "symptoms CSV template" in report.messages[0]


@dataclass(frozen=True)
class _FakeLogReport:
    stored: int
    rejected: list[str] = field(default_factory=list)


def test_symptoms_csv_is_routed_to_the_log_importer(store: Store, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[bytes, str, str | None]] = []

    def import_log_csv(target: Store, data: bytes, name: str,
                       athlete: str | None) -> _FakeLogReport:
        assert target is store
        seen.append((data, name, athlete))
        return _FakeLogReport(2, [f"{name} row 4: pain 11 is outside 0-10"])

    fake = types.ModuleType("etl.log_csv")
    fake.is_log_csv = lambda header: "pain_during_nrs" in header  # type: ignore[attr-defined]
    fake.import_log_csv = import_log_csv  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "etl.log_csv", fake)
    path = tmp_path / "symptoms.csv"
    path.write_text("date,pain_during_nrs\n2024-03-05,3\n2024-03-06,2\n2024-03-07,11\n")
    report = import_paths(store, [path], athlete="anna")
    assert report.inputs[0].kind == "log_csv"
    assert counts(report) == (2, 0, 0, 1)
    assert seen == [(path.read_bytes(), str(path), "anna")]
    assert report.messages == [f"{path} row 4: pain 11 is outside 0-10"]


def test_unsupported_and_missing_paths_are_rejected(store: Store, tmp_path: Path) -> None:
    picture = tmp_path / "photo.png"
    picture.write_bytes(png_bytes())
    report = import_paths(store, [picture, tmp_path / "nope.fit"])
    assert counts(report) == (0, 0, 0, 2)
    assert "is not a file loadwatch imports" in report.messages[0]
    assert "does not exist" in report.messages[1]


def test_folder_of_many_files_decodes_in_a_process_pool(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    count = POOL_MIN_JOBS + 2
    for day in range(count):
        start = START + dt.timedelta(days=day)
        (folder / f"{day:02d}.gpx").write_bytes(gpx_bytes(start, seconds=30))
    (folder / "broken.gpx").write_bytes(b"<gpx")
    progress: list[tuple[int, int]] = []
    report = import_paths(store, [folder], workers=2,
                          progress=lambda done, total, _name: progress.append((done, total)))
    assert counts(report) == (count, 0, 0, 1)
    assert "broken.gpx" in report.messages[0]
    assert progress[-1] == (count + 1, count + 1)
    assert [p[0] for p in progress] == list(range(1, count + 2))
    dates = sorted(store.activities()["local_date"])
    assert dates[0] == dt.date(2024, 3, 5) and len(dates) == count


def test_profile_athlete_is_overridden_by_the_athlete_argument(store: Store,
                                                                tmp_path: Path) -> None:
    profile = b"Athlete ID,First Name,Last Name\n1,Anna,Berg\n"
    report = import_paths(store, [small_export(tmp_path, profile=profile)], athlete="coach-x")
    assert report.inputs[0].athlete == "coach-x"
    assert set(store.activities()["athlete"]) == {"coach-x"}


def test_renamed_export_without_profile_is_named_after_the_file(store: Store,
                                                                 tmp_path: Path) -> None:
    report = import_paths(store, [small_export(tmp_path, name="ben.zip")])
    assert report.inputs[0].athlete == "ben"


def test_zip_members_are_never_extracted(store: Store, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("extract must never be called")

    monkeypatch.setattr(zipfile.ZipFile, "extract", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "extractall", refuse)
    before = set(tmp_path.iterdir())
    assert import_paths(store, [small_export(tmp_path)]).imported == 4
    assert set(tmp_path.iterdir()) - before == {tmp_path / "export_123.zip"}


def test_the_real_symptoms_template_is_routed_to_the_log_importer(store: Store,
                                                                 tmp_path: Path) -> None:
    log_csv = pytest.importorskip("etl.log_csv")
    path = tmp_path / "symptoms.csv"
    path.write_bytes(log_csv.template_bytes("symptoms"))
    report = import_paths(store, [path], athlete="anna")
    assert report.inputs[0].kind == "log_csv"
    assert report.rejected == 0
    assert store.activity_count() == 0


@pytest.mark.postgres
def test_export_import_on_postgresql_is_idempotent(pg_store: Store, tmp_path: Path) -> None:
    path = small_export(tmp_path)
    assert counts(import_paths(pg_store, [path], athlete="pg-anna")) == (4, 0, 0, 0)
    assert counts(import_paths(pg_store, [path], athlete="pg-anna")) == (0, 0, 4, 0)
    frame = pg_store.activities("pg-anna")
    assert len(frame) == 4 and int(frame["has_streams"].sum()) == 2


def _many_gpx(folder: Path, count: int) -> Path:
    folder.mkdir()
    for day in range(count):
        (folder / f"{day:02d}.gpx").write_bytes(
            gpx_bytes(START + dt.timedelta(days=day), seconds=20))
    return folder


def test_a_pool_that_cannot_start_falls_back_to_decoding_here(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_submit(*_args: object, **_kwargs: object) -> None:
        raise BrokenProcessPool("workers could not start")

    monkeypatch.setattr(ProcessPoolExecutor, "submit", broken_submit)
    folder = _many_gpx(tmp_path / "runs", POOL_MIN_JOBS)
    report = import_paths(store, [folder], workers=2)
    assert counts(report) == (POOL_MIN_JOBS, 0, 0, 0)


class _FlakyPool:
    """Decodes synchronously; the ``die_at``-th job of the first pool dies like a worker."""

    created = 0

    def __init__(self, die_at: int | None) -> None:
        self.die_at, self.jobs = die_at, 0
        _FlakyPool.created += 1

    def submit(self, func: object, job: object) -> Future[object]:
        self.jobs += 1
        future: Future[object] = Future()
        if self.jobs == self.die_at:
            future.set_exception(BrokenProcessPool("a worker died"))
        else:
            future.set_result(func(job))  # type: ignore[operator]
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        return None


def test_a_worker_dying_mid_batch_rejects_that_file_and_the_rest_goes_on(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from etl import importer

    pools: list[_FlakyPool] = []

    def executor(self: importer._Pipeline) -> _FlakyPool:
        if self.pool is None:
            pools.append(_FlakyPool(die_at=5 if not pools else None))
            self.pool = pools[-1]  # type: ignore[assignment]
        return self.pool  # type: ignore[return-value]

    monkeypatch.setattr(importer._Pipeline, "_executor", executor)
    folder = _many_gpx(tmp_path / "runs", POOL_MIN_JOBS)
    report = import_paths(store, [folder], workers=2)
    assert counts(report) == (POOL_MIN_JOBS - 1, 0, 0, 1)
    assert report.messages[0].startswith(f"{folder}/04.gpx: was being decoded when a decoding "
                                         "process died")
    assert len(pools) == 2                  # a fresh pool took the rest
    assert store.activity_count() == POOL_MIN_JOBS - 1


def test_a_folder_of_squad_exports_keeps_each_athlete(store: Store, tmp_path: Path) -> None:
    squad = tmp_path / "squad"
    squad.mkdir()
    small_export(squad, "anna.zip", profile=b"First Name,Last Name\nAnna,Berg\n")
    small_export(squad, "export_555.zip", profile=b"First Name,Last Name\nBen,Cho\n",
                 first_id=2001)
    (squad / "extra.gpx").write_bytes(gpx_bytes(START + dt.timedelta(days=30)))
    report = import_paths(store, [squad])
    assert counts(report) == (9, 0, 0, 0)
    per_athlete = store.activities().groupby("athlete").size().to_dict()
    assert per_athlete == {"Anna Berg": 4, "Ben Cho": 4, "me": 1}
    again = import_paths(store, [squad])
    assert counts(again) == (0, 0, 9, 0)

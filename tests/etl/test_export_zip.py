"""Strava bulk export: activities.csv parsing, joining files, hostile zips.

The helpers at the top build small exports from generated content; test_importer and the CLI
tests reuse them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from etl.errors import HostileInputError, NoDataError, UnsupportedFileError
from etl.export_zip import (
    ZipLimits,
    clean_header_cell,
    csv_only,
    is_export,
    join_file,
    numeric_order,
    open_export,
    parse_export_date,
    read_activities_table,
    read_export,
)
from etl.records import ActivityRecord, ParsedActivity, empty_streams

UTC = dt.UTC

# A cut-down modern header with the duplicated names in Strava's order.
HEADER = [
    "Activity ID", "Activity Date", "Activity Name", "Activity Type", "Elapsed Time", "Distance",
    "Max Heart Rate", "Relative Effort", "Filename", "Elapsed Time", "Moving Time", "Distance",
    "Elevation Gain", "Average Cadence", "Max Heart Rate", "Average Heart Rate", "Relative Effort",
    "Perceived Exertion",
]


def export_row(activity_id: str, date: str, *, name: str = "Morning Run", sport: str = "Run",
               elapsed: str = "979", shown_km: str = "2.43", metres: str = "2432.77",
               moving: str = "971.0", filename: str = "", max_hr: str = "177.0",
               cadence: str = "83.5", avg_hr: str = "165.5", effort: str = "41",
               rpe: str = "") -> list[str]:
    """One row in HEADER's column order."""
    return [activity_id, date, name, sport, elapsed, shown_km, max_hr, effort, filename,
            f"{float(elapsed):.1f}" if elapsed else "", moving, metres, "12.5", cadence, "",
            avg_hr, f"{float(effort):.1f}" if effort else "", rpe]


def csv_bytes(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def gpx_bytes(start: dt.datetime, seconds: int = 120, step_m: float = 3.0,
              lat0: float = 52.0) -> bytes:
    """A Strava-style GPX run: 1 Hz points moving north at ``step_m`` metres per second."""
    points = []
    for i in range(seconds):
        stamp = (start + dt.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lat = lat0 + i * step_m / 111_195.0
        points.append(
            f'<trkpt lat="{lat:.7f}" lon="13.0000000"><ele>{30 + i * 0.1:.1f}</ele>'
            f"<time>{stamp}</time><extensions><gpxtpx:TrackPointExtension>"
            f"<gpxtpx:hr>{140 + i % 10}</gpxtpx:hr><gpxtpx:cad>85</gpxtpx:cad>"
            "</gpxtpx:TrackPointExtension></extensions></trkpt>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="StravaGPX" '
            'xmlns="http://www.topografix.com/GPX/1/1" '
            'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
            "<trk><name>Run</name><type>9</type><trkseg>" + "".join(points)
            + "</trkseg></trk></gpx>").encode()


def build_zip(path: Path, members: dict[str, bytes], *,
              compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


START = dt.datetime(2024, 3, 5, 6, 30, tzinfo=UTC)


def small_export(tmp_path: Path, name: str = "export_123.zip", *,
                 profile: bytes | None = None, first_id: int = 1001) -> Path:
    """Two runs with GPX files, one manual row, one row whose file is missing.

    Activity IDs are ``first_id`` to ``first_id + 3`` (1001-1004 by default).
    """
    ids = [str(first_id + i) for i in range(4)]
    rows = [
        export_row(ids[0], "Mar 5, 2024, 6:30:00 AM", filename="activities/9001.gpx",
                   elapsed="119", shown_km="0.36", metres="357.0", moving="119.0"),
        export_row(ids[1], "Mar 6, 2024, 6:30:00 AM", filename="activities/9002.gpx.gz",
                   elapsed="119", shown_km="0.36", metres="357.0", moving="119.0"),
        export_row(ids[2], "Mar 7, 2024, 5:00:00 PM", name="Treadmill", filename="",
                   elapsed="1800", shown_km="5.00", metres="5000.0", moving="1800.0"),
        export_row(ids[3], "Mar 8, 2024, 6:30:00 AM", filename="activities/9004.fit.gz"),
    ]
    import gzip

    members = {
        "activities.csv": csv_bytes(rows),
        "activities/9001.gpx": gpx_bytes(START),
        "activities/9002.gpx.gz": gzip.compress(gpx_bytes(START + dt.timedelta(days=1))),
    }
    if profile is not None:
        members["profile.csv"] = profile
    return build_zip(tmp_path / name, members)


# -- activities.csv -------------------------------------------------------------------------
def test_duplicated_columns_are_mapped_by_occurrence_to_their_units() -> None:
    table = read_activities_table(csv_bytes([export_row("7926971219", "Oct 6, 2022, 11:19:20 PM",
                                                        filename="activities/8474917700.fit.gz")]),
                                  "activities.csv")
    record = table.rows[0].record
    assert table.distance_unit == "km"
    assert record.distance_m == pytest.approx(2432.77)      # second Distance, metres
    assert record.elapsed_time_s == 979.0                    # second Elapsed Time, float s
    assert record.moving_time_s == 971.0
    assert record.max_heart_rate_bpm == 177.0                # first Max Heart Rate
    assert record.relative_effort == 41.0
    assert record.avg_cadence_spm == pytest.approx(167.0)    # 83.5 per leg x 2
    assert record.start_time_utc == dt.datetime(2022, 10, 6, 23, 19, 20, tzinfo=UTC)
    assert record.source == "strava_export" and record.source_id == "7926971219"
    assert table.rows[0].file_name == "activities/8474917700.fit.gz"
    assert not record.is_manual


def test_first_distance_in_miles_is_detected_and_used_when_metres_are_missing() -> None:
    rows = [export_row("1", "Oct 6, 2022, 11:19:20 PM", shown_km="1.51", metres="2432.77"),
            export_row("2", "Oct 7, 2022, 11:19:20 PM", shown_km="2.00", metres="")]
    table = read_activities_table(csv_bytes(rows), "activities.csv")
    assert table.distance_unit == "mi"
    assert table.rows[1].record.distance_m == pytest.approx(2 * 1609.344)


def test_only_elapsed_int_column_is_used_when_float_is_empty() -> None:
    row = export_row("1", "Oct 6, 2022, 11:19:20 PM", elapsed="600")
    row[9] = ""
    assert read_activities_table(csv_bytes([row]), "a.csv").rows[0].record.elapsed_time_s == 600


def test_cadence_is_doubled_for_foot_sports_and_dropped_for_rides() -> None:
    rows = [export_row("1", "Oct 6, 2022, 11:19:20 PM", sport="Walk", cadence="55"),
            export_row("2", "Oct 7, 2022, 11:19:20 PM", sport="Ride", cadence="90")]
    table = read_activities_table(csv_bytes(rows), "a.csv")
    assert table.rows[0].record.avg_cadence_spm == 110.0
    assert table.rows[1].record.avg_cadence_spm is None


@pytest.mark.parametrize(("label", "expected"), [
    ("Run", "Run"), ("Trail Run", "TrailRun"), ("Virtual Run", "VirtualRun"),
    ("Weight Training", "WeightTraining"), ("Ride", "Ride"), ("E-Bike Ride", "EBikeRide"),
    ("Stair-Stepper", "StairStepper"), ("HIIT", "HighIntensityIntervalTraining"),
    ("Underwater Hockey", "UnderwaterHockey"),
])
def test_activity_types_map_to_strava_sport_types(label: str, expected: str) -> None:
    row = export_row("1", "Oct 6, 2022, 11:19:20 PM", sport=label)
    assert read_activities_table(csv_bytes([row]), "a.csv").rows[0].record.sport_type == expected


@pytest.mark.parametrize(("text", "order"), [
    ("Oct 6, 2022, 11:19:20 PM", "dmy"),
    ("6 Oct 2022, 23:19:20", "dmy"),
    ("October 6, 2022, 11:19:20 PM", "dmy"),
    ("2022-10-06 23:19:20", "dmy"),
    ("2022-10-06T23:19:20Z", "dmy"),
    ("2022-10-07T01:19:20+02:00", "dmy"),
    ("06/10/2022, 23:19:20", "dmy"),
    ("10/06/2022 11:19:20 PM", "mdy"),
    ("06.10.2022, 23:19:20", "dmy"),
    ("6. Okt. 2022, 23:19:20", "dmy"),
    ("06.10.2022 um 23:19:20", "dmy"),
])
def test_locale_date_formats_parse_to_the_same_utc_instant(text: str, order: str) -> None:
    assert parse_export_date(text, order) == dt.datetime(2022, 10, 6, 23, 19, 20, tzinfo=UTC)


def test_german_month_names_with_march_and_december() -> None:
    assert parse_export_date("24. Dez. 2021, 07:05:00") == dt.datetime(2021, 12, 24, 7, 5,
                                                                        tzinfo=UTC)
    assert parse_export_date("3. März 2021, 07:05:00") == dt.datetime(2021, 3, 3, 7, 5,
                                                                       tzinfo=UTC)


def test_numeric_date_order_is_decided_per_file() -> None:
    assert numeric_order(["01/02/2022 10:00:00", "13/02/2022 10:00:00"]) == "dmy"
    assert numeric_order(["01/02/2022 10:00:00", "02/13/2022 10:00:00"]) == "mdy"
    assert numeric_order(["01/02/2022 10:00:00"]) == "dmy"
    rows = [export_row("1", "02/01/2022, 10:00:00"), export_row("2", "02/13/2022, 10:00:00")]
    table = read_activities_table(csv_bytes(rows), "a.csv")
    assert table.rows[0].record.start_time_utc.date() == dt.date(2022, 2, 1)


def test_unparseable_date_rejects_the_row_with_its_number_and_keeps_the_others() -> None:
    rows = [export_row("1", "Oct 6, 2022, 11:19:20 PM"), export_row("2", "yesterday"),
            export_row("x3", "Oct 8, 2022, 11:19:20 PM")]
    table = read_activities_table(csv_bytes(rows), "export.zip:activities.csv")
    assert [r.activity_id for r in table.rows] == ["1"]
    assert table.rejected[0].startswith("export.zip:activities.csv row 3: Activity Date")
    assert "row 4: Activity ID 'x3'" in table.rejected[1]


def test_html_header_cells_are_cleaned() -> None:
    cell = ('<span class="translation_missing" title="translation missing: en-US.lib.export.'
            'portability_exporter.activities.horton_values.type">Type</span>')
    assert clean_header_cell(cell) == "Type"
    header = [h if h != "Activity Type" else cell for h in HEADER]
    table = read_activities_table(csv_bytes([export_row("1", "Oct 6, 2022, 11:19:20 PM",
                                                        sport="Trail Run")], header), "a.csv")
    assert table.rows[0].record.sport_type == "TrailRun"


def test_manual_rows_have_no_file_and_are_marked_manual() -> None:
    table = read_activities_table(csv_bytes([export_row("5", "Oct 6, 2022, 11:19:20 PM")]),
                                  "a.csv")
    row = table.rows[0]
    assert row.file_name is None and row.record.is_manual
    parsed = csv_only(row)
    assert parsed.streams.empty and parsed.record.timezone == "UTC"


def test_timezone_gives_local_time_of_csv_only_rows() -> None:
    table = read_activities_table(csv_bytes([export_row("5", "Oct 6, 2022, 11:19:20 PM")]),
                                  "a.csv", timezone="America/New_York")
    record = table.rows[0].record
    assert record.start_time_local == dt.datetime(2022, 10, 6, 19, 19, 20)  # EDT = UTC-4
    assert record.local_date == dt.date(2022, 10, 6)
    assert record.timezone == "America/New_York"


GERMAN_HEADER = ["Aktivitäts-ID", "Aktivitätsdatum", "Aktivitätsname", "Aktivitätsart",
                 "Verstrichene Zeit", "Distanz", "Dateiname", "Verstrichene Zeit",
                 "Bewegungszeit", "Distanz"]


def test_german_header_with_decimal_commas_and_german_months_is_mapped() -> None:
    row = ["7926971219", "6. Okt. 2022, 23:19:20", "Abendlauf", "Lauf", "979", "2,43",
           "activities/1.fit.gz", "979,0", "971,0", "2432,77"]
    table = read_activities_table(csv_bytes([row], GERMAN_HEADER), "activities.csv")
    record = table.rows[0].record
    assert record.sport_type == "Run"
    assert record.distance_m == pytest.approx(2432.77)
    assert record.elapsed_time_s == 979.0 and record.moving_time_s == 971.0
    assert record.start_time_utc == dt.datetime(2022, 10, 6, 23, 19, 20, tzinfo=UTC)


def test_german_header_that_cannot_be_mapped_is_rejected_with_the_fix() -> None:
    header = ["Aktivitätskennung", "Datum der Aktivität", "Distanz", "Dateiname"]
    with pytest.raises(UnsupportedFileError, match="German header") as caught:
        read_activities_table(csv_bytes([["1", "6.10.2022", "2,4", ""]], header),
                              "export.zip:activities.csv")
    assert "change Strava's language to English" in str(caught.value)
    assert str(caught.value).startswith("export.zip:activities.csv:")


def test_french_header_is_rejected_naming_the_language() -> None:
    header = ["ID de l'activité", "Date de l'activité", "Nom de l'activité", "Distance",
              "Nom du fichier"]
    with pytest.raises(UnsupportedFileError, match="French header"):
        read_activities_table(csv_bytes([["1", "6 oct. 2022", "x", "2", ""]], header), "a.csv")


def test_empty_activities_csv_is_no_data() -> None:
    with pytest.raises(NoDataError, match="empty"):
        read_activities_table(b"", "activities.csv")


# -- joining rows and files -------------------------------------------------------------------
def _file_session(start_utc: dt.datetime, offset_h: float | None, **values: object
                  ) -> ParsedActivity:
    offset = dt.timedelta(hours=offset_h or 0)
    zone = "UTC" if offset_h is None else f"UTC+{int(offset_h):02d}:00"
    record = ActivityRecord(
        source="strava_export", source_id="1", sport_type="Run", start_time_utc=start_utc,
        start_time_local=start_utc.replace(tzinfo=None) + offset, timezone=zone,
        device="garmin fr945", **values)  # type: ignore[arg-type]
    streams = empty_streams()
    streams.loc[0] = [0.0, 0.0, 30.0, 140.0, 170.0, 3.0, 0.0, True]
    return ParsedActivity(record, streams)


def test_join_keeps_csv_summary_takes_file_offset_and_streams() -> None:
    row = read_activities_table(csv_bytes([export_row(
        "7", "Oct 6, 2022, 11:19:20 PM", filename="activities/1.fit.gz", avg_hr="")]),
        "a.csv").rows[0]
    session = _file_session(dt.datetime(2022, 10, 6, 23, 19, 21, tzinfo=UTC), 2,
                            distance_m=2400.0, avg_heart_rate_bpm=150.0)
    joined = join_file(row, [session])
    record = joined.record
    assert record.start_time_utc == dt.datetime(2022, 10, 6, 23, 19, 20, tzinfo=UTC)
    assert record.start_time_local == dt.datetime(2022, 10, 7, 1, 19, 20)
    assert record.local_date == dt.date(2022, 10, 7)
    assert record.timezone == "UTC+02:00"
    assert record.distance_m == pytest.approx(2432.77)       # Strava's value wins
    assert record.avg_heart_rate_bpm == 150.0                # the file fills the gap
    assert record.device == "garmin fr945"
    assert record.source == "strava_export" and record.source_id == "7"
    assert len(joined.streams) == 1


def test_join_without_file_offset_keeps_the_rows_local_time() -> None:
    row = read_activities_table(csv_bytes([export_row("7", "Oct 6, 2022, 11:19:20 PM")]),
                                "a.csv", timezone="+05:30").rows[0]
    joined = join_file(row, [_file_session(row.record.start_time_utc, None)])
    assert joined.record.start_time_local == dt.datetime(2022, 10, 7, 4, 49, 20)
    assert joined.record.timezone == "UTC+05:30"


def test_join_picks_the_session_closest_to_the_csv_start() -> None:
    row = read_activities_table(csv_bytes([export_row("7", "Oct 6, 2022, 11:19:20 PM")]),
                                "a.csv").rows[0]
    early = _file_session(dt.datetime(2022, 10, 6, 22, 0, tzinfo=UTC), 1, name="early")
    close = _file_session(dt.datetime(2022, 10, 6, 23, 19, 30, tzinfo=UTC), 3)
    assert join_file(row, [early, close]).record.timezone == "UTC+03:00"


# -- the archive -----------------------------------------------------------------------------
def test_export_zip_rows_join_their_files_and_list_missing_ones(tmp_path: Path) -> None:
    profile = b"Athlete ID,First Name,Last Name\n1,Anna,Berg\n"
    with open_export(small_export(tmp_path, profile=profile)) as export:
        assert export.athlete == "Anna Berg"
        assert export.missing_files() == ["activities/9004.fit.gz"]
        items = list(export.items())
    assert [i.row.activity_id for i in items] == ["1001", "1002", "1003", "1004"]
    assert items[0].data is not None and items[0].data.startswith(b"<?xml")
    assert items[2].data is None and items[2].problem is None     # manual row
    assert isinstance(items[3].problem, NoDataError)
    assert "missing from the export" in str(items[3].problem)


def test_read_export_iterates_items_and_closes_the_zip(tmp_path: Path) -> None:
    items = list(read_export(small_export(tmp_path)))
    assert [i.member for i in items] == ["activities/9001.gpx", "activities/9002.gpx.gz", None,
                                         "activities/9004.fit.gz"]
    assert items[1].data is not None and items[1].data[:2] == b"\x1f\x8b"   # still gzip


def test_export_inside_a_top_folder_and_unpacked_folder(tmp_path: Path) -> None:
    rows = [export_row("1", "Mar 5, 2024, 6:30:00 AM", filename="activities/1.gpx")]
    zipped = build_zip(tmp_path / "e.zip", {"export_9/activities.csv": csv_bytes(rows),
                                           "export_9/activities/1.gpx": gpx_bytes(START)})
    assert is_export(zipped)
    with open_export(zipped) as export:
        assert next(export.items()).data is not None
    folder = tmp_path / "unpacked"
    (folder / "activities").mkdir(parents=True)
    (folder / "activities.csv").write_bytes(csv_bytes(rows))
    (folder / "activities" / "1.gpx").write_bytes(gpx_bytes(START))
    assert is_export(folder)
    with open_export(folder) as export:
        assert next(export.items()).data == gpx_bytes(START)


def test_folder_export_never_reads_outside_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "unpacked"
    folder.mkdir()
    (tmp_path / "secret.gpx").write_bytes(b"private")
    rows = [export_row("1", "Mar 5, 2024, 6:30:00 AM", filename="../secret.gpx")]
    (folder / "activities.csv").write_bytes(csv_bytes(rows))
    with open_export(folder) as export:
        item = next(export.items())
    assert item.data is None and isinstance(item.problem, HostileInputError)


def test_traversal_and_absolute_member_names_are_refused_by_name(tmp_path: Path) -> None:
    rows = [export_row("1", "Mar 5, 2024, 6:30:00 AM", filename="../evil.gpx"),
            export_row("2", "Mar 6, 2024, 6:30:00 AM", filename="/etc/passwd.gpx")]
    path = build_zip(tmp_path / "x.zip", {"activities.csv": csv_bytes(rows),
                                         "../evil.gpx": gpx_bytes(START),
                                         "/etc/passwd.gpx": b"x"})
    with open_export(path) as export:
        assert any("../evil.gpx" in m and "climbs out" in m for m in export.hostile)
        assert any("/etc/passwd.gpx" in m and "absolute" in m for m in export.hostile)
        items = list(export.items())
    assert all(isinstance(i.problem, HostileInputError) and i.data is None for i in items)
    assert "x.zip:../evil.gpx" in str(items[0].problem)


def test_zip_bomb_by_ratio_is_refused_before_decompressing(tmp_path: Path) -> None:
    rows = [export_row("1", "Mar 5, 2024, 6:30:00 AM", filename="activities/1.gpx")]
    path = build_zip(tmp_path / "bomb.zip", {"activities.csv": csv_bytes(rows),
                                            "activities/1.gpx": bytes(4 * 1024 * 1024)})
    info = zipfile.ZipFile(path).getinfo("activities/1.gpx")
    assert info.file_size / info.compress_size > 200             # zeros compress ~1000-fold
    limits = ZipLimits(ratio_min_member_bytes=1024 * 1024)
    with pytest.raises(HostileInputError, match="zip bomb") as caught:
        open_export(path, limits=limits)
    assert "activities/1.gpx" in str(caught.value) and "nothing was decompressed" in str(
        caught.value)


def test_zip_bomb_by_total_declared_size_is_refused(tmp_path: Path) -> None:
    rows = [export_row("1", "Mar 5, 2024, 6:30:00 AM")]
    path = build_zip(tmp_path / "big.zip", {"activities.csv": csv_bytes(rows),
                                           "activities/1.gpx": bytes(2 * 1024 * 1024)})
    with pytest.raises(HostileInputError, match="GB of uncompressed content"):
        open_export(path, limits=ZipLimits(max_total_bytes=1024 * 1024))


def test_default_limits_accept_a_normal_export(tmp_path: Path) -> None:
    with open_export(small_export(tmp_path)) as export:
        assert len(export.table.rows) == 4


def test_zip_without_activities_csv_is_not_an_export(tmp_path: Path) -> None:
    path = build_zip(tmp_path / "photos.zip", {"media/a.jpg": b"\xff\xd8"})
    assert not is_export(path)
    with pytest.raises(UnsupportedFileError, match=r"has no activities\.csv"):
        open_export(path)


def test_not_a_zip_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "fake.zip"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(UnsupportedFileError, match="is not a readable zip"):
        open_export(path)


# -- the real activities.csv files ----------------------------------------------------------
def test_real_modern_export_csv_maps_every_row(shared_fixtures: Path) -> None:
    data = (shared_fixtures / "bulk_export" / "aakash__activities.csv").read_bytes()
    table = read_activities_table(data, "activities.csv")
    frame = pd.DataFrame([r.record.__dict__ for r in table.rows])
    assert len(table.rows) == 610 and not table.rejected
    assert (frame["sport_type"] == "Run").sum() == 439
    assert table.distance_unit == "km"
    first = next(r.record for r in table.rows if r.activity_id == "7926971219")
    assert first.distance_m == pytest.approx(2432.77001953125)
    assert first.elapsed_time_s == 979.0 and first.moving_time_s == 971.0
    assert first.max_heart_rate_bpm == 177.0
    assert first.avg_heart_rate_bpm == pytest.approx(165.57888793945312)
    assert first.avg_cadence_spm is None                 # no cadence in this row
    assert first.relative_effort == 41.0
    assert first.start_time_utc == dt.datetime(2022, 10, 6, 23, 19, 20, tzinfo=UTC)
    assert first.name == "Evening Run"
    assert sum(r.file_name is None for r in table.rows) == 3
    later = next(r.record for r in table.rows if r.activity_id == "8504814858")
    assert later.avg_cadence_spm == pytest.approx(2 * 83.7426528930664)   # per leg x 2
    assert later.start_time_utc == dt.datetime(2023, 2, 4, 14, 30, 47, tzinfo=UTC)


def test_real_old_export_csv_with_html_header_maps_every_row(shared_fixtures: Path) -> None:
    data = (shared_fixtures / "bulk_export" / "matt__activities.csv").read_bytes()
    table = read_activities_table(data, "activities.csv")
    assert len(table.rows) == 112 and not table.rejected
    assert sum(r.record.sport_type == "Run" for r in table.rows) == 90
    manual = [r for r in table.rows if r.record.is_manual]
    assert len(manual) == 6
    row = next(r.record for r in table.rows if r.activity_id == "2657863231")
    assert row.distance_m == 9600.0                      # first Distance says 9.60 (km)
    assert row.elapsed_time_s == 3009.0
    assert row.elevation_gain_m == pytest.approx(110.14256286621094)
    assert row.start_time_utc == dt.datetime(2019, 8, 28, 3, 21, 51, tzinfo=UTC)
    night = next(r.record for r in table.rows if r.activity_id == "2663558973")
    assert night.avg_cadence_spm == pytest.approx(2 * 82.15706634521484)
    assert night.max_heart_rate_bpm == 125.0


def test_a_member_over_the_size_cap_is_refused_alone(tmp_path: Path) -> None:
    rows = [export_row("1", "Mar 5, 2024, 6:30:00 AM", filename="activities/1.gpx"),
            export_row("2", "Mar 6, 2024, 6:30:00 AM", filename="activities/2.gpx")]
    path = build_zip(tmp_path / "e.zip", {"activities.csv": csv_bytes(rows),
                                         "activities/1.gpx": gpx_bytes(START, seconds=400),
                                         "activities/2.gpx": gpx_bytes(START, seconds=10)})
    limit = len(gpx_bytes(START, seconds=200))
    with open_export(path, limits=ZipLimits(max_member_bytes=limit)) as export:
        big, small = export.items()
    assert isinstance(big.problem, HostileInputError) and "MB an activity file can be" in str(
        big.problem)
    assert small.data is not None

"""The documented activities CSV and its template."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.activities_csv import (
    COLUMN_GLOSSARY,
    KNOWN_COLUMNS,
    is_activities_csv,
    parse_activities_csv,
    parse_duration_s,
    parse_zone,
    sport_type_from_label,
    template_bytes,
)
from etl.errors import UnsupportedFileError

UTC = dt.UTC


def test_template_parses_to_its_two_example_rows_with_hand_worked_values() -> None:
    result = parse_activities_csv(template_bytes(), "activities_template.csv", "me")
    assert not result.rejected and not result.warnings
    first, second = (a.record for a in result.activities)
    assert first.source == "csv" and first.is_manual and first.sport_type == "Run"
    assert first.distance_m == pytest.approx(10_500.0)            # 10.5 km
    assert first.moving_time_s == 3330.0                          # 0:55:30 = 55*60+30
    assert first.elapsed_time_s == 3330.0
    assert first.start_time_local == dt.datetime(2024, 3, 5, 7, 30)
    assert first.start_time_utc == dt.datetime(2024, 3, 5, 6, 30, tzinfo=UTC)   # CET = UTC+1
    assert first.timezone == "Europe/Berlin"
    assert first.elevation_gain_m == 120.0 and first.perceived_exertion == 4.0
    assert first.avg_heart_rate_bpm == 148.0 and first.max_heart_rate_bpm == 171.0
    assert first.name == "Easy run"
    assert second.sport_type == "TrailRun"
    assert second.start_time_local == dt.datetime(2024, 3, 7)     # date only: midnight
    assert second.moving_time_s == 6000.0 and second.avg_heart_rate_bpm is None


def test_template_columns_are_all_documented() -> None:
    header = template_bytes().decode().splitlines()[0].split(",")
    assert set(header) <= KNOWN_COLUMNS
    assert set(COLUMN_GLOSSARY) == KNOWN_COLUMNS
    assert is_activities_csv(header)


def test_other_units_convert_to_si() -> None:
    data = (b"Date,Sport,Distance_mi,Duration_min,Elevation_gain_ft\n"
            b"2024-03-05T18:00:00+02:00,trail running,3.1,30,100\n")
    record = parse_activities_csv(data, "log.csv", "me").activities[0].record
    assert record.distance_m == pytest.approx(3.1 * 1609.344)    # 4988.97 m
    assert record.moving_time_s == 1800.0
    assert record.elevation_gain_m == pytest.approx(30.48)
    assert record.sport_type == "TrailRun"
    assert record.timezone == "UTC+02:00"
    assert record.start_time_utc == dt.datetime(2024, 3, 5, 16, 0, tzinfo=UTC)
    assert record.start_time_local == dt.datetime(2024, 3, 5, 18, 0)


def test_distance_in_metres_and_duration_in_seconds() -> None:
    data = b"date,sport,distance_m,duration_s\n2024-03-05,Run,5000,1500\n"
    record = parse_activities_csv(data, "log.csv", "me").activities[0].record
    assert record.distance_m == 5000.0 and record.moving_time_s == 1500.0
    assert record.timezone == "UTC"


def test_default_timezone_applies_to_rows_without_one() -> None:
    data = b"date,sport,distance_km\n2024-07-01 23:30,Run,5\n"
    record = parse_activities_csv(data, "log.csv", "me",
                                  default_timezone="America/New_York").activities[0].record
    assert record.start_time_utc == dt.datetime(2024, 7, 2, 3, 30, tzinfo=UTC)   # EDT = UTC-4
    assert record.local_date == dt.date(2024, 7, 1)


def test_bad_rows_are_rejected_with_row_field_and_fix_and_good_rows_kept() -> None:
    data = (b"date,sport,distance_km,duration,rpe,avg_heart_rate_bpm,timezone\n"
            b"2024-03-05,Run,10,0:50:00,5,,\n"          # row 2 good
            b"05/03/2024,Run,10,0:50:00,5,,\n"          # row 3 date not ISO
            b"2024-03-06,Run,10,0:50:00,11,,\n"         # row 4 rpe out of range
            b"2024-03-07,Run,ten,0:50:00,,,\n"          # row 5 distance not a number
            b"2024-03-08,Run,10,50 minutes,,,\n"        # row 6 duration format
            b"2024-03-09,,10,0:50:00,,,\n"              # row 7 sport empty
            b"2024-03-10,Run,10,0:50:00,,300,\n"        # row 8 heart rate
            b"2024-03-11,Run,10,0:50:00,,,Mars/Olympus\n"  # row 9 zone
            b"2024-03-12,Run,,,,,\n"                    # row 10 neither distance nor time
            b",,,,,,\n"                                 # row 11 blank: skipped
            b"2024-03-13,Ride,40,1:30:00,3,,\n")        # row 12 good
    result = parse_activities_csv(data, "log.csv", "me")
    assert [a.record.local_date for a in result.activities] == [dt.date(2024, 3, 5),
                                                                 dt.date(2024, 3, 13)]
    messages = list(result.rejected)
    assert len(messages) == 8
    assert messages[0].startswith("log.csv row 3: date '05/03/2024' is not an ISO date")
    assert messages[1].startswith("log.csv row 4: rpe '11' is outside 0-10")
    assert "CR-10" in messages[1]
    assert messages[2].startswith("log.csv row 5: distance_km 'ten' is not a number")
    assert messages[3].startswith("log.csv row 6: duration '50 minutes' is not h:mm:ss")
    assert messages[4].startswith("log.csv row 7: sport is empty")
    assert messages[5].startswith("log.csv row 8: avg_heart_rate_bpm '300' is outside 20-250")
    assert messages[6].startswith("log.csv row 9: timezone 'Mars/Olympus' is not a time zone")
    assert messages[7].startswith("log.csv row 10: ")


def test_implausible_distance_points_at_the_unit() -> None:
    data = b"date,sport,distance_km\n2024-03-05,Run,10000\n"
    result = parse_activities_csv(data, "log.csv", "me")
    assert "check the unit" in result.rejected[0]


@pytest.mark.parametrize(("header", "message"), [
    (b"date,sport,distance\n", "column 'distance' has no unit; rename it distance_km"),
    (b"date,distance_km\n", "the column(s) sport are missing"),
    (b"when,what\n", "the column(s) date, sport are missing"),
    (b"date,sport,distance_km,distance_mi\n", "has distance_km and distance_mi"),
    (b"date,sport,name\n", "has neither a distance nor a duration column"),
    (b"date,sport,distance_km,date\n", "has the column 'date' twice"),
])
def test_unusable_headers_reject_the_file_with_the_fix(header: bytes, message: str) -> None:
    with pytest.raises(UnsupportedFileError, match=r"^log\.csv: ") as caught:
        parse_activities_csv(header + b"2024-03-05,Run,5\n", "log.csv", "me")
    assert message in str(caught.value)


def test_unknown_columns_are_ignored_with_a_warning() -> None:
    data = b"date,sport,distance_km,shoe\n2024-03-05,Run,5,Pegasus\n"
    result = parse_activities_csv(data, "log.csv", "me")
    assert len(result.activities) == 1
    assert result.warnings == ("log.csv: ignored unknown column(s) shoe (see docs/import.md)",)


def test_source_id_is_stable_and_depends_on_athlete_date_sport_distance() -> None:
    data = b"date,sport,distance_km\n2024-03-05,Run,5\n2024-03-05,Run,5\n2024-03-05,Run,6\n"
    once = [a.record.source_id for a in parse_activities_csv(data, "a.csv", "anna").activities]
    again = [a.record.source_id for a in parse_activities_csv(data, "b.csv", "anna").activities]
    other = [a.record.source_id for a in parse_activities_csv(data, "a.csv", "ben").activities]
    assert once == again
    assert len(set(once)) == 3          # the repeated row gets its own id (occurrence #1)
    assert not set(once) & set(other)


def test_semicolon_separated_with_decimal_comma_and_windows_1252() -> None:
    data = "date;sport;distance_km;name\n2024-03-05;Run;5,5;Läufchen\n".encode("cp1252")
    record = parse_activities_csv(data, "excel.csv", "me").activities[0].record
    assert record.distance_m == pytest.approx(5500.0)
    assert record.name == "Läufchen"


def test_utf8_bom_and_header_case_and_spaces() -> None:
    data = "\ufeffDate, Sport ,Distance KM\n2024-03-05,Run,5\n".encode()
    assert parse_activities_csv(data, "a.csv", "me").activities[0].record.distance_m == 5000.0


@pytest.mark.parametrize(("label", "expected"), [
    ("run", "Run"), ("Run", "Run"), ("trail run", "TrailRun"), ("treadmill", "VirtualRun"),
    ("Virtual Run", "VirtualRun"), ("cycling", "Ride"), ("walk", "Walk"),
    ("weight training", "WeightTraining"), ("Lauf", "Run"), ("ultimate frisbee",
                                                                "UltimateFrisbee"),
])
def test_sport_labels(label: str, expected: str) -> None:
    assert sport_type_from_label(label) == expected


@pytest.mark.parametrize(("text", "label", "offset_h"), [
    ("+02:00", "UTC+02:00", 2.0), ("UTC-05:30", "UTC-05:30", -5.5), ("UTC", "UTC", 0.0),
    ("Europe/Berlin", "Europe/Berlin", 1.0),
])
def test_parse_zone(text: str, label: str, offset_h: float) -> None:
    zone, name = parse_zone(text)
    assert name == label
    offset = dt.datetime(2024, 1, 15, 12, tzinfo=zone).utcoffset()
    assert offset == dt.timedelta(hours=offset_h)


def test_parse_zone_rejects_nonsense_with_the_fix() -> None:
    with pytest.raises(ValueError, match="IANA name such as Europe/Berlin"):
        parse_zone("Atlantis")
    with pytest.raises(ValueError, match="between -14:00 and \\+14:00"):
        parse_zone("+15:00")


@pytest.mark.parametrize(("text", "column", "seconds"), [
    ("1:05:30", "duration", 3930.0), ("45:10", "duration", 2710.0), ("30", "duration_min", 1800.0),
    ("90.5", "duration_s", 90.5),
])
def test_durations(text: str, column: str, seconds: float) -> None:
    assert parse_duration_s(text, column) == seconds

"""``loadwatch import`` and ``loadwatch activities``: output, formats and exit codes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from loadwatch.cli.import_cmds import ProgressBar
from loadwatch.cli.main import main
from tests.etl.test_export_zip import (
    START,
    build_zip,
    csv_bytes,
    export_row,
    gpx_bytes,
    small_export,
)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(db: str, *args: str) -> int:
    return main(["--db", db, *args])


def test_import_all_ok_exits_0_with_a_summary(db: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = small_export(tmp_path)
    assert run(db, "import", str(path), "--athlete", "anna") == 0
    out, err = capsys.readouterr()
    assert "total: imported 4, updated 0, duplicates 0, rejected 0" in out
    assert f"{path} (strava_export, athlete anna)" in out
    assert "warning:" in err and "activities/9004.fit.gz" in err
    assert "importing: 4/4" in err                        # progress on stderr (not a TTY)
    assert run(db, "import", str(path), "--athlete", "anna") == 0
    assert "total: imported 0, updated 0, duplicates 4, rejected 0" in capsys.readouterr().out


def test_import_with_a_rejected_input_exits_1_and_names_it(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.gpx"
    good.write_bytes(gpx_bytes(START))
    bad = tmp_path / "bad.gpx"
    bad.write_bytes(b"<gpx><trk>")
    assert run(db, "import", str(good), str(bad)) == 1
    out, err = capsys.readouterr()
    assert "total: imported 1, updated 0, duplicates 0, rejected 1" in out
    rejected = [line for line in err.splitlines() if line.startswith("rejected: ")]
    assert len(rejected) == 1 and rejected[0].startswith(f"rejected: {bad}: ")


def test_missing_path_is_a_usage_error(db: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, "import", str(tmp_path / "nowhere.zip")) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_bad_timezone_is_a_usage_error(db: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, "import", str(small_export(tmp_path)), "--timezone", "Mars/Base") == 2
    assert "--timezone" in capsys.readouterr().err


def test_import_without_paths_is_a_usage_error(db: str) -> None:
    with pytest.raises(SystemExit) as caught:
        run(db, "import")
    assert caught.value.code == 2


def test_activities_json_is_a_list_of_flat_objects_with_iso_dates(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(db, "import", str(small_export(tmp_path)), "--athlete", "anna")
    capsys.readouterr()
    assert run(db, "activities", "--athlete", "anna", "--format", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 4
    first = rows[0]
    assert first["athlete"] == "anna" and first["source"] == "strava_export"
    assert first["source_id"] == "1001"
    assert first["local_date"] == "2024-03-05"
    assert dt.datetime.fromisoformat(first["start_time_utc"]) == START
    assert first["distance_m"] == pytest.approx(357.0)
    assert all(not isinstance(v, dict | list) for v in first.values())


def test_activities_since_and_csv(db: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    run(db, "import", str(small_export(tmp_path)), "--athlete", "anna")
    capsys.readouterr()
    assert run(db, "activities", "--since", "2024-03-07", "--format", "csv") == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["source_id"] for r in table] == ["1003", "1004"]
    assert table[0]["name"] == "Treadmill"


def test_activities_csv_neutralises_formulas(db: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    rows = [export_row("1", "Mar 5, 2024, 6:30:00 AM", name="=HYPERLINK(\"x\")")]
    path = build_zip(tmp_path / "e.zip", {"activities.csv": csv_bytes(rows)})
    run(db, "import", str(path))
    capsys.readouterr()
    run(db, "activities", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert table[0]["name"].startswith("'=")


def test_activities_table_and_unknown_athlete(db: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    run(db, "import", str(small_export(tmp_path)), "--athlete", "anna")
    capsys.readouterr()
    assert run(db, "activities") == 0
    out = capsys.readouterr().out
    assert "Treadmill" in out and "local_date" in out
    assert run(db, "activities", "--athlete", "nobody") == 2
    assert "'nobody' is not in the store (athletes: anna)" in capsys.readouterr().err
    assert run(db, "activities", "--since", "last week") == 2


def test_progress_bar_redraws_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    bar = ProgressBar(stream, width=10)
    bar(1, 4, "a")
    bar(4, 4, "d")
    bar.finish()
    assert stream.getvalue() == ("\rimporting [##........] 1/4"
                                 "\rimporting [##########] 4/4\n")

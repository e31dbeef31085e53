"""The access commands, and every data command run ``--as`` a user (exit 3 when denied)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from etl.store import Store
from loadwatch.cli.main import main


@pytest.fixture
def db(world_db: str) -> str:
    return world_db


def test_data_commands_obey_the_grants(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "--as", "cora", "activities", "--athlete", "Ann",
                 "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["distance_m"] for r in rows) == [5000.0, 10000.0]
    assert main(["--db", db, "--as", "cora", "activities", "--athlete", "Ben"]) == 3
    assert "access denied" in capsys.readouterr().err
    assert main(["--db", db, "--as", "ben", "flags", "--athlete", "Ann"]) == 3
    assert main(["--db", db, "--as", "cora", "log", "list", "--kind", "symptoms",
                 "--athlete", "Ann"]) == 3
    assert main(["--db", db, "--as", "dan", "log", "list", "--kind", "symptoms",
                 "--athlete", "Ann"]) == 0
    assert main(["--db", db, "--as", "mallory", "activities"]) == 3


def test_reports_need_a_clinicians_grant(db: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    assert main(["--db", db, "--as", "dan", "report", "--athlete", "Ann", "--onset",
                 "2024-05-06", "--out", str(out)]) == 3
    assert not out.exists()
    assert main(["--db", db, "--as", "cleo", "report", "--athlete", "Ann", "--onset",
                 "2024-05-06", "--out", str(out)]) == 0
    assert "1 run synced from Strava is hidden" in capsys.readouterr().err
    assert "Secret API run" not in out.read_text()


def test_grant_list_withdraw_audit(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "users", "add", "zoe", "--role", "coach"]) == 0
    assert main(["--db", db, "--as", "ben", "grants", "grant", "zoe", "--symptoms"]) == 0
    assert main(["--db", db, "--as", "zoe", "log", "list", "--kind", "symptoms",
                 "--athlete", "Ben"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "--as", "ben", "grants", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(g["athlete"], g["grantee"], g["scope"]) for g in listed] == \
        [("Ben", "zoe", "load_symptoms")]
    assert main(["--db", db, "--as", "zoe", "grants", "grant", "zoe", "--athlete", "Ben"]) == 3
    assert main(["--db", db, "--as", "ben", "grants", "withdraw", "zoe"]) == 0
    assert main(["--db", db, "--as", "zoe", "activities", "--athlete", "Ben"]) == 3
    capsys.readouterr()
    assert main(["--db", db, "--as", "ben", "audit", "--format", "json"]) == 0
    audit = json.loads(capsys.readouterr().out)
    assert {(r["actor"], r["what"]) for r in audit} == {("zoe", "symptoms")}
    assert main(["--db", db, "--as", "zoe", "audit"]) == 3


def test_users_admin_only(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "--as", "cleo", "users", "add", "x", "--role", "admin"]) == 3
    assert main(["--db", db, "--as", "root", "users", "list", "--format", "csv"]) == 0
    users = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {u["user"] for u in users} == {"ann", "ben", "cora", "dan", "cleo", "root"}
    assert main(["--db", db, "--as", "root", "users", "disable", "cora"]) == 0
    assert main(["--db", db, "--as", "cora", "activities"]) == 3


def test_account_export_and_delete(db: str, tmp_path: Path) -> None:
    out = tmp_path / "ann.zip"
    assert main(["--db", db, "--as", "cora", "account", "export", "--athlete", "Ann",
                 "--out", str(out)]) == 3
    assert not out.exists()
    assert main(["--db", db, "--as", "ann", "account", "export", "--athlete", "Ann",
                 "--out", str(out)]) == 0
    assert "activities.csv" in zipfile.ZipFile(out).namelist()
    assert out.stat().st_mode & 0o077 == 0
    assert main(["--db", db, "--as", "ann", "account", "export", "--athlete", "Ann",
                 "--out", str(out)]) == 2  # never overwrites
    assert main(["--db", db, "--as", "ann", "account", "delete", "--athlete", "Ann",
                 "--confirm", "Anne"]) == 2
    assert main(["--db", db, "--as", "ben", "account", "delete", "--athlete", "Ann",
                 "--confirm", "Ann"]) == 3
    assert main(["--db", db, "--as", "ann", "account", "delete", "--athlete", "Ann",
                 "--confirm", "Ann"]) == 0
    assert Store.open(db).ids_of(["Ann"]) == []
    assert main(["--db", db, "--as", "ann", "activities"]) == 3  # the user went with the data


def test_server_mode_needs_a_user(db: str, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LOADWATCH_MODE", "server")
    assert main(["--db", db, "activities"]) == 2
    assert "--as USER" in capsys.readouterr().err
    assert main(["--db", db, "--as", "ann", "activities"]) == 0

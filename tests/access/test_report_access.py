"""Reports made in server mode: the runs Strava's display rule hides are named in the file,
and every report staff make is one audit row of its own (action ``report``, format, window).

Ann's run ``api-2`` came only through the Strava API, so her clinician Cleo does not see it
(tests/access/world.py); Ann sees all of her runs. Coach Dan may read Ann's load and symptoms
but not make reports.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dashboard.report import make_report
from etl.errors import AccessDenied
from etl.store import Store
from etl.store import access as A
from loadwatch.cli.main import main
from loadwatch.cli.report_cmds import build_review
from tests.access.world import World

ONSET = "2024-05-06"
WINDOW = "window=2024-04-23/2024-05-06"  # 2 weeks ending on the onset day
HIDDEN = "Runs missing from this report: 1 run synced from Strava is hidden here"


def _report(db: str, user: str, out: Path) -> int:
    return main(["--db", db, "--as", user, "report", "--athlete", "Ann", "--onset", ONSET,
                 "--weeks", "2", "--out", str(out)])


def _pdf_text(path: Path) -> str:
    pypdf = pytest.importorskip("pypdf", reason="pypdf extracts the PDF's text")
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_a_clinicians_report_says_how_many_runs_are_hidden(
        world_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html_out, pdf_out = tmp_path / "cleo.html", tmp_path / "cleo.pdf"
    assert _report(world_db, "cleo", html_out) == 0
    assert _report(world_db, "cleo", pdf_out) == 0
    assert "1 run synced from Strava is hidden" in capsys.readouterr().err
    text = html_out.read_text(encoding="utf-8")
    assert HIDDEN in text and text.index(HIDDEN) < text.index('<dl class="facts">')
    assert "Secret API run" not in text
    first_page = _pdf_text(pdf_out).split("The 2 weeks before the onset")[0]
    assert HIDDEN in first_page


def test_the_athletes_own_report_hides_nothing(world_db: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    html_out, pdf_out = tmp_path / "ann.html", tmp_path / "ann.pdf"
    assert _report(world_db, "ann", html_out) == 0
    assert _report(world_db, "ann", pdf_out) == 0
    assert "hidden" not in capsys.readouterr().err
    assert "Runs missing" not in html_out.read_text(encoding="utf-8")
    assert "Runs missing" not in _pdf_text(pdf_out)


def _reports(store: Store) -> list[tuple[str, str, str, str, str]]:
    rows = A.audit(store, "Ann")
    return [(r.actor, r.actor_role, r.athlete, r.what, r.detail)
            for r in rows.itertuples() if r.action == "report"]


def test_cli_reports_are_audited_as_reports(world_db: str, tmp_path: Path) -> None:
    assert _report(world_db, "cleo", tmp_path / "a.pdf") == 0
    assert _report(world_db, "cleo", tmp_path / "b.html") == 0
    assert _report(world_db, "cleo", tmp_path / "c.pdf") == 0  # each report is a row
    assert _report(world_db, "dan", tmp_path / "d.pdf") == 3  # refused: no report, no row
    assert _report(world_db, "ann", tmp_path / "e.pdf") == 0  # her own: not audited
    store = Store.open(world_db)
    assert _reports(store) == [  # newest first
        ("cleo", "clinician", "Ann", "reports", f"format=pdf; {WINDOW}"),
        ("cleo", "clinician", "Ann", "reports", f"format=html; {WINDOW}"),
        ("cleo", "clinician", "Ann", "reports", f"format=pdf; {WINDOW}")]
    rows = A.audit(store.as_principal(A.principal_for(store, "ann")))
    assert "export" not in set(rows["action"])  # a report is not recorded as an export
    assert not (rows["action"].eq("view") & rows["what"].eq("reports")).any()
    assert set(rows["actor"]) == {"cleo"}
    for statement in ("UPDATE audit_log SET detail = '' WHERE action = 'report'",
                      "DELETE FROM audit_log WHERE action = 'report'"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(statement))
    assert len(_reports(store)) == 3


def test_make_report_checks_the_grant_and_audits_the_reader(world: World) -> None:
    onset = dt.date.fromisoformat(ONSET)
    cleo = world.as_user("cleo")
    review = build_review(cleo, "Ann", onset, 2)
    content = make_report(cleo, review, "html")
    assert b"Runs missing from this report: 1 run" in content
    assert make_report(world.as_user("ann"), build_review(world.as_user("ann"), "Ann", onset, 2),
                       "pdf").startswith(b"%PDF-")
    with pytest.raises(AccessDenied):
        make_report(world.as_user("dan"), review, "pdf")
    with pytest.raises(AccessDenied):
        make_report(world.as_user("cleo"), build_review(world.store, "Ben", onset, 2), "pdf")
    assert _reports(world.store) == [
        ("cleo", "clinician", "Ann", "reports", f"format=html; {WINDOW}")]

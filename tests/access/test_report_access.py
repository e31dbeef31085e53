"""Reports made in server mode: the runs Strava's display rule hides are named in the file.

Ann's run ``api-2`` came only through the Strava API, so her clinician Cleo does not see it
(tests/access/world.py); Ann sees all of her runs.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from loadwatch.cli.main import main

ONSET = "2024-05-06"
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

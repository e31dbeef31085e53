"""``loadwatch report``: both formats from a demo store with an injury, and usage errors.

The store is a small simulated squad (2 runners x 150 days, no streams); runner 02's story
ends in an injury record, whose weeks before carry flags.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import stat
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from etl.demo.build import build_demo_store
from etl.demo.simulate import SquadConfig
from etl.store import Store, log
from loadwatch.analysis import analyse
from loadwatch.cli.main import main

END = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, pd.Series]]:
    """The store's URL and its injury record."""
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'demo.db'}"
    store = Store.open(url)
    build_demo_store(store, SquadConfig(end_date=END, athletes=2, years=150 / 365.25,
                                        with_streams=False))
    injuries = log.injuries(store)
    store.engine.dispose()
    assert len(injuries) >= 1, "the demo squad should contain an injury story"
    yield url, injuries.iloc[0]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def expected_flags(url: str, athlete: str, onset: dt.date) -> pd.DataFrame:
    start = onset - dt.timedelta(days=55)
    flags = analyse(Store.open(url), [athlete], until=onset).flags
    days = pd.to_datetime(flags["local_date"])
    return flags[(days >= pd.Timestamp(start)) & (days <= pd.Timestamp(onset))]


def test_html_report_of_an_injury_holds_the_flags_before_it(
        demo: tuple[str, pd.Series], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url, injury = demo
    athlete, onset = str(injury["athlete"]), pd.Timestamp(injury["injury_onset_date"]).date()
    out = tmp_path / "review.html"
    code, _, err = run(capsys, "--db", url, "report", "--athlete", athlete, "--injury",
                       str(injury["entry_uid"])[:8], "--out", str(out))
    assert code == 0, err
    assert f"wrote {out}" in err
    text = out.read_text(encoding="utf-8")
    assert f"<dt>Onset</dt><dd>{onset}</dd>" in text
    assert f"[record {str(injury['entry_uid'])[:8]}]" in text  # the injury record heads it
    assert "SYNTHETIC DEMO DATA" in text
    flags = expected_flags(url, athlete, onset)
    assert len(flags) >= 1, "the demo injury story should have flags in the weeks before"
    for row in flags.itertuples():
        assert html.escape(row.message) in text
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # health data: owner only


def test_pdf_report_names_athlete_and_onset(
        demo: tuple[str, pd.Series], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url, injury = demo
    athlete, onset = str(injury["athlete"]), pd.Timestamp(injury["injury_onset_date"]).date()
    out = tmp_path / "review.pdf"
    code, _, err = run(capsys, "--db", url, "report", "--athlete", athlete, "--onset",
                       onset.isoformat(), "--weeks", "6", "--out", str(out))
    assert code == 0, err
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    pypdf = pytest.importorskip("pypdf", reason="pypdf extracts the PDF's text")
    reader = pypdf.PdfReader(io.BytesIO(data))
    first = reader.pages[0].extract_text()
    assert athlete in first and onset.isoformat() in first
    assert "6 weeks" in first and "Not a medical device, not a diagnosis." in first
    assert len(reader.pages) >= 4


@pytest.mark.parametrize(("argv", "message"), [
    (["--athlete", "{athlete}", "--onset", "2025-02-30", "--out", "{dir}/r.pdf"],
     "--onset '2025-02-30' is not a date; use YYYY-MM-DD"),
    (["--athlete", "Nobody", "--onset", "2025-05-01", "--out", "{dir}/r.pdf"],
     "no athlete called 'Nobody'"),
    (["--athlete", "{athlete}", "--onset", "2025-05-01", "--out", "{dir}/r.docx"],
     "end it in .pdf or .html"),
    (["--athlete", "{athlete}", "--onset", "2025-05-01", "--out", "{dir}/missing/r.pdf"],
     "does not exist; create it or write elsewhere"),
    (["--athlete", "{athlete}", "--out", "{dir}/r.pdf"],
     "give --onset YYYY-MM-DD (or --injury ID"),
    (["--athlete", "{athlete}", "--onset", "2025-05-01", "--weeks", "1", "--out",
      "{dir}/r.pdf"], "--weeks 1: a review compares two halves"),
    (["--athlete", "{athlete}", "--injury", "zzzzzzzz", "--out", "{dir}/r.pdf"],
     "is not an injury record of"),
    (["--athlete", "{athlete}", "--injury", "abc", "--out", "{dir}/r.pdf"],
     "is too short"),
    (["--athlete", "{athlete}", "--onset", "2999-01-01", "--out", "{dir}/r.pdf"],
     "is in the future"),
])
def test_usage_errors_exit_2_and_leave_the_old_file(
        demo: tuple[str, pd.Series], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        argv: list[str], message: str) -> None:
    url, injury = demo
    previous = tmp_path / "r.pdf"
    previous.write_bytes(b"an earlier report")
    filled = [a.format(athlete=injury["athlete"], dir=tmp_path) for a in argv]
    code, _, err = run(capsys, "--db", url, "report", *filled)
    assert code == 2
    assert message in err
    assert previous.read_bytes() == b"an earlier report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.pdf"]  # no temporary left


def test_onset_that_contradicts_the_injury_record_is_a_usage_error(
        demo: tuple[str, pd.Series], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url, injury = demo
    onset = pd.Timestamp(injury["injury_onset_date"]).date()
    code, _, err = run(capsys, "--db", url, "report", "--athlete", str(injury["athlete"]),
                       "--injury", str(injury["entry_uid"]), "--onset",
                       str(onset - dt.timedelta(days=1)), "--out", str(tmp_path / "r.html"))
    assert code == 2 and f"differs from the injury record's onset {onset}" in err
    assert not (tmp_path / "r.html").exists()


def test_onset_before_any_training_still_writes_a_report_and_says_so(
        demo: tuple[str, pd.Series], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url, injury = demo
    out = tmp_path / "early.html"
    code, _, err = run(capsys, "--db", url, "report", "--athlete", str(injury["athlete"]),
                       "--onset", "2020-01-01", "--out", str(out))
    assert code == 0 and "has no training data between" in err
    assert "No training data in these weeks." in out.read_text(encoding="utf-8")

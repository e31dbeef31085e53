"""The pre-injury report: self-contained HTML and a multi-page PDF from a hand-made review.

The hand-made athlete runs every other day of the 8-week window: 5 km in the first 4 weeks
(14 runs = 70 km = 17.5 km per 7 days) and 10 km in the last 4 (140 km = 35.0 km per 7 days),
so the "what changed" row for weekly distance reads 17.5 / 35.0 / +17.5 / +100 %.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import plotly.offline
import pytest
from streamlit.testing.v1 import AppTest

import risk.evidence_load  # noqa: F401  (registers the load rules' evidence keys)
from dashboard import report
from etl.store import Store, log
from risk import symptom_codes as S
from risk.flag import Flag, flags_frame
from risk.review import Review, pre_injury_review
from tests.browser import chromium, needs_chromium
from tests.dashboard.conftest import no_exception

ONSET = dt.date(2024, 5, 12)
START = ONSET - dt.timedelta(days=55)


def daily_frame(athlete: str = "Ann") -> pd.DataFrame:
    days = pd.date_range(START - dt.timedelta(days=28), ONSET, freq="D")
    index = (days - pd.Timestamp(START)).days
    ran = index % 2 == 0
    km = pd.Series(0.0, index=range(len(days)))
    km[ran & (index < 28)] = 5.0
    km[ran & (index >= 28)] = 10.0
    acute = km.rolling(7, min_periods=1).mean()
    chronic = km.shift(7).rolling(21, min_periods=1).mean()
    return pd.DataFrame({
        "athlete": athlete, "local_date": days.date, "distance_km": km,
        "run_count": ran.astype(int) * (km > 0), "session_count": ran.astype(int) * (km > 0),
        "duration_min": km * 6.0, "up_vert_m": km * 10.0, "time_above_threshold_min": 0.0,
        "srpe_au": km * 20.0, "longest_run_km": km, "acute_load": acute,
        "chronic_load_uncoupled": chronic, "acwr_uncoupled": acute / chronic,
        "acwr_state": "ok", "load_measure": "distance_km"})


def flag(day: dt.date, kind: str, severity: str, message: str, key: str,
         athlete: str = "Ann") -> Flag:
    return Flag(athlete=athlete, local_date=day, kind=kind, severity=severity, value=45.0,
                threshold=30.0, unit="%", message=message, evidence_key=key,
                advice="Keep the next long run within 10 %.")


def make_review(*, athlete: str = "Ann", flags: list[Flag] | None = None,
                synthetic: bool = False, symptoms: pd.DataFrame | None = None,
                daily: pd.DataFrame | None = None) -> Review:
    if flags is None:
        flags = [
            flag(ONSET - dt.timedelta(days=3), "session_spike", "high",
                 "Your run (14.5 km) was 45 % longer than your longest run in the previous "
                 "30 days (10.0 km) & that is a spike.", "session_spike_frandsen2025", athlete),
            flag(ONSET - dt.timedelta(days=20), "weekly_spike", "low",
                 "You ran 35 km in 7 days, 40 % more than the 7 days before.",
                 "weekly_spike_nielsen2014", athlete),
        ]
    analysis = SimpleNamespace(
        sessions=pd.DataFrame(columns=["athlete", "local_date", "is_run", "avg_cadence_spm",
                                       "moving_time_s"]),
        daily=daily_frame(athlete) if daily is None else daily,
        flags=flags_frame(flags))
    return pre_injury_review(analysis, athlete, ONSET, symptoms=symptoms,
                             is_synthetic=synthetic, injury_label="sit bone (left)")


def symptom_entries(athlete: str = "Ann") -> pd.DataFrame:
    return pd.DataFrame({
        "athlete": [athlete, athlete], "local_date": [ONSET - dt.timedelta(days=1), ONSET],
        "pain_at_rest_nrs": [1.0, float("nan")], "pain_during_run_nrs": [float("nan"), 6.0],
        "pain_after_1h_nrs": [float("nan")] * 2, "pain_next_morning_nrs": [float("nan")] * 2,
        "pain_locations": [("ischial_tuberosity",), ("ischial_tuberosity",)],
        "body_side": ["left", "left"], "pain_aggravators": [("sitting",), ("uphill", "fast")],
        "log_note": ["", "sore after hills"]})


class References(HTMLParser):
    """Every attribute of the document that can make a browser fetch something."""

    FETCHING = frozenset({"src", "href", "action", "data", "poster", "srcset", "background"})

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self.ids: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        self.found += [(tag, k, v or "") for k, v in attrs if k in self.FETCHING]
        self.ids += [v or "" for k, v in attrs if k == "id"]

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
            self._in_style = False


def references(text: str) -> References:
    parser = References()
    parser.feed(text)
    return parser


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", data))


@pytest.fixture(scope="module")
def review() -> Review:
    return make_review(symptoms=symptom_entries())


@pytest.fixture(scope="module")
def page_html(review: Review) -> str:
    return report.render_html(review)


# -- HTML -------------------------------------------------------------------------------------
def test_html_is_self_contained(page_html: str) -> None:
    found = references(page_html)
    assert found.found == [], "the report must not load or link anything"
    assert "<link" not in page_html.lower()
    assert all("url(" not in css and "@import" not in css for css in found.styles)
    assert plotly.offline.get_plotlyjs()[:500] in page_html  # plotly.js embedded, no CDN
    assert 'id="timeline-plot"' in page_html and 'id="weekly-plot"' in page_html
    assert len(found.ids) == len(set(found.ids)), "ids must be unique: plotly draws by id"


def test_html_has_the_what_changed_rows(review: Review, page_html: str) -> None:
    for measure in review.what_changed["change_measure"]:
        assert f"<td>{html.escape(measure)}</td>" in page_html
    assert ('<td>weekly running distance</td><td>km/week</td><td class="num">17.5</td>'
            '<td class="num">35.0</td><td class="num">+17.5</td><td class="num">+100</td>'
            ) in page_html
    # runs per week: 14 runs in each 28-day half = 3.5 per week, no change
    assert ('<td>runs per week</td><td>runs/week</td><td class="num">3.5</td>'
            '<td class="num">3.5</td><td class="num">+0.0</td><td class="num">+0</td>'
            ) in page_html


def test_html_lists_each_flag_with_its_citation(review: Review, page_html: str) -> None:
    assert len(review.flags) == 2
    for row in review.flags.itertuples():
        assert html.escape(row.message) in page_html
        assert html.escape(row.flag_evidence_citation) in page_html
    assert "doi:10.1136/bjsports-2024-109380" in page_html  # Frandsen et al. 2025
    assert "<td>Your run (14.5 km) was 45 % longer than your longest run in the previous 30 " \
        "days (10.0 km) &amp; that is a spike." in page_html  # escaped in the table


def test_html_head_facts_symptoms_and_disclaimer(page_html: str) -> None:
    assert "Not a medical device, not a diagnosis." in page_html
    assert "<dt>Onset</dt><dd>2024-05-12</dd>" in page_html
    assert "<dt>Injury record</dt><dd>sit bone (left)</dd>" in page_html
    assert "2024-03-18 to 2024-05-12 (8 weeks" in page_html
    assert "SYNTHETIC" not in page_html  # a real athlete is not labelled synthetic
    assert "<td>sore after hills</td>" in page_html
    worse = f"{S.AGGRAVATORS['uphill']}, {S.AGGRAVATORS['fast']}"
    assert f"<td>{html.escape(worse)}</td>" in page_html


def test_html_labels_synthetic_athletes() -> None:
    text = report.render_html(make_review(synthetic=True))
    assert report.SYNTHETIC_LABEL in text


def test_html_escapes_hostile_names_and_messages() -> None:
    athlete = '<script>alert("name")</script>'
    hostile = make_review(athlete=athlete, flags=[flag(
        ONSET, "session_spike", "urgent", "</script><img src=x onerror=alert(1)>",
        "session_spike_frandsen2025", athlete)])
    text = report.render_html(hostile)
    assert '<script>alert("name")' not in text
    assert "<img src=x" not in text and "</script><img" not in text
    assert html.escape(athlete) in text
    assert references(text).found == []


def test_html_without_training_data_says_so() -> None:
    empty = make_review(daily=daily_frame().iloc[0:0], flags=[])
    text = report.render_html(empty)
    assert "No training data in these weeks." in text
    assert "No flags in these weeks." in text
    assert references(text).found == []


def test_html_says_near_the_top_how_many_runs_are_hidden(review: Review,
                                                        page_html: str) -> None:
    text = report.render_html(review, hidden_runs=3)
    note = text.index('<p class="hidden-runs" id="hidden-runs">Runs missing from this report: '
                      "3 runs synced from Strava are hidden here")
    assert note < text.index('<dl class="facts">')  # under the title, above the facts
    assert "computed without them." in text
    assert "1 run synced from Strava is hidden here" in report.render_html(review, hidden_runs=1)
    assert "hidden-runs" not in page_html.split("</style>", 1)[1]  # nothing hidden: no note
    assert report.hidden_runs_note(0) is None


# -- PDF --------------------------------------------------------------------------------------
def test_pdf_pages_and_metadata(review: Review) -> None:
    data = report.render_pdf(review)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    # title, timeline, tables, one page of 2 flags, one page of 2 symptom entries
    assert report.pdf_page_titles(review) == [
        "Pre-injury training review", "The 8 weeks before the onset", "What changed",
        "Flags in these weeks", "Symptom entries"]
    assert pdf_pages(data) == 5
    assert b"(Pre-injury training review: Ann, onset 2024-05-12)" in data


def test_pdf_text_names_athlete_onset_and_disclaimer() -> None:
    pypdf = pytest.importorskip("pypdf", reason="pypdf extracts the PDF's text")
    data = report.render_pdf(make_review(synthetic=True))
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 4  # no symptom entries: no symptom page
    first = reader.pages[0].extract_text()
    assert "Ann" in first and "2024-05-12" in first
    assert "Not a medical device, not a diagnosis." in first
    assert "SYNTHETIC DEMO DATA" in first
    flags = reader.pages[3].extract_text()
    assert "session spike" in flags and "evidence grade A" in flags
    assert "10.1136/bjsports-2024-109380" in flags


def test_pdf_title_page_says_how_many_runs_are_hidden() -> None:
    pypdf = pytest.importorskip("pypdf", reason="pypdf extracts the PDF's text")
    shown = dataclasses.replace(
        make_review(synthetic=True), injury_label="ischial tuberosity (left); diagnosis: "
        "proximal hamstring tendinopathy; 49 days of running lost [record 1a2b3c4d]")
    reader = pypdf.PdfReader(io.BytesIO(report.render_pdf(shown, hidden_runs=2)))
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Runs missing from this report: 2 runs synced from Strava are hidden here" in first
    assert first.index("Runs missing") < first.index("Athlete")  # above the facts
    baselines: list[float] = []
    reader.pages[0].extract_text(visitor_text=lambda text, cm, tm, *_: baselines.append(
        cm[5] + tm[5]) if text.strip() else None)
    footer = report._page(shown, "").texts[-1].get_position()[1] * report.A4_IN[1] * 72
    body = [y for y in baselines if abs(y - footer) > 1.0]
    assert "ACWR is context" in first and min(body) > footer + 18  # clear of the footer
    assert "2 Strava runs not shown" in str(reader.metadata.subject)
    assert len(reader.pages) == 4
    plain = pypdf.PdfReader(io.BytesIO(report.render_pdf(shown)))
    assert "Runs missing" not in plain.pages[0].extract_text()


def test_pdf_flag_pages_follow_the_text_length() -> None:
    # one-line message, no advice, one 8-pt evidence line, a 0.6 blank: 1 + 1 + 8/9 + 0.6
    # = 3.489 line steps; 52 steps hold 14 flags (48.8; 15 would need 52.3), so 30 flags
    # take 14 + 14 + 2 = 3 pages after the 3 fixed ones.
    many = [Flag(athlete="Ann", local_date=ONSET - dt.timedelta(days=i % 50), kind="data_gap",
                 severity="low", value=None, threshold=None, unit="",
                 message=f"Short message number {i}.", evidence_key="not_registered_rule")
            for i in range(30)]
    big = make_review(flags=many)
    titles = report.pdf_page_titles(big)
    assert titles[3:] == [f"Flags in these weeks ({i} of 3)" for i in (1, 2, 3)]
    assert pdf_pages(report.render_pdf(big)) == 6


def test_pdf_without_training_data_has_the_fixed_pages() -> None:
    empty = make_review(daily=daily_frame().iloc[0:0], flags=[])
    data = report.render_pdf(empty)
    assert data.startswith(b"%PDF-") and pdf_pages(data) == 4


def test_number_formatting() -> None:
    assert report.number(17.5) == "17.5"
    assert report.number(-2.0, signed=True) == "\u22122.0"
    assert report.number(100.0, 0, signed=True) == "+100"
    assert report.number(float("nan")) == report.number(None) == "-"


# -- the Review page offers both downloads ------------------------------------------------------
@pytest.mark.slow
def test_review_page_offers_both_downloads(app: Callable[[str], AppTest], demo_url: str,
                                           demo_store: Store) -> None:
    injuries = log.injuries(demo_store)
    runner = str(injuries["athlete"].iloc[0])
    at = app(demo_url)
    at.sidebar.selectbox(key="athlete_picker").select(runner).run()
    at.switch_page("views/review.py").run()
    no_exception(at)
    labels = [element.proto.label for element in at.get("download_button")]
    assert labels == ["Download report (HTML)", "Download report (PDF)"]


# -- the HTML in a real browser: drawn, and nothing fetched from anywhere ----------------------
@pytest.mark.e2e
@needs_chromium("open the report in a browser")
def test_html_draws_offline_in_chromium(page_html: str, tmp_path: Path) -> None:
    path = tmp_path / "review.html"
    path.write_text(page_html, encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(path.as_uri())
        page.wait_for_selector("#timeline-plot .main-svg", timeout=60_000)
        page.wait_for_selector("#weekly-plot .main-svg", timeout=60_000)
        assert page.locator("#what-changed h2").is_visible()
    assert [url for url in requested if not url.startswith(("file:", "data:"))] == []

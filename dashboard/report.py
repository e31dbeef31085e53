"""The clinician's pre-injury report: a self-contained HTML page and a multi-page PDF.

Both render a :class:`risk.review.Review` (:func:`risk.review.pre_injury_review`): the weeks
before an onset as one timeline, the "what changed" table, the week-by-week totals, the flags
with their evidence and the symptom entries. Nothing is computed here beyond formatting.

* :func:`render_html` returns one HTML document with its CSS inline and plotly.js embedded,
  so it opens offline and makes no external request (DOIs are written out, not linked).
* :func:`render_pdf` returns an A4 PDF drawn with matplotlib (no browser): a title page, the
  timeline, the tables, then as many pages of flags (and of symptom entries, when there are
  any) as their text needs (:func:`pdf_page_titles`).

Every text that comes from data (athlete names, activity names, notes) is escaped in HTML.
No streamlit import: the ``loadwatch report`` command uses this module too.

When Strava's display rule hides some of the athlete's runs from the reader (server mode,
docs/server-mode.md), both formats say so near the top, with the count
(:func:`hidden_runs_note`): the loads and flags of the report leave those runs out.

:func:`make_report` is how the Review page's downloads and ``loadwatch report`` make a file: it
checks the reader may make reports of the athlete, adds the hidden-runs note for that reader
and records the report in the audit log (action ``report``, with its format and window).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import matplotlib
import pandas as pd
import plotly.graph_objects as go
import plotly.offline
from matplotlib import dates as mdates
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from dashboard import charts
from dashboard.palette import (
    OKABE_ITO,
    SERIES_COLOUR,
    SEVERITY_COLOUR,
    SEVERITY_STATUS,
    STATUS_TEXT_COLOUR,
)
from etl.errors import AccessDenied
from etl.store import Store
from etl.store.access import hidden_runs_notice, hidden_strava_runs, record_report
from loadwatch import __version__
from risk import symptom_codes as S
from risk.review import Review

TITLE = "Pre-injury training review"
DISCLAIMER = ("Not a medical device, not a diagnosis. This report describes training, "
              "symptoms and wellness as logged; it does not say why pain started. Clinical "
              "judgement and examination decide.")
SYNTHETIC_LABEL = ("SYNTHETIC DEMO DATA: a simulated runner, not a person. For demonstration "
                   "only.")
ACWR_CONTEXT = ("ACWR is context: how a week compares with the weeks before it. The band "
                "(uncoupled 0.75-1.44, Gabbett's coupled 0.8-1.3 mapped) comes from team "
                "sports; runner cohorts disagree, so it is not a validated injury-risk score "
                "(SCIENCE.md 1.3).")
WHAT_CHANGED_NOTE = ("Per-week values are totals scaled to 7 days. The longest run compares "
                     "the 30 days up to the onset with the 30 days before. Descriptive only.")
NO_DATA = "-"

SEVERITY_ORDER: tuple[str, ...] = ("urgent", "high", "moderate", "low")
PDF_MARKERS: dict[str, str] = {"urgent": "X", "high": "^", "moderate": "D", "low": "o"}
"""Marker shapes of flag severities (shape and colour and legend text all say the same)."""
FLAG_LEVELS: dict[str, float] = {"urgent": 0.55, "high": 0.4, "moderate": 0.25, "low": 0.1}
"""Heights of the flag markers on the ACWR panel, so that flags of one day do not hide."""
PAIN_STYLES: dict[str, tuple[str, str, str]] = {
    S.PAIN_DURING_RUN_NRS: ("pain during run", "o", OKABE_ITO["vermillion"]),
    S.PAIN_AFTER_1H_NRS: ("pain 1 h after", "s", OKABE_ITO["blue"]),
    S.PAIN_NEXT_MORNING_NRS: ("pain next morning", "^", OKABE_ITO["black"]),
    S.PAIN_AT_REST_NRS: ("pain at rest", "D", OKABE_ITO["orange"]),
}

A4_IN = (8.27, 11.69)
PDF_WRAP_CHARS = 100
"""Characters per line of wrapped text on the list pages (9 pt DejaVu Sans, A4 margins)."""
PDF_LINES_PER_PAGE = 52.0
"""Height of a list page below its heading, in 9-point line steps (8-point lines count 8/9,
the blank line between two entries 0.6)."""
_LINE_STEP = 1.0 / 62.0
_TOP = 0.915


# -- shared content ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FlagItem:
    """One flag as the report prints it."""

    day: str
    severity: str
    kind: str
    message: str
    advice: str
    grade: str
    citation: str


def number(value: object, digits: int = 1, *, signed: bool = False) -> str:
    """``value`` rounded for print, or a dash when missing."""
    try:
        as_float = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return NO_DATA
    if math.isnan(as_float):
        return NO_DATA
    text = f"{as_float:+.{digits}f}" if signed else f"{as_float:.{digits}f}"
    return text.replace("-", "\u2212") if text.startswith("-") else text


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def _day(value: object) -> str:
    return pd.Timestamp(str(value)).date().isoformat() if _text(value) else ""


def facts(review: Review) -> list[tuple[str, str]]:
    """The title facts: athlete, onset, injury, window, its halves, generated when and how."""
    before_end = review.recent_start - dt.timedelta(days=1)
    rows = [("Athlete", review.athlete), ("Onset", review.onset.isoformat())]
    if review.injury_label:
        rows.append(("Injury record", review.injury_label))
    rows += [
        ("Period", f"{review.start} to {review.onset} ({review.weeks} weeks, onset day "
                   "included)"),
        ("Compared", f"before = {review.start} to {before_end}; recent = {review.recent_start} "
                     f"to {review.onset}"),
        ("Load measure", charts.load_label(_load(review), "km")),
        ("Generated", f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by loadwatch {__version__}"),
    ]
    return rows


def _load(review: Review) -> str:
    if "load_measure" in review.daily.columns and not review.daily.empty:
        return str(review.daily["load_measure"].iloc[0])
    return "distance_km"


WHAT_CHANGED_HEADER: tuple[str, ...] = ("measure", "unit", "before", "recent", "change",
                                        "change [%]")


def what_changed_rows(review: Review) -> list[list[str]]:
    """The "what changed" table as printed text, one list per measure."""
    return [[_text(row.change_measure), _text(row.change_unit), number(row.baseline_value),
             number(row.recent_value), number(row.absolute_change, signed=True),
             number(row.relative_change_pct, 0, signed=True)]
            for row in review.what_changed.itertuples(index=False)]


WEEKLY_HEADER: tuple[str, ...] = ("week", "distance [km]", "runs", "longest [km]",
                                  "uphill [m]", "> threshold [min]", "rest days",
                                  "recorded days")


def weekly_rows(review: Review) -> list[list[str]]:
    """Week-by-week totals as printed text (oldest week first)."""
    rows = []
    for row in review.weekly.itertuples(index=False):
        first, last = pd.Timestamp(str(row.week_first_date)), pd.Timestamp(str(row.week_last_date))
        rows.append([f"{first:%d %b} - {last:%d %b}", number(row.weekly_distance_km),
                     number(row.weekly_run_count, 0), number(row.weekly_longest_run_km),
                     number(row.weekly_up_vert_m, 0),
                     number(row.weekly_time_above_threshold_min, 0),
                     number(row.weekly_rest_days, 0), number(row.weekly_recorded_days, 0)])
    return rows


def flag_items(review: Review) -> list[FlagItem]:
    """The window's flags, most recent first, with evidence grade and citation."""
    frame = review.flags
    if frame.empty:
        return []
    order = frame.assign(_day=pd.to_datetime(frame["local_date"]),
                         _rank=frame["severity"].map({s: i for i, s in enumerate(SEVERITY_ORDER)}))
    order = order.sort_values(["_day", "_rank"], ascending=[False, True], kind="stable")
    return [FlagItem(day=_day(row["local_date"]), severity=_text(row.get("severity")),
                     kind=_text(row.get("kind")).replace("_", " "),
                     message=_text(row.get("message")), advice=_text(row.get("advice")),
                     grade=_text(row.get("flag_evidence_grade")) or "?",
                     citation=_text(row.get("flag_evidence_citation")))
            for _, row in order.iterrows()]


def _codes(values: object, labels: dict[str, str]) -> str:
    if not isinstance(values, tuple | list):
        values = () if not _text(values) else (values,)
    return ", ".join(labels.get(str(v), str(v).replace("_", " ")) for v in values)


SYMPTOM_HEADER: tuple[str, ...] = ("day", "pain at rest", "during run", "1 h after",
                                   "next morning", "where", "worse with", "note")


def symptom_rows(review: Review) -> list[list[str]]:
    """Symptom entries of the window as printed text (oldest first)."""
    frame = review.symptoms
    if frame.empty:
        return []
    frame = frame.sort_values("local_date", kind="stable")
    rows = []
    for _, row in frame.iterrows():
        where = _codes(row.get(S.PAIN_LOCATIONS), S.LOCATIONS)
        side = _text(row.get(S.BODY_SIDE))
        rows.append([_day(row["local_date"]),
                     *(number(row.get(c), 0) for c in (S.PAIN_AT_REST_NRS, S.PAIN_DURING_RUN_NRS,
                                                       S.PAIN_AFTER_1H_NRS,
                                                       S.PAIN_NEXT_MORNING_NRS)),
                     f"{where} ({S.SIDES.get(side, side)})" if side and where else where,
                     _codes(row.get(S.PAIN_AGGRAVATORS), S.AGGRAVATORS),
                     _text(row.get(S.LOG_NOTE))])
    return rows


def hidden_runs_note(count: int) -> str | None:
    """What the report says about ``count`` runs its reader may not see (None when none).

    Strava's API agreement lets API data be shown only to its athlete, so a coach's or
    clinician's report is computed without those runs (:func:`etl.store.access.hidden_runs_notice`
    says why and how the athlete can share them instead).
    """
    notice = hidden_runs_notice(count)
    if notice is None:
        return None
    them = "it" if count == 1 else "them"
    return (f"Runs missing from this report: {notice} The loads, flags and tables of this "
            f"report are computed without {them}.")


def severity_counts(review: Review) -> str:
    """"1 urgent, 2 high, ..." for the window's flags ("no flags" when there are none)."""
    if review.flags.empty:
        return "no flags"
    counts = review.flags["severity"].value_counts()
    return ", ".join(f"{int(counts[s])} {s}" for s in SEVERITY_ORDER if s in counts)


# -- HTML -------------------------------------------------------------------------------------
_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#111;
max-width:1100px;margin:1.5em auto;padding:0 1em;line-height:1.4}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #0072B2;padding-bottom:.2em;margin-top:1.6em}
.disclaimer{border-left:6px solid #D55E00;background:#fff4ec;padding:.6em .8em;font-weight:600}
.synthetic{border:2px dashed #CC79A7;background:#fbeef6;padding:.5em .8em;font-weight:700}
.hidden-runs{border-left:6px solid #0072B2;background:#eef5fb;padding:.6em .8em}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
table{border-collapse:collapse;width:100%;font-size:.92em;margin:.5em 0}
th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eef3f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{padding:.1em .5em;border-radius:.4em;font-weight:700;white-space:nowrap}
table.flags td:first-child{white-space:nowrap}table.flags td:nth-child(4){width:38%}
.note{color:#444;font-size:.9em}.cite{font-size:.85em;color:#333}
footer{margin-top:2em;border-top:1px solid #bbb;padding-top:.6em;font-size:.9em}
@media print{section{break-inside:avoid-page}.plot{break-inside:avoid}}
"""
_PLOT_CONFIG = {"displaylogo": False,
                "toImageButtonOptions": {"format": "png"}}


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int] = ()
           ) -> str:
    right = set(numeric)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{html.escape(c)}</td>' if i in right
                         else f"<td>{html.escape(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _severity_badge(severity: str) -> str:
    colour = SEVERITY_COLOUR.get(severity, OKABE_ITO["grey"])
    ink = STATUS_TEXT_COLOUR.get(SEVERITY_STATUS.get(severity, "watch"), "#000000")
    return (f'<span class="badge" style="background:{colour};color:{ink}">'
            f"{html.escape(severity.upper())}</span>")


def timeline_figure(review: Review) -> go.Figure:
    """The dashboard's load timeline for the review window, the onset day marked."""
    from risk.symptoms import wellness_scores

    wellness = wellness_scores(review.wellness) if not review.wellness.empty else None
    figure = charts.load_figure(review.daily, review.flags, review.symptoms, load=_load(review),
                                unit="km", wellness=wellness)
    figure.add_vline(x=pd.Timestamp(review.onset), line=dict(color="#000000", dash="dash"),
                     annotation_text="onset")
    return figure


def _plot(figure: go.Figure, div_id: str) -> str:
    return str(figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                              config=_PLOT_CONFIG))


def _flags_html(review: Review) -> str:
    items = flag_items(review)
    if not items:
        return "<p>No flags in these weeks.</p>"
    rows = []
    for item in items:
        advice = (f'<br><span class="note">{html.escape(item.advice)}</span>'
                  if item.advice else "")
        rows.append(
            f"<tr><td>{html.escape(item.day)}</td><td>{_severity_badge(item.severity)}</td>"
            f"<td>{html.escape(item.kind)}</td><td>{html.escape(item.message)}{advice}</td>"
            f"<td>{html.escape(item.grade)}</td>"
            f'<td class="cite">{html.escape(item.citation)}</td></tr>')
    head = "".join(f"<th>{h}</th>" for h in ("day", "severity", "kind", "what happened",
                                             "evidence grade", "evidence"))
    return (f'<table class="flags"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            '<p class="note">Evidence grades: A prospective cohort or trial in runners with '
            "injury as the outcome; B team-sport cohort or lab study; C expert opinion; "
            "D product heuristic.</p>")


def render_html(review: Review, *, hidden_runs: int = 0) -> str:
    """The report as one self-contained HTML document.

    CSS is inline and plotly.js is embedded (about 4.7 MB), so the file opens offline and
    requests nothing from other hosts. Every text from the data is HTML-escaped.

    Parameters
    ----------
    review
        The review to print (:func:`risk.review.pre_injury_review`).
    hidden_runs
        How many of the athlete's runs Strava's display rule hides from the reader
        (:func:`etl.store.access.hidden_strava_runs`); when above 0 the report says so under
        its title (:func:`hidden_runs_note`).

    Returns
    -------
    str
        The HTML document.
    """
    title = f"{TITLE}: {review.athlete}, onset {review.onset}"
    facts_html = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>"
                         for k, v in facts(review))
    synthetic = (f'<p class="synthetic">{html.escape(SYNTHETIC_LABEL)}</p>'
                 if review.is_synthetic else "")
    note = hidden_runs_note(hidden_runs)
    if note:
        synthetic += f'<p class="hidden-runs" id="hidden-runs">{html.escape(note)}</p>'
    if review.daily.empty:
        timeline = "<p>No training data in these weeks.</p>"
    else:
        weekly = charts.weekly_figure(review.weekly, unit="km")
        timeline = (f'<div class="plot">{_plot(timeline_figure(review), "timeline-plot")}</div>'
                    f'<div class="plot">{_plot(weekly, "weekly-plot")}</div>')
    symptoms = symptom_rows(review)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>",
        f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>',
        "</head><body>",
        f"<header><h1>{html.escape(TITLE)}</h1>",
        f'<p class="disclaimer">{html.escape(DISCLAIMER)}</p>{synthetic}',
        f'<dl class="facts">{facts_html}</dl>',
        f"<p>Flags in the window: {html.escape(severity_counts(review))}.</p></header>",
        f'<section id="timeline"><h2>The {review.weeks} weeks before the onset</h2>{timeline}',
        f'<p class="note">{html.escape(ACWR_CONTEXT)}</p></section>',
        '<section id="what-changed"><h2>What changed</h2>',
        _table(WHAT_CHANGED_HEADER, what_changed_rows(review), numeric=(2, 3, 4, 5)),
        f'<p class="note">{html.escape(WHAT_CHANGED_NOTE)}</p></section>',
        '<section id="weekly"><h2>Week by week</h2>',
        _table(WEEKLY_HEADER, weekly_rows(review), numeric=range(1, 8)), "</section>",
        f'<section id="flags"><h2>Flags in these weeks</h2>{_flags_html(review)}</section>',
        '<section id="symptoms"><h2>Symptom entries</h2>',
        (_table(SYMPTOM_HEADER, symptoms, numeric=(1, 2, 3, 4)) if symptoms
         else "<p>No symptom entries in these weeks.</p>"),
        "</section>",
        f"<footer><p>{html.escape(DISCLAIMER)}</p>"
        f"<p>loadwatch {html.escape(__version__)}</p></footer>",
        "</body></html>",
    ]
    return "\n".join(parts)


# -- PDF --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Line:
    text: str
    bold: bool = False
    size: float = 9.0
    colour: str = "#000000"
    indent: float = 0.0
    lead: str = ""
    badge: str = ""


def _wrap(text: str, width: int = PDF_WRAP_CHARS) -> list[str]:
    return textwrap.wrap(text, width=width, break_long_words=True) or [""]


def _flag_block(item: FlagItem) -> list[_Line]:
    lines = [_Line(f"{item.kind}   (evidence grade {item.grade})", bold=True, indent=0.2,
                   lead=item.day, badge=item.severity)]
    lines += [_Line(t, indent=0.02) for t in _wrap(item.message, PDF_WRAP_CHARS - 3)]
    if item.advice:
        lines += [_Line(t, indent=0.02) for t in _wrap(f"Advice: {item.advice}",
                                                       PDF_WRAP_CHARS - 3)]
    lines += [_Line(t, size=8.0, colour="#333333", indent=0.02)
              for t in _wrap(f"Evidence: {item.citation}", PDF_WRAP_CHARS + 8)]
    return [*lines, _Line("")]


def _symptom_block(row: Sequence[str]) -> list[_Line]:
    day, rest, during, after, morning, where, worse, note = row
    scores = [f"{label} {value}/10" for label, value in (
        ("at rest", rest), ("during run", during), ("1 h after", after),
        ("next morning", morning)) if value != NO_DATA]
    lines = [_Line(f"{day}   pain " + (", ".join(scores) if scores else "not scored"),
                   bold=True)]
    details = "; ".join(p for p in (f"where: {where}" if where else "",
                                    f"worse with: {worse}" if worse else "",
                                    f"note: {note}" if note else "") if p)
    if details:
        lines += [_Line(t, indent=0.02) for t in _wrap(details, PDF_WRAP_CHARS - 3)]
    return [*lines, _Line("")]


def _height(line: _Line) -> float:
    """Height of a line in 9-point line steps (a blank separator is 0.6 of a step)."""
    return line.size / 9.0 if line.text or line.lead else 0.6


def _paginate(blocks: Sequence[list[_Line]], budget: float = PDF_LINES_PER_PAGE
              ) -> list[list[_Line]]:
    """Blocks onto pages at most ``budget`` line steps high; a block never splits unless it
    alone is taller than a page."""
    pages: list[list[_Line]] = []
    page: list[_Line] = []
    used = 0.0
    for block in blocks:
        height = sum(_height(line) for line in block)
        if page and used + height > budget:
            pages.append(page)
            page, used = [], 0.0
        for line in block:
            if page and used + _height(line) > budget:
                pages.append(page)
                page, used = [], 0.0
            page.append(line)
            used += _height(line)
    if page or not pages:
        pages.append(page)
    return pages


def _flag_pages(review: Review) -> list[list[_Line]]:
    items = flag_items(review)
    if not items:
        return [[_Line("No flags in these weeks.")]]
    return _paginate([_flag_block(item) for item in items])


def _symptom_pages(review: Review) -> list[list[_Line]]:
    rows = symptom_rows(review)
    return _paginate([_symptom_block(row) for row in rows]) if rows else []


def pdf_page_titles(review: Review) -> list[str]:
    """The heading of every page :func:`render_pdf` draws, in order (its page count)."""
    flags = _flag_pages(review)
    symptoms = _symptom_pages(review)
    return ([TITLE, f"The {review.weeks} weeks before the onset", "What changed"]
            + [_continued("Flags in these weeks", i, len(flags)) for i in range(len(flags))]
            + [_continued("Symptom entries", i, len(symptoms)) for i in range(len(symptoms))])


def _continued(heading: str, index: int, total: int) -> str:
    return heading if total == 1 else f"{heading} ({index + 1} of {total})"


def _page(review: Review, heading: str) -> Figure:
    figure = Figure(figsize=A4_IN)
    figure.text(0.06, 0.965, heading, fontsize=15, fontweight="bold", va="top")
    figure.text(0.94, 0.965, f"{review.athlete}  |  onset {review.onset}", fontsize=8,
                ha="right", va="top", color="#333333")
    footer = DISCLAIMER.split(". ")[0] + "."
    if review.is_synthetic:
        footer += "  Synthetic demo data (simulated runner)."
    figure.text(0.06, 0.025, footer, fontsize=8, color=OKABE_ITO["vermillion"],
                fontweight="bold")
    return figure


def _title_page(review: Review, hidden_runs: int = 0) -> Figure:
    figure = _page(review, TITLE)
    y = 0.88
    if review.is_synthetic:
        figure.text(0.06, y, "\n".join(_wrap(SYNTHETIC_LABEL, 70)), fontsize=12,
                    fontweight="bold", va="top", color="#000000",
                    bbox=dict(boxstyle="round,pad=0.6", facecolor="#fbeef6",
                              edgecolor=OKABE_ITO["reddish_purple"], linestyle="--"))
        y -= 0.085
    note = hidden_runs_note(hidden_runs)
    if note:
        lines = _wrap(note, 100)
        figure.text(0.06, y, "\n".join(lines), fontsize=9, va="top", color="#000000",
                    linespacing=1.25,
                    bbox=dict(boxstyle="round,pad=0.5", facecolor="#eef5fb",
                              edgecolor=OKABE_ITO["blue"]))
        # text height (points to page fraction) plus the box padding and a gap
        y -= (len(lines) * 9 * 1.25 + 9) / 72 / A4_IN[1] + 0.02
    for label, value in facts(review):
        wrapped = _wrap(value, 62)
        figure.text(0.06, y, label, fontsize=11, fontweight="bold", va="top")
        figure.text(0.27, y, "\n".join(wrapped), fontsize=11, va="top")
        y -= 0.0165 * len(wrapped) + 0.014
    y -= 0.02
    figure.text(0.06, y, "Not a medical device, not a diagnosis.", fontsize=16,
                fontweight="bold", va="top", color=OKABE_ITO["vermillion"])
    y -= 0.04
    figure.text(0.06, y, "\n".join(_wrap(DISCLAIMER, 85)), fontsize=10, va="top")
    y -= 0.075
    figure.text(0.06, y, "In these weeks", fontsize=12, fontweight="bold", va="top")
    y -= 0.032
    summary = [f"Flags: {severity_counts(review)}."]
    for row in what_changed_rows(review)[:3]:
        summary.append(f"{row[0]}: {row[2]} before, {row[3]} recent {row[1]} "
                       f"({row[5]} %)")
    summary.append(f"Symptom entries: {len(review.symptoms)}; wellness entries: "
                   f"{len(review.wellness)}.")
    figure.text(0.06, y, "\n".join(summary), fontsize=10, va="top", linespacing=1.6)
    y -= 0.032 * len(summary) + 0.03
    figure.text(0.06, y, "\n".join(_wrap(ACWR_CONTEXT, 95)), fontsize=9, va="top",
                color="#333333")
    return figure


def _timeline_page(review: Review) -> Figure:
    figure = _page(review, f"The {review.weeks} weeks before the onset")
    if review.daily.empty:
        figure.text(0.06, 0.88, "No training data in these weeks.", fontsize=11, va="top")
        return figure
    from risk.symptoms import wellness_scores

    wellness = (wellness_scores(review.wellness) if not review.wellness.empty
                else pd.DataFrame())
    panels = 4 if not wellness.empty else 3
    grid = figure.add_gridspec(panels, 1, left=0.1, right=0.7, top=0.9, bottom=0.12,
                               hspace=0.42, height_ratios=[1.5, 1.0, 1.0, 0.8][:panels])
    axes = [figure.add_subplot(grid[0])]
    axes += [figure.add_subplot(grid[i], sharex=axes[0]) for i in range(1, panels)]
    daily = review.daily
    days = pd.to_datetime(daily["local_date"])
    load = _load(review)
    load_axis, ratio_axis, pain_axis = axes[:3]
    load_axis.bar(days, pd.to_numeric(daily[load], errors="coerce"), width=0.8,
                  color=SERIES_COLOUR["load"], label="daily load")
    for column, name, colour, style in (
            ("acute_load", "acute (7-day mean)", "acute", "-"),
            ("chronic_load_uncoupled", "chronic (21 days before)", "chronic", "--")):
        if column in daily.columns:
            load_axis.plot(days, pd.to_numeric(daily[column], errors="coerce"), style,
                           color=SERIES_COLOUR[colour], linewidth=1.8, label=name)
    load_axis.set_title("Daily load with acute and chronic means", fontsize=10, loc="left")
    load_axis.set_ylabel(charts.load_label(load, "km"), fontsize=8)

    low, high = charts.ACWR_BAND
    ratio_axis.axhspan(low, high, color=SERIES_COLOUR["band"], alpha=0.18,
                       label=f"context band {low}-{high}")
    ratio_axis.axhline(charts.ACWR_HIGH, color=SERIES_COLOUR["band_high"], linestyle=":",
                       label=f"{charts.ACWR_HIGH:.2f}: well above recent weeks")
    if "acwr_uncoupled" in daily.columns:
        ratio = pd.to_numeric(daily["acwr_uncoupled"], errors="coerce")
        if "acwr_state" in daily.columns:
            ratio = ratio.where(daily["acwr_state"] == "ok")
        ratio_axis.plot(days, ratio, color=SERIES_COLOUR["acwr"], linewidth=1.8,
                        label="ACWR (uncoupled)")
    for severity in SEVERITY_ORDER:
        part = review.flags[review.flags["severity"] == severity] if not review.flags.empty \
            else review.flags
        if part.empty:
            continue
        ratio_axis.scatter(pd.to_datetime(part["local_date"]), [FLAG_LEVELS[severity]] * len(part),
                           marker=PDF_MARKERS[severity], s=45, color=SEVERITY_COLOUR[severity],
                           edgecolors="#000000", linewidths=0.6, zorder=3,
                           label=f"flag: {severity}")
    ratio_axis.set_ylim(bottom=0)
    ratio_axis.set_title("ACWR: context, not a risk score (flags as markers)", fontsize=10,
                         loc="left")
    ratio_axis.set_ylabel("ratio", fontsize=8)

    symptoms = review.symptoms
    drawn = False
    for column, (name, marker, colour) in PAIN_STYLES.items():
        if symptoms.empty or column not in symptoms.columns:
            continue
        values = pd.to_numeric(symptoms[column], errors="coerce")
        if values.notna().any():
            pain_axis.scatter(pd.to_datetime(symptoms["local_date"]), values, marker=marker,
                              s=28, color=colour, label=name, zorder=3)
            drawn = True
    pain_axis.axhline(5, color=OKABE_ITO["grey"], linestyle=":",
                      label="5/10 pain-monitoring ceiling")
    if not drawn:
        pain_axis.text(0.5, 0.5, "no symptom entries in these weeks", transform=pain_axis.transAxes,
                       ha="center", va="center", fontsize=9, color="#333333")
    pain_axis.set_ylim(-0.5, 10.5)
    pain_axis.set_title("Pain scores (0-10)", fontsize=10, loc="left")
    pain_axis.set_ylabel("NRS", fontsize=8)
    if panels == 4:
        well_axis = axes[3]
        well_axis.plot(pd.to_datetime(wellness["local_date"]), wellness["hooper_index_au"],
                       "-o", markersize=3, color=SERIES_COLOUR["wellness"], label="Hooper index")
        well_axis.set_title("Wellness (Hooper index 4-28, higher = worse)", fontsize=10,
                            loc="left")
        well_axis.set_ylabel("4-28", fontsize=8)
    onset = float(mdates.date2num(pd.Timestamp(review.onset)))
    first = float(mdates.date2num(pd.Timestamp(review.start)))
    ticks = [onset - 7.0 * k for k in range(review.weeks, -1, -1)]
    for axis in axes:
        axis.axvline(onset, color="#000000", linestyle="--", linewidth=1.2)
        axis.set_xlim(first - 1.0, onset + 1.0)
        axis.set_xticks(ticks)
        axis.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        axis.tick_params(labelsize=8)
        axis.grid(axis="y", color="#dddddd", linewidth=0.6)
        axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                    borderaxespad=0.0, frameon=False)
    axes[0].text(onset, 1.0, " onset", transform=axes[0].get_xaxis_transform(), fontsize=8,
                 va="bottom", ha="center")
    figure.text(0.06, 0.05, "\n".join(_wrap(ACWR_CONTEXT, 120)), fontsize=7.5, va="bottom",
                color="#333333")
    return figure


_ROW_HEIGHT = 0.024
"""Height of one table row as a fraction of the A4 page."""


def _draw_table(figure: Figure, top: float, title: str, note: str, header: Sequence[str],
                rows: list[list[str]], widths: Sequence[float]) -> float:
    """A titled table whose top edge is at ``top`` (figure fraction); returns its bottom."""
    figure.text(0.06, top, title, fontsize=12, fontweight="bold", va="top")
    wrapped = _wrap(note, 120) if note else []
    if wrapped:
        figure.text(0.06, top - 0.03, "\n".join(wrapped), fontsize=8, color="#333333",
                    va="top")
    table_top = top - 0.035 - 0.014 * len(wrapped)
    if not rows:
        figure.text(0.06, table_top, "Nothing to show.", fontsize=9, va="top")
        return table_top - 0.03
    height = _ROW_HEIGHT * (len(rows) + 1)
    axis = figure.add_axes((0.06, table_top - height, 0.88, height))
    axis.axis("off")
    table = axis.table(cellText=rows, colLabels=list(header), colWidths=list(widths),
                       bbox=Bbox.from_bounds(0.0, 0.0, 1.0, 1.0), cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    for (row, _), cell in table.get_celld().items():
        cell.set_edgecolor("#bbbbbb")
        if row == 0:
            cell.set_facecolor("#eef3f8")
            cell.set_text_props(fontweight="bold")
    return table_top - height


def _tables_page(review: Review) -> Figure:
    figure = _page(review, "What changed")
    bottom = _draw_table(figure, 0.9, "Recent half against the earlier half", WHAT_CHANGED_NOTE,
                         WHAT_CHANGED_HEADER, what_changed_rows(review),
                         (0.4, 0.12, 0.12, 0.12, 0.12, 0.12))
    _draw_table(figure, bottom - 0.05, "Week by week",
                "Running totals of each 7-day block; the last block ends on the onset day.",
                WEEKLY_HEADER, weekly_rows(review), (0.16, 0.12, 0.07, 0.12, 0.11, 0.16, 0.12,
                                                     0.14))
    return figure


def _lines_page(review: Review, heading: str, lines: Sequence[_Line]) -> Figure:
    figure = _page(review, heading)
    y = _TOP
    for line in lines:
        if line.lead:
            figure.text(0.06, y, line.lead, fontsize=line.size, va="top", fontweight="bold")
        if line.badge:
            status = SEVERITY_STATUS.get(line.badge, "watch")
            figure.text(0.165, y, line.badge.upper(), fontsize=line.size - 1, va="top",
                        fontweight="bold", color=STATUS_TEXT_COLOUR.get(status, "#000000"),
                        bbox=dict(boxstyle="round,pad=0.25", linewidth=0,
                                  facecolor=SEVERITY_COLOUR.get(line.badge, OKABE_ITO["grey"])))
        if line.text:
            figure.text(0.06 + line.indent, y, line.text, fontsize=line.size, va="top",
                        fontweight="bold" if line.bold else "normal", color=line.colour)
        y -= _LINE_STEP * _height(line)
    return figure


def render_pdf(review: Review, *, hidden_runs: int = 0) -> bytes:
    """The report as a multi-page A4 PDF (matplotlib; no browser needed).

    Pages: a title page (athlete, onset, period, "not a medical device, not a diagnosis",
    the synthetic-data label for demo runners), the timeline (daily load with acute and
    chronic means, ACWR with its context band, flag markers, pain scores, wellness), the
    "what changed" and week-by-week tables, then the flags with message, advice, evidence
    grade and citation, and the symptom entries (:func:`pdf_page_titles` lists them).

    Parameters
    ----------
    review
        The review to print (:func:`risk.review.pre_injury_review`).
    hidden_runs
        How many of the athlete's runs Strava's display rule hides from the reader; when
        above 0 the title page says so above the facts (:func:`hidden_runs_note`).

    Returns
    -------
    bytes
        The PDF file; its metadata title names the athlete and the onset.
    """
    buffer = io.BytesIO()
    metadata = {"Title": f"{TITLE}: {review.athlete}, onset {review.onset}",
                "Author": f"loadwatch {__version__}",
                "Subject": "Not a medical device, not a diagnosis"
                           + ("; synthetic demo data" if review.is_synthetic else "")
                           + (f"; {hidden_runs} Strava runs not shown" if hidden_runs > 0
                              else ""),
                "Creator": "loadwatch", "CreationDate": None}
    titles = pdf_page_titles(review)
    flag_pages, symptom_pages = _flag_pages(review), _symptom_pages(review)
    with matplotlib.rc_context({"pdf.fonttype": 3, "font.family": "DejaVu Sans"}), \
            PdfPages(buffer, metadata=metadata) as pdf:
        figures = [_title_page(review, hidden_runs), _timeline_page(review),
                   _tables_page(review)]
        figures += [_lines_page(review, t, p) for t, p in
                    zip(titles[3:], [*flag_pages, *symptom_pages], strict=True)]
        for figure in figures:
            pdf.savefig(figure)
    return buffer.getvalue()


# -- making a report for a reader -------------------------------------------------------------
def make_report(store: Store, review: Review, fmt: Literal["pdf", "html"]) -> bytes:
    """The report of ``review`` as a file for the store's principal, recorded in the audit log.

    The file says how many of the athlete's runs Strava's display rule hides from the
    principal (:func:`hidden_runs_note`); a coach's or clinician's report of another athlete
    is then recorded as one audit row (:func:`etl.store.access.record_report`: action
    ``report``, the format and the window). Both the Review page's downloads and
    ``loadwatch report`` make their files here.

    Parameters
    ----------
    store
        The store, as the principal who gets the report.
    review
        The review to print (:func:`risk.review.pre_injury_review`).
    fmt
        ``"pdf"`` (:func:`render_pdf`) or ``"html"`` (:func:`render_html`, UTF-8).

    Returns
    -------
    bytes
        The file.

    Raises
    ------
    AccessDenied
        When the principal may not make reports of the athlete (the ``reports`` kind: the
        athlete themselves, or a clinician they granted access).
    """
    ids = store.ids_of([review.athlete])
    if not ids or not store.authorize(ids, "reports"):
        raise AccessDenied(f"{store.principal.user} may not make reports of "
                           f"{review.athlete!r}; ask the athlete for a clinician's grant")
    hidden = hidden_strava_runs(store, review.athlete)
    content = (render_pdf(review, hidden_runs=hidden) if fmt == "pdf"
               else render_html(review, hidden_runs=hidden).encode("utf-8"))
    record_report(store, ids[0], fmt, review.start, review.onset)
    return content

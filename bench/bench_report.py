"""Benchmark of the pre-injury report: building the review, rendering HTML and PDF.

Builds a small synthetic squad (no streams) in a temporary SQLite store, then for its first
injury record times, side by side in one run:

* ``analyse`` + ``pre_injury_review`` (what ``loadwatch report`` does before rendering);
* ``render_html`` (plotly.js embedded) and ``render_pdf`` (matplotlib, Type 3 fonts);
* ``render_pdf`` with TrueType (Type 42) fonts, the alternative we did not take, as a ratio.

Run: ``.venv/bin/python bench/bench_report.py [--repeat 3]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import matplotlib
import pandas as pd

from dashboard import report
from etl.demo.build import build_demo_store
from etl.demo.simulate import SquadConfig
from etl.store import Store, log
from loadwatch.cli.report_cmds import build_review


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'demo.db'}")
        build_demo_store(store, SquadConfig(end_date=dt.date.today() - dt.timedelta(days=1),
                                            athletes=3, years=200 / 365.25, with_streams=False))


        injury = log.injuries(store).iloc[0]
        athlete = str(injury["athlete"])
        onset = pd.Timestamp(injury["injury_onset_date"]).date()
        review_s = best_of(args.repeat, lambda: build_review(store, athlete, onset, 8, injury))
        review = build_review(store, athlete, onset, 8, injury)
        html_s = best_of(args.repeat, lambda: report.render_html(review))
        pdf_s = best_of(args.repeat, lambda: report.render_pdf(review))
        real_rc = matplotlib.rc_context

        def truetype(rc: dict[str, object]) -> object:
            return real_rc({**rc, "pdf.fonttype": 42})

        with mock.patch.object(matplotlib, "rc_context", truetype):
            pdf42_s = best_of(args.repeat, lambda: report.render_pdf(review))
        pages = len(report.pdf_page_titles(review))
        size_pdf = len(report.render_pdf(review)) / 1e3
        size_html = len(report.render_html(review).encode()) / 1e6
    print(f"review of {athlete}, onset {onset}: {len(review.flags)} flags, "
          f"{len(review.symptoms)} symptom entries; best of {args.repeat}")
    print(f"  analyse + pre_injury_review   {review_s:6.2f} s")
    print(f"  render_html                   {html_s:6.2f} s   ({size_html:.1f} MB)")
    print(f"  render_pdf (Type 3 fonts)     {pdf_s:6.2f} s   ({pages} pages, {size_pdf:.0f} kB)")
    print(f"  render_pdf (Type 42 fonts)    {pdf42_s:6.2f} s   "
          f"(ratio {pdf42_s / pdf_s:.2f} x the Type 3 time)")
    print(f"  whole PDF report              {review_s + pdf_s:6.2f} s; "
          f"rendering is {pdf_s / (review_s + pdf_s):.0%} of it")


if __name__ == "__main__":
    main()

"""Benchmark of the symptom log: writing, reading and the rules, on the demo squad's logs.

Simulates a squad (``--athletes``, default 24, over ``--years``, default 2, no streams), writes
its clinical logs (:func:`etl.demo.clinical.add_clinical_stories`) into a fresh SQLite store,
then, in one run:

1. write: entries stored per second through ``etl.store.log.add_many``;
2. read: ``etl.store.log.log_frames`` (current versions of every entry);
3. rules: ``risk.triage.assess`` over every entry (batch path: one history per athlete);
4. the per-entry path the dashboard uses after saving one entry
   (``triage_context`` + ``triage``), timed on ``--sample`` entries and scaled to all.

It prints the times and the ratio per-entry path / batch path (the reason ``analyse`` uses the
batch path), and the rules' time as a multiple of the read time (target: the rules add no more
than a few reads' worth of time to ``analyse``).

Usage::

    .venv/bin/python bench/bench_symptom_log.py [--athletes 24] [--years 2] [--sample 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from etl.demo.clinical import add_clinical_stories
from etl.demo.simulate import SquadConfig, simulate_squad
from etl.store import Store, log
from risk.triage import assess, triage, triage_context


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=24)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--sample", type=int, default=50)
    args = parser.parse_args()
    squad = simulate_squad(SquadConfig(end_date=dt.date.today() - dt.timedelta(days=1),
                                       athletes=args.athletes, years=args.years,
                                       with_streams=False))
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'bench.db'}")
        started = time.perf_counter()
        summary = add_clinical_stories(store, squad)
        write_s = time.perf_counter() - started

        started = time.perf_counter()
        frames = log.log_frames(store)
        read_s = time.perf_counter() - started

        started = time.perf_counter()
        result = assess(frames.symptoms, frames.wellness, frames.visa_h)
        rules_s = time.perf_counter() - started

        rows = frames.symptoms.to_dict(orient="records")
        sample = rows[:: max(1, len(rows) // args.sample)][: args.sample]
        started = time.perf_counter()
        for row in sample:
            entry = {str(k): v for k, v in row.items()}
            triage(entry, triage_context(entry, frames.symptoms, visa_h=frames.visa_h))
        per_entry_s = (time.perf_counter() - started) / max(len(sample), 1) * len(rows)
        store.engine.dispose()

    print(f"squad: {args.athletes} athletes x {args.years:g} years; log entries: "
          f"{summary.symptoms} symptoms, {summary.wellness} wellness, {summary.injuries} "
          f"injuries, {summary.visa_h} VISA-H")
    print(f"{'step':<44}{'seconds':>10}{'per second':>14}")
    print(f"{'write (log.add_many, one per runner)':<44}{write_s:>10.2f}"
          f"{summary.total / write_s:>14.0f}")
    print(f"{'read (log.log_frames)':<44}{read_s:>10.2f}{summary.total / read_s:>14.0f}")
    print(f"{'rules, batch (risk.triage.assess)':<44}{rules_s:>10.2f}"
          f"{summary.total / rules_s:>14.0f}")
    print(f"{'triage per entry, scaled to all entries':<44}{per_entry_s:>10.2f}"
          f"{len(rows) / per_entry_s:>14.0f}")
    print(f"flags from the rules: {len(result.flags)}; hints: {len(result.hints)}")
    print(f"ratio per-entry / batch triage: {per_entry_s / rules_s:.1f}x")
    print(f"ratio rules / read: {rules_s / read_s:.1f}x")


if __name__ == "__main__":
    main()

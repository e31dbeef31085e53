"""Benchmark of the Strava sync: bare store writes side by side with the end-to-end sync.

In one run, on the same generated history (``--activities``, default 1,000, a share
``--runs`` of them runs with 20-sample streams):

1. bare: map the fake server's JSON to records (no HTTP) and upsert them into a fresh SQLite
   store one by one, the floor any sync pays;
2. sync: ``etl.strava.sync.sync`` against the fake Strava server on 127.0.0.1 (HTTP through
   stravalib, rate-limit planning, mapping, bookkeeping, cursors) into another fresh store,
   with limits high enough that it never waits.

It prints both times, activities per second, requests per activity and the ratio
sync / bare (target <= 3: the sync's own overhead stays below twice the store's cost).

Usage (from the repository root, so that the test helpers import)::

    .venv/bin/python -m bench.bench_strava_sync [--activities 1000] [--runs 0.3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

from etl.records import ParsedActivity, empty_streams
from etl.store import Store
from etl.strava import mapping
from etl.strava.client import Transport
from etl.strava.connect import exchange_code
from etl.strava.sync import sync
from tests.strava.fake_strava import CLIENT_ID, CLIENT_SECRET, FakeStrava, generate_history

END = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)


def bare(folder: Path, fake: FakeStrava) -> float:
    store = Store.open(f"sqlite:///{folder / 'bare.db'}")
    bodies = [fake.detail(a["id"]) for a in fake.visible()]
    started = time.perf_counter()
    for body in bodies:
        record = mapping.to_record(body, "bench")
        streams = empty_streams()
        if record.is_run and not record.is_manual:
            streams = mapping.to_streams(fake.streams(body["id"], list(mapping.STREAM_KEYS)),
                                         is_run=True, request="bench")
        store.upsert_activity("ada", ParsedActivity(record, streams))
    return time.perf_counter() - started


def end_to_end(folder: Path, fake: FakeStrava) -> tuple[float, int]:
    store = Store.open(f"sqlite:///{folder / 'sync.db'}")
    exchange_code(store, "ada", fake.issue_code(), transport=Transport())
    started = time.perf_counter()
    report = sync(store, "ada", transport=Transport())
    elapsed = time.perf_counter() - started
    if report.inserted != len(fake.visible()):
        raise SystemExit(f"sync stored {report.inserted} of {len(fake.visible())} activities")
    return elapsed, report.requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--runs", type=float, default=0.3, help="share of runs (0-1)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-strava-"))
    os.environ.update({"STRAVA_CLIENT_ID": str(CLIENT_ID), "STRAVA_CLIENT_SECRET": CLIENT_SECRET,
                       "LOADWATCH_SECRET_KEY": Fernet.generate_key().decode(),
                       "LOADWATCH_HOME": str(folder), "LOADWATCH_SECRETS_FILE": str(folder / "x")})
    history = generate_history(args.activities, end=END, run_fraction=args.runs, manual_every=0)
    fake = FakeStrava(activities=history, limits=(10**6, 10**7), read_limits=(10**6, 10**7))
    fake.start()
    os.environ["LOADWATCH_STRAVA_URL"] = fake.base_url
    try:
        bare_s = bare(folder, fake)
        sync_s, requests_sent = end_to_end(folder, fake)
    finally:
        fake.stop()
    n = args.activities
    print(f"{'step':<28}{'seconds':>10}{'activities/s':>15}")
    print(f"{'bare map + upsert':<28}{bare_s:>10.2f}{n / bare_s:>15.0f}")
    print(f"{'sync via fake Strava':<28}{sync_s:>10.2f}{n / sync_s:>15.0f}")
    print(f"requests: {requests_sent} ({requests_sent / n:.2f} per activity)")
    print(f"ratio sync / bare: {sync_s / bare_s:.2f} (target <= 3)")


if __name__ == "__main__":
    main()

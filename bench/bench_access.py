"""Benchmark of the access layer: the same reads as the local user and as staff, side by side.

Builds a SQLite store of ``--athletes`` athletes with ``--runs`` runs each (a third of them
from the Strava API), a coach granted by half the athletes, and times in one run:

* ``Store.activities()`` (everyone the reader may see) as the local user and as the coach
  (grant lookup, audit row, Strava display rule);
* ``Store.athletes()`` likewise;
* one audited read of one athlete's activities by the coach.

Prints each time and the ratio coach / local.

Usage: ``python bench/bench_access.py [--athletes 60] [--runs 300] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import insert

from etl.store import Store
from etl.store import access as A
from etl.store import tables as T
from etl.store.base import utcnow


def _seed(store: Store, athletes: int, runs: int) -> None:
    now = utcnow()
    start = dt.datetime(2023, 1, 1, 7, tzinfo=dt.UTC)
    with store.transaction() as conn:
        for number in range(athletes):
            athlete_id = int(conn.execute(insert(T.athletes).values(
                name=f"Runner {number:03d}", settings={}, is_synthetic=True,
                created_at=now)).inserted_primary_key[0])  # type: ignore[index]
            rows = []
            for day in range(runs):
                when = start + dt.timedelta(days=day)
                source = "strava_api" if day % 3 == 0 else "file"
                rows.append({
                    "athlete_id": athlete_id, "source": source, "source_id": f"{number}-{day}",
                    "sport_type": "Run", "start_time_utc": when,
                    "start_time_local": when.replace(tzinfo=None), "timezone": "UTC",
                    "local_date": when.date(), "distance_m": 8000.0, "moving_time_s": 2400.0,
                    "is_manual": False, "has_streams": False, "extra": {}, "created_at": now,
                    "updated_at": now})
            conn.execute(insert(T.activities), rows)
    A.add_user(store, "coach", "coach")
    for number in range(0, athletes, 2):
        name = f"Runner {number:03d}"
        A.add_user(store, f"u{number}", "athlete", athlete=name)
        A.grant(store.as_principal(A.principal_for(store, f"u{number}")), "coach")


def _best(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=60)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'bench.db'}")
        _seed(store, args.athletes, args.runs)
        coach = store.as_principal(A.principal_for(store, "coach"))
        print(f"{args.athletes} athletes x {args.runs} runs; coach granted by "
              f"{(args.athletes + 1) // 2}; best of {args.repeat}")
        print(f"{'read':<34}{'local [ms]':>12}{'coach [ms]':>12}{'ratio':>8}")
        for label, read in (
                ("activities() of everyone visible", lambda s: s.activities()),
                ("athletes()", lambda s: s.athletes()),
                ("activities('Runner 000')", lambda s: s.activities("Runner 000"))):
            local = _best(lambda read=read: read(store), args.repeat)
            staff = _best(lambda read=read: read(coach), args.repeat)
            print(f"{label:<34}{local * 1e3:>12.1f}{staff * 1e3:>12.1f}{staff / local:>8.2f}")
        rows = len(coach.activities())
        print(f"coach sees {rows} of {args.athletes * args.runs} activities "
              "(API runs hidden by the display rule)")


if __name__ == "__main__":
    main()

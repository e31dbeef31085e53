"""Benchmark of the demo simulator and the demo store build (prints a table).

Measured side by side in one run:

* simulating squads without streams (summaries only) for 24, 500 and 2,000 runners over
  3 years, and ``activities_frame`` on them: seconds, and microseconds per activity (to see the
  growth is linear);
* building streams for the default demo (24 runners x 2 years, 5 s samples), without storing;
* building the default demo store (``build_demo_store`` into a fresh SQLite file): total time,
  and the share spent in the store (``upsert_activity``) vs in the simulator.

Usage: ``python bench/bench_demo.py [--quick]`` (``--quick``: 24 and 500 runners, and the
store build with 6 runners).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from etl.demo.build import build_demo_store
from etl.demo.simulate import SquadConfig, activities_frame, simulate_squad
from etl.store import Store

END = dt.date(2026, 6, 30)


def _squad_row(athletes: int, years: float) -> tuple[str, float, float, int, float]:
    config = SquadConfig(end_date=END, athletes=athletes, years=years, with_streams=False)
    started, cpu_started = time.perf_counter(), time.process_time()
    squad = simulate_squad(config)
    simulated = time.perf_counter()
    frame = activities_frame(squad)
    done = time.perf_counter()
    label = f"{athletes} x {years:g} y, no streams"
    cpu = time.process_time() - cpu_started
    return label, simulated - started, done - simulated, len(frame), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = (24, 500) if args.quick else (24, 500, 2000)

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times below "
          "grow with it; CPU seconds much less)")
    print(f"{'case':34} {'simulate s':>11} {'frame s':>9} {'activities':>11} {'us/activity':>12}"
          f" {'CPU s':>7}")
    for athletes in sizes:
        name, sim_s, frame_s, rows, cpu = _squad_row(athletes, 3.0)
        print(f"{name:34} {sim_s:11.2f} {frame_s:9.2f} {rows:11d} "
              f"{1e6 * (sim_s + frame_s) / rows:12.1f} {cpu:7.1f}")

    demo_athletes = 6 if args.quick else 24
    config = SquadConfig(end_date=END, athletes=demo_athletes)
    started, cpu_started = time.perf_counter(), time.process_time()
    squad = simulate_squad(config)
    samples = activities = 0
    for _, parsed in squad.iter_activities():
        activities += 1
        samples += len(parsed.streams)
    streams_s = time.perf_counter() - started
    streams_cpu_s = time.process_time() - cpu_started
    print(f"{f'{demo_athletes} x 2 y with 5 s streams':34} {streams_s:11.2f} {'':>9} "
          f"{activities:11d} {1e6 * streams_s / activities:12.1f}   ({samples:,} samples, "
          f"{streams_cpu_s:.1f} s CPU)")

    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'demo.db'}")
        started, cpu_started = time.perf_counter(), time.process_time()
        summary = build_demo_store(store, config)
        build_s = time.perf_counter() - started
        build_cpu_s = time.process_time() - cpu_started
        size_mb = (Path(folder) / "demo.db").stat().st_size / 1e6
        store.engine.dispose()
    store_s = max(build_s - streams_s, 0.0)
    print(f"\nbuild_demo_store({demo_athletes} x 2 y, 5 s streams): {build_s:.1f} s wall, "
          f"{build_cpu_s:.1f} s CPU, for {summary.activities} activities ({size_mb:.0f} MB "
          f"SQLite); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  simulator + streams {streams_s:.1f} s ({streams_s / build_s:.0%}), "
          f"store and clinical stories {store_s:.1f} s ({store_s / build_s:.0%})")


if __name__ == "__main__":
    main()

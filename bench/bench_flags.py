"""Benchmark of the load flags on simulated squads (summaries only, no streams).

Prints, in one run:

* the time of ``risk.flags.compute_flags`` per rule family and in total for squads of growing
  size (3 years each), and how it grows with the number of athletes;
* the overstride baseline fitted week by week in closed form (``risk.overstride``) against the
  same fits through scikit-learn's ``LinearRegression`` (the estimator it reproduces), side by
  side on the same windows, with the ratio.

Usage: ``python bench/bench_flags.py [--athletes 24 100] [--years 3]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression

from etl.demo.simulate import SquadConfig, activities_frame, simulate_squad
from risk.context import context_metrics
from risk.daily import daily_frame
from risk.flags import LOAD_KINDS, compute_flags
from risk.overstride import weighted_line, windows_from_sessions
from risk.sessions import session_frame


def frames(athletes: int, years: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    squad = simulate_squad(SquadConfig(end_date=dt.date(2025, 6, 30), athletes=athletes,
                                       years=years, with_streams=False))
    sessions = session_frame(activities_frame(squad))
    return sessions, context_metrics(daily_frame(sessions))


def timed(function, *args, **kwargs) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def bench_rules(sizes: list[int], years: float) -> None:
    print(f"compute_flags on simulated squads ({years:g} years, no streams)")
    print(f"{'athletes':>8} {'runs':>8} {'flags':>7} {'total s':>8} {'s/athlete':>10}  "
          "per kind [s]")
    for size in sizes:
        sessions, daily = frames(size, years)
        runs = int(sessions["is_run"].sum())
        per_kind = {}
        for kind in LOAD_KINDS:
            if kind == "acwr_low":
                continue
            per_kind[kind], _ = timed(compute_flags, sessions, daily, kinds=[kind])
        total, flags = timed(compute_flags, sessions, daily)
        detail = " ".join(f"{k}={v:.2f}" for k, v in per_kind.items())
        print(f"{size:>8} {runs:>8} {len(flags):>7} {total:>8.2f} {total / size:>10.3f}  "
              f"{detail}")


def bench_fits(years: float) -> None:
    sessions, _ = frames(24, years)
    windows = windows_from_sessions(sessions)
    if windows is None or windows.empty:
        print("no flat steady summaries in the simulated frame; skipping the fit benchmark")
        return
    rng = np.random.default_rng(1)
    blocks = [windows.sample(40, random_state=int(seed), replace=True)
              for seed in rng.integers(0, 2**31, 500)]
    arrays = [(b["speed_mps"].to_numpy(float), b["cadence_spm"].to_numpy(float),
               b["duration_s"].to_numpy(float)) for b in blocks]
    closed, _ = timed(lambda: [weighted_line(v, c, w) for v, c, w in arrays])
    sk, _ = timed(lambda: [LinearRegression().fit(v[:, None], c, sample_weight=w)
                           for v, c, w in arrays])
    worst = max(abs(weighted_line(v, c, w)[1]
                    - LinearRegression().fit(v[:, None], c, sample_weight=w).coef_[0])
                for v, c, w in arrays[:50])
    print("\nweekly cadence baselines: 500 fits of 40 windows")
    print(f"  closed form   {closed * 1000:8.1f} ms")
    print(f"  scikit-learn  {sk * 1000:8.1f} ms   ratio {sk / closed:6.1f}x "
          f"(largest slope difference {worst:.1e} spm per m/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, nargs="+", default=[24, 100])
    parser.add_argument("--years", type=float, default=3.0)
    args = parser.parse_args()
    bench_rules(args.athletes, args.years)
    bench_fits(min(args.years, 2.0))


if __name__ == "__main__":
    main()

"""Benchmark of the risk engine: vectorised metrics vs a per-day loop and pandas groupby-rolling.

Run from the repository root::

    .venv/bin/python -m bench.bench_risk              # 500 athletes x 3 years, scaling to 2,000
    .venv/bin/python -m bench.bench_risk --quick      # 100 athletes, scaling to 400 (smoke run)

Data: the demo simulator's summaries (``etl.demo.simulate.activities_frame``, no streams) when
it is installed, else a vectorised random generator. Larger rosters repeat the simulated squad
under new athlete names (the engine's cost depends on athlete-days, not on who ran them).
Times are CPU seconds of this process (``time.process_time``, best of up to 3 runs), which
stay meaningful when other jobs share the machine. Printed side by side, measured in one run:

1. all daily metrics (session frame, daily frame, context metrics) and all load flags
   (``risk.flags.compute_flags``) for the whole roster;
2. the same work with the deliberately simple per-day loops (:mod:`risk.reference` for the
   metrics, :mod:`risk.reference_flags` for metrics and flags; the flag loop on
   ``--loop-athletes`` runners, scaled per athlete-day, since it takes minutes for the whole
   roster) and with a pandas ``groupby().rolling()`` / ``ewm`` baseline: the ratios (target
   >= 50x faster than the loop);
3. time against roster size (should grow linearly);
4. peak memory (ru_maxrss of a child process) at the largest roster (target < 2 GB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import pickle
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from risk.context import context_metrics
from risk.daily import daily_frame
from risk.reference import reference_daily_metrics
from risk.reference_flags import reference_flags
from risk.sessions import session_frame

END = dt.date(2025, 6, 30)
YEARS = 3.0


def simulated(athletes: int) -> tuple[pd.DataFrame, str]:
    """Activities of ``athletes`` runners over 3 years, and where they came from."""
    try:
        from etl.demo.simulate import SquadConfig, activities_frame, simulate_squad
    except ModuleNotFoundError:
        return generated(athletes), "random generator (etl.demo.simulate not installed)"
    config = SquadConfig(athletes=athletes, years=YEARS, end_date=END, seed=7,
                         with_streams=False)
    return activities_frame(simulate_squad(config)), "etl.demo.simulate.activities_frame"


def generated(athletes: int, seed: int = 7) -> pd.DataFrame:
    """Random run summaries: 3-6 runs a week, a long run, some doubles and rides."""
    rng = np.random.default_rng(seed)
    days = int(YEARS * 365.25)
    day = np.tile(np.arange(days), athletes)
    athlete = np.repeat(np.arange(athletes), days)
    keep = rng.random(len(day)) < rng.uniform(0.4, 0.85, athletes)[athlete]
    double = rng.random(len(day)) < 0.05
    day = np.concatenate([day[keep], day[keep & double]])
    athlete = np.concatenate([athlete[keep], athlete[keep & double]])
    km = rng.gamma(4.0, 2.5, len(day))
    sport = np.where(rng.random(len(day)) < 0.1, "Ride", "Run")
    start = np.datetime64(END - dt.timedelta(days=days - 1), "D")
    local_date = pd.to_datetime(start + day.astype("timedelta64[D]")).date
    return pd.DataFrame({
        "activity_id": np.arange(1, len(day) + 1), "athlete": [f"Gen {a:04d}" for a in athlete],
        "sport_type": sport, "local_date": local_date, "distance_m": km * 1000,
        "moving_time_s": km * rng.uniform(270, 400, len(day)),
        "elevation_gain_m": km * rng.uniform(0, 25, len(day)),
        "avg_heart_rate_bpm": rng.uniform(125, 170, len(day)),
        "max_heart_rate_bpm": rng.uniform(160, 190, len(day)),
        "perceived_exertion": np.where(rng.random(len(day)) < 0.5, rng.integers(1, 10,
                                                                                   len(day)),
                                       np.nan),
    })


def roster(base: pd.DataFrame, athletes: int) -> pd.DataFrame:
    """``athletes`` runners: the first ones of ``base``, or copies of it under new names."""
    names = list(dict.fromkeys(base["athlete"]))
    if athletes <= len(names):
        return base[base["athlete"].isin(names[:athletes])].reset_index(drop=True)
    copies = []
    for copy in range(-(-athletes // len(names))):
        part = base.copy()
        part["athlete"] = part["athlete"] + f" #{copy}"
        part["activity_id"] = part["activity_id"] + copy * (int(base["activity_id"].max()) + 1)
        copies.append(part)
    frame = pd.concat(copies, ignore_index=True)
    chosen = list(dict.fromkeys(frame["athlete"]))[:athletes]
    return frame[frame["athlete"].isin(chosen)].reset_index(drop=True)


def timed(func: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best CPU time of ``repeat`` calls (process time: robust on a shared machine)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        result = func()
        best = min(best, time.process_time() - start)
    return best, result


def vectorised(activities: pd.DataFrame) -> pd.DataFrame:
    return context_metrics(daily_frame(session_frame(activities)))


def pipeline(activities: pd.DataFrame,
             block_athletes: int = 100) -> tuple[list[pd.DataFrame], list[Any]]:
    """Every metric and every load flag, ``block_athletes`` athletes at a time.

    Session, daily and context frames, then the flags. Every metric and rule is per athlete,
    so blocks give the same numbers as one pass and bound the temporaries (peak memory).
    Returns the daily frames (one per block, not concatenated: that would double the
    memory) and all flags.
    """
    run = flags_function()
    codes, names = pd.factorize(activities["athlete"])
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(0, len(names) + block_athletes,
                                                     block_athletes))
    dailies: list[pd.DataFrame] = []
    flags: list[Any] = []
    for first, stop in itertools.pairwise(bounds):
        if stop <= first:
            continue
        part = activities.iloc[np.sort(order[first:stop])]
        sessions = session_frame(part)
        daily = context_metrics(daily_frame(sessions))
        flags += run(sessions, daily)
        dailies.append(daily)
    return dailies, flags


def groupby_rolling(daily: pd.DataFrame, load: str = "distance_km") -> pd.DataFrame:
    """The same metrics the way pandas users usually write them (baseline)."""
    out = daily[["athlete", "local_date", load]].copy()
    grouped = out.groupby("athlete")[load]

    def per_athlete(func: Callable[[pd.Series], pd.Series]) -> np.ndarray:
        return grouped.transform(func).to_numpy()

    out["acute"] = per_athlete(lambda s: s.rolling(7, min_periods=1).sum() / 7)
    out["chronic_c"] = per_athlete(lambda s: s.rolling(28, min_periods=1).sum() / 28)
    out["chronic_u"] = per_athlete(
        lambda s: s.shift(7, fill_value=0.0).rolling(21, min_periods=1).sum() / 21)
    out["ewma_a"] = per_athlete(lambda s: s.ewm(alpha=2 / 8, adjust=False).mean())
    out["ewma_c"] = per_athlete(lambda s: s.ewm(alpha=2 / 29, adjust=False).mean())
    out["ctl"] = per_athlete(lambda s: s.ewm(alpha=1 - np.exp(-1 / 42), adjust=False).mean())
    out["atl"] = per_athlete(lambda s: s.ewm(alpha=1 - np.exp(-1 / 7), adjust=False).mean())
    out["sd"] = per_athlete(lambda s: s.rolling(7, min_periods=1).std(ddof=0))
    out["week"] = per_athlete(lambda s: s.rolling(7, min_periods=1).sum())
    out["acwr_c"] = out["acute"] / out["chronic_c"]
    out["acwr_u"] = out["acute"] / out["chronic_u"]
    out["monotony"] = (out["acute"] / out["sd"]).clip(upper=10)
    return out


def flags_function() -> Callable[[pd.DataFrame, pd.DataFrame], list[Any]]:
    """Every load flag with the default settings and no overrides."""
    from risk.flags import compute_flags
    from risk.settings import RiskSettings

    def run(sessions: pd.DataFrame, daily: pd.DataFrame) -> list[Any]:
        return compute_flags(sessions, daily, RiskSettings(), {})

    return run


#: The activity columns the engine reads (the rest is not pickled for the memory child).
ENGINE_COLUMNS = (
    "activity_id", "athlete", "sport_type", "local_date", "distance_m", "moving_time_s",
    "elapsed_time_s", "elevation_gain_m", "avg_heart_rate_bpm", "max_heart_rate_bpm",
    "perceived_exertion", "up_vert_m", "down_vert_m", "time_up_10pct_s", "time_down_10pct_s",
    "time_above_threshold_s", "distance_above_threshold_m", "start_time_utc",
    "start_time_local", "flat_steady_speed_mps",
    "flat_steady_cadence_spm", "flat_steady_time_s",
)


def peak_rss_mb() -> float:
    """Peak resident memory of this process [MB].

    Linux: ``VmHWM`` of /proc/self/status (``ru_maxrss`` would also count the parent's memory
    at fork time, which survives exec); elsewhere ``ru_maxrss``.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_peak_memory(path: Path) -> None:
    """Child process: load the pickled roster, compute everything, print memory in MB.

    Prints the peak RSS after loading, the peak RSS after computing (the process peak), and
    the tracemalloc peak of the computation alone.
    """
    with path.open("rb") as stream:
        activities = pickle.load(stream)
    before = peak_rss_mb()
    tracemalloc.start()
    pipeline(activities)
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"{before:.0f} {peak_rss_mb():.0f} {traced_peak:.0f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--athletes", type=int, default=500, help="main roster size")
    parser.add_argument("--loop-athletes", type=int, default=50,
                        help="roster size for timing the per-day flag loop (default 50; "
                        "scaled per athlete-day)")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        child_peak_memory(args.memory_child)
        return
    main_size = 100 if args.quick else args.athletes
    sizes = (main_size // 10, main_size, 4 * main_size)

    seconds, (base, origin) = timed(lambda: simulated(main_size))
    activities = roster(base, main_size)
    print(f"data: {origin}; {main_size} athletes x {YEARS:g} years = {len(activities):,} "
          f"activities (built in {seconds:.1f} s)")

    t_fast, result = timed(lambda: vectorised(activities), repeat=3)
    athlete_days = len(result)
    t_all, (_, all_flags) = timed(lambda: pipeline(activities), repeat=2)
    t_sessions, sessions = timed(lambda: session_frame(activities), repeat=3)
    t_daily, daily = timed(lambda: daily_frame(sessions), repeat=3)
    t_context, context = timed(lambda: context_metrics(daily), repeat=3)
    t_same_work = t_daily + t_context
    t_pandas, _ = timed(lambda: groupby_rolling(daily), repeat=1)
    t_loop, _ = timed(lambda: reference_daily_metrics(sessions))
    flags = flags_function()
    t_flags, found = timed(lambda: flags(sessions, context), repeat=2)
    loop_athletes = min(args.loop_athletes, main_size)
    few = session_frame(roster(base, loop_athletes))
    t_few, _ = timed(lambda: reference_flags(few))
    t_loop_all = t_few * athlete_days / len(context_metrics(daily_frame(few)))
    t_same_all = t_same_work + t_flags

    print(f"\n{athlete_days:,} athlete-days")
    print(f"{'implementation':66s} {'cpu s':>9s} {'vs vectorised':>14s}")
    rows = [
        (f"whole pipeline from activities, 100-athlete blocks ({len(all_flags):,} flags)",
         t_all),
        ("vectorised: session + daily + context frames (all metrics)", t_fast),
        ("  of which session_frame", t_sessions),
        ("  of which daily_frame", t_daily),
        ("  of which context_metrics", t_context),
        (f"vectorised flags: compute_flags on the whole roster ({len(found):,} flags)",
         t_flags),
        ("pandas groupby-rolling/ewm baseline (context part only)", t_pandas),
        ("per-day loop, metrics (risk.reference: daily + context)", t_loop),
        (f"per-day loop, metrics AND flags (risk.reference_flags on {loop_athletes} "
         "athletes, scaled)", t_loop_all),
    ]
    for label, value in rows:
        print(f"{label:66s} {value:9.3f} {value / t_fast:13.1f}x")
    print(f"\nsame work, every metric and flag from the session frame: loop "
          f"{t_loop_all:.1f} s / vectorised {t_same_all:.2f} s = {t_loop_all / t_same_all:.0f}x "
          "(target >= 50x)")
    print(f"loop (metrics and flags) / whole pipeline from activities = "
          f"{t_loop_all / t_all:.0f}x; groupby-rolling / context_metrics = "
          f"{t_pandas / t_context:.1f}x")
    print(f"metrics only: loop / vectorised (daily + context from the session frame) = "
          f"{t_loop / t_same_work:.0f}x; loop / all three frames = {t_loop / t_fast:.0f}x")

    print("\nwhole pipeline (metrics + flags) against roster size:")
    print(f"{'athletes':>8s} {'athlete-days':>13s} {'cpu s':>9s} {'us/athlete-day':>15s}")
    largest = activities
    for size in sizes:
        largest = roster(base, size)
        seconds, (out, _) = timed(partial(pipeline, largest),
                                  repeat=2 if size <= main_size else 1)
        days = sum(len(frame) for frame in out)
        print(f"{size:8d} {days:13,d} {seconds:9.3f} {1e6 * seconds / days:15.2f}")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.pickle"
        path.write_bytes(pickle.dumps(largest[[c for c in ENGINE_COLUMNS
                                                if c in largest.columns]]))
        done = subprocess.run([sys.executable, "-m", "bench.bench_risk", "--memory-child",
                               str(path)], capture_output=True, text=True, check=True)
    before, after, traced = (float(x) for x in done.stdout.split())
    print(f"\npeak memory at {sizes[-1]} athletes: {after:.0f} MB peak RSS of the whole "
          f"process (target < 2048 MB); {before:.0f} MB after loading the activities; "
          f"{traced:.0f} MB allocated at peak by the computation (tracemalloc)")


if __name__ == "__main__":
    main()

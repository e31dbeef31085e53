"""Benchmark of the whole archive path: a 10-year Strava export zip to a computed dashboard.

Mission target: a 10-year, 3,000-run export goes from zip to computed dashboard data in under
30 s on two cores. In one run this script

1. builds the export with ``bench/bench_import.py``'s generator (the real FIT/GPX/TCX fixtures
   of ``../shared/fixtures/activity_files``, cycled) and spreads the runs of its
   ``activities.csv`` evenly over ``--years`` years;
2. times the bare decoders on every distinct file once (fastest FIT decoder installed, gpxpy for
   GPX, ElementTree for TCX) and scales each by how often the archive holds the file: the floor
   any importer built on these decoders pays, single process;
3. times loadwatch's GPX reader on the same distinct GPX files twice: the fast path and the
   reference path (defusedxml, then gpxpy), best of 3;
4. times the import (``etl.importer.import_paths``, process pool on all cores, fresh SQLite)
   and the first computation of the dashboard data (``loadwatch.analysis.analyse``, stream
   metrics included, cold caches);

and prints each stage, the total against the target and the ratios. Times are wall clock on a
shared machine: the load average is printed beside them, and the CPU seconds of the import
(this process and its pool's workers) and of the analysis, which a busy machine inflates much
less.

Usage::

    .venv/bin/python bench/bench_archive.py [--runs 3000] [--years 10] [--workers N]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import datetime as dt
import io
import os
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from bench_import import (  # bench/ is the script's own folder, first on sys.path
    DEFAULT_FIXTURES,
    HEADER,
    _children,
    _elementtree,
    _gpxpy,
    available_fit_decoders,
    build_export,
    fixtures,
)

TARGET_S = 30.0


def spread_over_years(zip_path: Path, years: float) -> tuple[dt.date, dt.date]:
    """Rewrite the export's activities.csv so its runs are spread evenly over ``years``."""
    with zipfile.ZipFile(zip_path) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("activities.csv").decode())))
        members = [(info, archive.read(info)) for info in archive.infolist()
                   if info.filename != "activities.csv"]
    body = rows[1:]
    first = dt.datetime(2016, 1, 1, 7, 0)
    step = dt.timedelta(days=365.25 * years) / max(len(body), 1)
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(HEADER)
    for index, row in enumerate(body):
        row[1] = (first + step * index).strftime("%b %-d, %Y, %-I:%M:%S %p")
        writer.writerow(row)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info, data in members:
            archive.writestr(info, data)
        archive.writestr("activities.csv", table.getvalue())
    return first.date(), (first + step * (len(body) - 1)).date()


REPEAT = 3
"""Each distinct file is decoded this many times; the fastest counts (the machine is shared)."""


def scaled_bare(decoder: Callable[[bytes], int], counts: dict[bytes, int]) -> float:
    """Seconds ``decoder`` needs for the archive: each distinct file (best of :data:`REPEAT`),
    times how often the archive holds it."""
    total = 0.0
    for data, count in counts.items():
        best = float("inf")
        for _ in range(REPEAT):
            begin = time.perf_counter()
            with contextlib.suppress(Exception):  # a bare decoder's refusal costs what it cost
                decoder(data)
            best = min(best, time.perf_counter() - begin)
        total += best * count
    return total


class TreeCpu:
    """CPU seconds of this process plus every descendant, sampled every 0.1 s from /proc.

    The import's pool runs under a forkserver: its workers are not our children, so
    ``os.times`` never sees them. Each descendant's last sample before it exits counts.
    """

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}
        self.own = self.seconds = 0.0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        while not self.done.is_set():
            tree = _children()
            todo = list(tree.get(os.getpid(), []))
            while todo:
                pid = todo.pop()
                todo.extend(tree.get(pid, []))
                try:
                    with open(f"/proc/{pid}/stat") as handle:
                        fields = handle.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                self.seen[pid] = (int(fields[11]) + int(fields[12])) / tick
            self.done.wait(0.1)

    def __enter__(self) -> TreeCpu:
        times = os.times()
        self.own = times.user + times.system
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.done.set()
        self.thread.join()
        times = os.times()
        self.seconds = times.user + times.system - self.own + sum(self.seen.values())


def gpx_reader_times(files: list[bytes]) -> tuple[float, float]:
    """(fast path, gpxpy path) seconds of loadwatch's GPX reader over ``files``, best of 3."""
    from etl.readers import gpx
    from etl.readers.content import Content

    def fast_path(data: bytes) -> None:
        gpx.read_gpx(Content("bench.gpx", data), source="file", source_id=None,
                     sport_hint=None)

    def reference(data: bytes) -> None:
        content = Content("bench.gpx", data)
        gpx.build_activity(content, gpx.read_points_gpxpy(content), source="file",
                           source_id=None, sport_hint=None)

    fast = reference_s = float("inf")
    for _ in range(REPEAT):
        begin = time.perf_counter()
        for data in files:
            fast_path(data)
        fast = min(fast, time.perf_counter() - begin)
        begin = time.perf_counter()
        for data in files:
            reference(data)
        reference_s = min(reference_s, time.perf_counter() - begin)
    return fast, reference_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    args = parser.parse_args()
    if not args.fixtures.is_dir():
        raise SystemExit(f"fixtures not found at {args.fixtures}; pass --fixtures DIR")
    from etl.importer import import_paths
    from etl.store import Store
    from loadwatch.analysis import analyse

    with tempfile.TemporaryDirectory(prefix="loadwatch-archive-") as tmp:
        zip_path = Path(tmp) / "export_archive.zip"
        used = build_export(zip_path, args.runs, fixtures(args.fixtures))
        first, last = spread_over_years(zip_path, args.years)
        counts = {k: collections.Counter(d for kind, d in used if kind == k)
                  for k in ("fit", "gpx", "tcx")}
        print(f"export: {zip_path.stat().st_size / 1e6:.1f} MB zip, {len(used)} files "
              f"({sum(counts['fit'].values())} FIT, {sum(counts['gpx'].values())} GPX, "
              f"{sum(counts['tcx'].values())} TCX), {first} .. {last}; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")

        fit_bare = {name: scaled_bare(decoder, counts["fit"])
                    for name, decoder in available_fit_decoders().items()}
        fit_name = min(fit_bare, key=fit_bare.__getitem__)
        gpx_bare = scaled_bare(_gpxpy, counts["gpx"])
        tcx_bare = scaled_bare(_elementtree, counts["tcx"])
        bare_total = fit_bare[fit_name] + gpx_bare + tcx_bare
        gpx_fast, gpx_ref = gpx_reader_times(list(counts["gpx"]))

        store = Store.open(f"sqlite:///{Path(tmp) / 'archive.db'}")
        begin = time.perf_counter()
        with TreeCpu() as import_cpu_tree:
            report = import_paths(store, [zip_path], athlete="bench", workers=args.workers)
        import_s, import_cpu = time.perf_counter() - begin, import_cpu_tree.seconds
        begin = time.perf_counter()
        with TreeCpu() as analyse_cpu_tree:
            analysis = analyse(store)
        analyse_s, analyse_cpu = time.perf_counter() - begin, analyse_cpu_tree.seconds
        total = import_s + analyse_s

        print(f"\nimport: imported {report.imported}, duplicates {report.duplicates}, rejected "
              f"{report.rejected}; dashboard data: {len(analysis.sessions)} sessions, "
              f"{len(analysis.daily)} days, {len(analysis.flags)} flags")
        print(f"\n{'stage':<58}{'wall s':>9}{'CPU s':>9}")
        rows = [
            (f"bare FIT decode, scaled ({fit_name}, 1 process)", fit_bare[fit_name], None),
            ("bare GPX decode, scaled (gpxpy, 1 process)", gpx_bare, None),
            ("bare TCX decode, scaled (ElementTree, 1 process)", tcx_bare, None),
            ("bare decode, all formats", bare_total, None),
            ("import (read, normalise, store; all cores)", import_s, import_cpu),
            ("first dashboard computation (analyse, stream metrics)", analyse_s, analyse_cpu),
            ("zip -> computed dashboard", total, import_cpu + analyse_cpu),
        ]
        for label, seconds, cpu_s in rows:
            print(f"{label:<58}{seconds:9.2f}{'' if cpu_s is None else f'{cpu_s:9.2f}'}")
        print(f"\nzip -> dashboard {total:.1f} s against the {TARGET_S:.0f} s target: "
              f"{'OK' if total <= TARGET_S else 'MISSED'} (load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
        print(f"ratio import / bare decode = {import_s / bare_total:.2f}x; "
              f"zip -> dashboard / bare decode = {total / bare_total:.2f}x")
        print(f"GPX reader on the {len(counts['gpx'])} distinct files: fast path "
              f"{gpx_fast:.2f} s, gpxpy path {gpx_ref:.2f} s ({gpx_ref / gpx_fast:.1f}x "
              f"faster); bare gpxpy parse "
              f"{scaled_bare(_gpxpy, dict.fromkeys(counts['gpx'], 1)):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the bulk import: bare decoders side by side with loadwatch's end-to-end import.

Builds a Strava-style export zip with ``--files`` activity files (default 1,000) made from the
real FIT/GPX/TCX fixtures in ``../shared/fixtures/activity_files`` (or ``--fixtures DIR``):
each row of the generated ``activities.csv`` has its own Activity ID, upload id (file name)
and start time six hours after the previous one, so every file is a distinct activity for the
store's de-duplication (the export's CSV start time is the one kept). Then, in one run:

1. bare single-process decode of the same (decompressed) files: every FIT decoder installed
   (fitdecode with its default processor and with ``processor=None``; garmin-fit-sdk and fitfast
   from the optional ``bench`` extra), gpxpy for GPX, ElementTree for TCX; and, for context,
   loadwatch's own ``read_activity`` (decode + normalise) per format in one process;
2. loadwatch's end-to-end import of the zip (read members, gunzip, decode, normalise, store in
   a fresh SQLite file) with a process pool on all cores, run in a child process whose process
   tree's resident memory is sampled every 50 ms.

It prints a table of times and files per second, the ratio end-to-end / fastest bare decode
(target <= 3) and the peak memory of the import's process tree (target < 500 MB).

Usage::

    .venv/bin/python bench/bench_import.py [--files 1000] [--workers N] [--fixtures DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FIXTURES = ROOT.parent / "shared" / "fixtures" / "activity_files"
SKIP = ("unexpected-eof",)            # a truncated file: no decoder reads it
HEADER = ["Activity ID", "Activity Date", "Activity Name", "Activity Type", "Elapsed Time",
          "Distance", "Filename", "Elapsed Time", "Moving Time", "Distance"]


def fixtures(folder: Path) -> list[tuple[str, bytes]]:
    """(format, decompressed bytes) of every readable fixture, in a stable order."""
    found = []
    for path in sorted(folder.rglob("*")):
        name = path.name.lower()
        if not path.is_file() or any(s in name for s in SKIP):
            continue
        data = path.read_bytes()
        if name.endswith(".gz"):
            data, name = gzip.decompress(data), name[:-3]
        kind = name.rsplit(".", 1)[-1]
        if kind in ("fit", "gpx", "tcx"):
            found.append((kind, data))
    return found


def build_export(target: Path, files: int, sources: list[tuple[str, bytes]]
                 ) -> list[tuple[str, bytes]]:
    """Write the export zip; return the (format, bytes) of each of its files in order."""
    start = dt.datetime(2015, 1, 1, 6, 0)
    used: list[tuple[str, bytes]] = []
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(HEADER)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for index in range(files):
            kind, data = sources[index % len(sources)]
            upload = 20_000_000 + index
            member = f"activities/{upload}.{kind}" + (".gz" if kind != "gpx" or index % 2 else "")
            payload = gzip.compress(data, compresslevel=1) if member.endswith(".gz") else data
            archive.writestr(member, payload)
            moment = start + dt.timedelta(hours=6 * index)
            stamp = moment.strftime("%b %-d, %Y, %-I:%M:%S %p")
            writer.writerow([10_000_000 + index, stamp, f"Run {index}", "Run", "", "", member,
                             "", "", ""])
            used.append((kind, data))
        archive.writestr("activities.csv", table.getvalue())
    return used


# -- bare decoders ---------------------------------------------------------------------------
def _fitdecode(data: bytes, *, raw: bool = False) -> int:
    """Every data message; ``raw``: no data processor (no unit conversion), no CRC check."""
    import fitdecode

    options: dict[str, object] = {"check_crc": fitdecode.CrcCheck.DISABLED}
    if raw:
        options["processor"] = None
    count = 0
    with fitdecode.FitReader(io.BytesIO(data), **options) as reader:
        for frame in reader:
            if frame.frame_type == fitdecode.FIT_FRAME_DATA:
                count += 1
    return count


def _fitdecode_raw(data: bytes) -> int:
    return _fitdecode(data, raw=True)


def _garmin(data: bytes) -> int:
    from garmin_fit_sdk import Decoder, Stream

    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    if errors:
        raise ValueError(errors[0])
    return sum(len(v) for v in messages.values())


def _fitfast(data: bytes) -> int:
    import fitfast

    columns = fitfast.records(data)
    return max((len(v) for v in columns.values()), default=0)


def _gpxpy(data: bytes) -> int:
    import gpxpy

    parsed = gpxpy.parse(data.decode("utf-8", errors="replace").lstrip())
    return sum(len(s.points) for t in parsed.tracks for s in t.segments)


def _elementtree(data: bytes) -> int:
    from xml.etree import ElementTree

    root = ElementTree.fromstring(data.lstrip())
    return sum(1 for el in root.iter() if el.tag.endswith("Trackpoint"))


def _loadwatch_reader(kind: str) -> Callable[[bytes], int]:
    """loadwatch's own reader (decode + normalise to a record and streams), for context."""
    from etl.readers import read_activity

    def read(data: bytes) -> int:
        return sum(len(p.streams) for p in read_activity(data, f"bench.{kind}"))

    return read


def available_fit_decoders() -> dict[str, Callable[[bytes], int]]:
    decoders: dict[str, Callable[[bytes], int]] = {"fitdecode": _fitdecode,
                                                   "fitdecode processor=None": _fitdecode_raw}
    for name, module, func in (("garmin-fit-sdk", "garmin_fit_sdk", _garmin),
                               ("fitfast", "fitfast", _fitfast)):
        try:
            __import__(module)
        except ImportError:
            continue
        decoders[name] = func
    return decoders


def bare(decoder: Callable[[bytes], int], files: list[bytes]) -> tuple[float, int, int]:
    """Seconds to decode ``files`` one after another; the number decoded and that failed."""
    failed = 0
    begin = time.perf_counter()
    for data in files:
        try:
            decoder(data)
        except Exception:  # a decoder refusing a file is a result we report, not a crash
            failed += 1
    return time.perf_counter() - begin, len(files) - failed, failed


# -- end to end, with the memory of the process tree -----------------------------------------
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def tree_memory_bytes(pid: int) -> tuple[int, int]:
    """(PSS, RSS) summed over ``pid`` and all its descendants (Linux /proc).

    RSS counts pages shared between the pool's forked workers once per process (an upper
    bound); PSS splits shared pages between the processes sharing them (the real footprint).
    """
    tree, pss, rss, todo = _children(), 0, 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
        except OSError:
            pass
        todo.extend(tree.get(current, []))
    return pss, rss


def end_to_end(zip_path: Path, db: Path, workers: int | None
               ) -> tuple[float, tuple[int, int], str]:
    """Run the import in a child process; wall seconds, peak tree (PSS, RSS), its summary."""
    command = [sys.executable, __file__, "--run-import", str(zip_path), str(db)]
    if workers:
        command += ["--workers", str(workers)]
    peak = (0, 0)
    begin = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            pss, rss = tree_memory_bytes(child.pid)
            peak = (max(peak[0], pss), max(peak[1], rss))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = child.communicate()
    elapsed = time.perf_counter() - begin
    done.set()
    sampler.join()
    if child.returncode not in (0, 1):
        raise SystemExit(f"the import failed with exit code {child.returncode}")
    return elapsed, peak, out.strip()


def run_import(zip_path: Path, db: Path, workers: int | None) -> int:
    from etl.importer import import_paths
    from etl.store import Store

    store = Store.open(f"sqlite:///{db}")
    report = import_paths(store, [zip_path], athlete="bench", workers=workers)
    print(f"imported {report.imported}, updated {report.updated}, duplicates "
          f"{report.duplicates}, rejected {report.rejected}")
    for message in report.messages[:5]:
        print(f"  {message}")
    return 0 if report.ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    parser.add_argument("--run-import", nargs=2, metavar=("ZIP", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_import:
        return run_import(Path(args.run_import[0]), Path(args.run_import[1]), args.workers)
    if not args.fixtures.is_dir():
        raise SystemExit(f"fixtures not found at {args.fixtures}; pass --fixtures DIR")
    with tempfile.TemporaryDirectory(prefix="loadwatch-bench-") as tmp:
        zip_path = Path(tmp) / "export_bench.zip"
        used = build_export(zip_path, args.files, fixtures(args.fixtures))
        by_kind = {k: [d for kind, d in used if kind == k] for k in ("fit", "gpx", "tcx")}
        samples = {k: len(v) for k, v in by_kind.items()}
        print(f"export: {zip_path.stat().st_size / 1e6:.1f} MB zip, {len(used)} files "
              f"({samples['fit']} FIT, {samples['gpx']} GPX, {samples['tcx']} TCX), "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        rows: list[tuple[str, str, float, int, int]] = []
        for name, decoder in available_fit_decoders().items():
            seconds, ok, failed = bare(decoder, by_kind["fit"])
            rows.append(("FIT", name, seconds, ok, failed))
        gpx_s, gpx_ok, gpx_failed = bare(_gpxpy, by_kind["gpx"])
        tcx_s, tcx_ok, tcx_failed = bare(_elementtree, by_kind["tcx"])
        rows += [("GPX", "gpxpy", gpx_s, gpx_ok, gpx_failed),
                 ("TCX", "ElementTree", tcx_s, tcx_ok, tcx_failed)]
        fit_rows = [r for r in rows if r[0] == "FIT"]
        for kind in ("fit", "gpx", "tcx"):
            seconds, ok, failed = bare(_loadwatch_reader(kind), by_kind[kind])
            rows.append((kind.upper(), "loadwatch read_activity", seconds, ok, failed))
        lenient = min((r for r in fit_rows if r[4] == 0), key=lambda r: r[2], default=None)
        fastest = min(fit_rows, key=lambda r: r[2])
        e2e_s, peak, summary = end_to_end(zip_path, Path(tmp) / "bench.db", args.workers)
        print(f"\n{'format':<7}{'decoder (bare, 1 process)':<28}{'seconds':>9}{'files/s':>9}"
              f"{'failed':>8}")
        for kind, name, seconds, ok, failed in rows:
            rate = (ok + failed) / seconds if seconds else float("inf")
            print(f"{kind:<7}{name:<28}{seconds:9.2f}{rate:9.1f}{failed:8d}")
        print(f"{'all':<7}{'loadwatch import (e2e)':<28}{e2e_s:9.2f}{len(used) / e2e_s:9.1f}")
        print(f"\nimport: {summary}")
        for label, fit_row in (("fastest FIT decoder reading every file", lenient),
                               ("fastest FIT decoder (some files refused)", fastest)):
            if fit_row is None:
                continue
            bare_total = fit_row[2] + gpx_s + tcx_s
            ratio = e2e_s / bare_total
            print(f"ratio end-to-end / bare decode with {fit_row[1]} ({label}) + gpxpy + "
                  f"ElementTree = {e2e_s:.1f} s / {bare_total:.1f} s = {ratio:.2f}x "
                  f"(target <= 3x) {'OK' if ratio <= 3 else 'MISSED'}")
        print(f"peak memory of the import's process tree: PSS {peak[0] / 1e6:.0f} MB "
              f"(target < 500 MB) {'OK' if peak[0] < 500e6 else 'MISSED'}; RSS summed over "
              f"processes {peak[1] / 1e6:.0f} MB (counts shared pages once per process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the FIT fast path (fitfast) against the fitdecode path, side by side in one run.

For the real FIT files in ``../shared/fixtures/activity_files`` (or ``--fixtures DIR``) that
fitfast reads, it times, in this process and on the same decompressed bytes:

- ``fitfast.records`` bare (the samples only: the floor of any fitfast-based reader),
- ``etl.readers.fit_fast.decode_fast`` (scan + records + the small parse + conversion),
- ``etl.readers.fit.decode_messages`` (the lean fitdecode decode) plus the whole-file CRC,
  which is what the fitdecode path spends before normalising,
- ``read_activity`` end to end with the fast path, and with fitfast switched off.

It prints each time, FIT records per second, and each time as a ratio to the fast end-to-end
read.

Usage::

    .venv/bin/python bench/bench_fit_fast.py [--repeat 3] [--fixtures DIR]
"""

from __future__ import annotations

import argparse
import gzip
import time
from collections.abc import Callable
from pathlib import Path

import fitfast

from etl.readers import fit_fast, read_activity
from etl.readers.content import Content
from etl.readers.fit import decode_messages
from etl.readers.fit_crc import file_crc_problems

DEFAULT_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "activity_files"


def _load(fixtures: Path) -> list[bytes]:
    files = []
    for path in sorted(fixtures.rglob("*.fit*")):
        if not path.name.endswith((".fit", ".fit.gz")):
            continue
        data = path.read_bytes()
        files.append(gzip.decompress(data) if path.name.endswith(".gz") else data)
    return files


def _time(function: Callable[[bytes], object], files: list[bytes], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for data in files:
            function(data)
        best = min(best, time.perf_counter() - start)
    return best


def _fitdecode_decode(data: bytes) -> object:
    file_crc_problems(data)
    return decode_messages(Content("bench.fit", data))


def _read(data: bytes) -> object:
    return read_activity(data, "bench.fit")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    args = parser.parse_args()
    files = [data for data in _load(args.fixtures) if fit_fast.decode_fast(data) is not None]
    if not files:
        raise SystemExit(f"no FIT file under {args.fixtures} that fitfast reads")
    records = sum(len(decode_messages(Content("bench.fit", data)).records) for data in files)
    rows = [("read_activity, fast path (fitfast)", _time(_read, files, args.repeat)),
            ("fitfast.records bare", _time(fitfast.records, files, args.repeat)),
            ("fit_fast.decode_fast", _time(fit_fast.decode_fast, files, args.repeat)),
            ("fit_fast.scan only", _time(fit_fast.scan, files, args.repeat)),
            ("fitdecode lean decode + file CRC", _time(_fitdecode_decode, files, args.repeat))]
    module = fit_fast.fitfast
    fit_fast.fitfast = None  # type: ignore[assignment]
    try:
        rows.append(("read_activity, fitdecode path", _time(_read, files, args.repeat)))
    finally:
        fit_fast.fitfast = module
    fast = rows[0][1]
    print(f"FIT: {len(files)} files fitfast reads, {records} records, best of {args.repeat}")
    print(f"{'path':40} {'time s':>8} {'records/s':>10} {'x fast read':>11}")
    for label, seconds in rows:
        print(f"{label:40} {seconds:8.3f} {records / seconds:10.0f} {seconds / fast:11.2f}")


if __name__ == "__main__":
    main()

"""Benchmark of the activity-file readers, measured side by side in one run.

For the real FIT files in ``../shared/fixtures/activity_files`` (or ``--fixtures DIR``) it
times, in this process, the same decompressed bytes through:

- fitdecode as most code uses it (default processor, CRC checked per field),
- fitdecode stripped (no processor, no CRC) - the floor for any fitdecode-based reader,
- loadwatch's lean decode (``etl.readers.fit.decode_messages``),
- loadwatch's ``read_activity`` end to end (decode + normalise into record and streams),
- fitfast and garmin-fit-sdk when installed (the optional ``bench`` extra), bare decode only,

and GPX/TCX bare parsing (gpxpy, defusedxml) against ``read_activity``. It prints the total
time of each, FIT records per second, and each time as a ratio to loadwatch's end-to-end read.

Usage::

    .venv/bin/python bench/bench_readers.py [--repeat 3] [--fixtures DIR]
"""

from __future__ import annotations

import argparse
import gzip
import time
from collections.abc import Callable
from pathlib import Path

import defusedxml.ElementTree as safe_et
import fitdecode
import gpxpy

from etl.readers import read_activity
from etl.readers.content import Content, text_start
from etl.readers.fit import decode_messages

DEFAULT_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "activity_files"
BROKEN = {"fitparse__activity-unexpected-eof.fit", "fitparse__activity-filecrc.fit"}
"""Left out so every decoder reads the same files (fitfast refuses a bad CRC outright)."""


def _load(fixtures: Path, suffix: str) -> list[tuple[str, bytes]]:
    files = []
    for path in sorted(fixtures.rglob(f"*{suffix}*")):
        if path.name in BROKEN or not path.name.endswith((suffix, suffix + ".gz")):
            continue
        data = path.read_bytes()
        files.append((path.name.removesuffix(".gz"), gzip.decompress(data)
                      if path.name.endswith(".gz") else data))
    return files


def _fitdecode_default(data: bytes) -> int:
    count = 0
    with fitdecode.FitReader(data) as reader:
        for frame in reader:
            if frame.frame_type == fitdecode.FIT_FRAME_DATA and frame.name == "record":
                count += 1
    return count


def _fitdecode_stripped(data: bytes) -> int:
    count = 0
    with fitdecode.FitReader(data, processor=None, check_crc=fitdecode.CrcCheck.DISABLED,
                             error_handling=fitdecode.ErrorHandling.IGNORE) as reader:
        for frame in reader:
            if frame.frame_type == fitdecode.FIT_FRAME_DATA and frame.name == "record":
                count += 1
    return count


def _lean(data: bytes) -> int:
    return len(decode_messages(Content("bench.fit", data)).records)


def _fitfast(data: bytes) -> int:
    import fitfast

    columns = fitfast.records(data)
    return len(next(iter(columns.values()))) if columns else 0


def _garmin_sdk(data: bytes) -> int:
    from garmin_fit_sdk import Decoder, Stream

    messages, _errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    return len(messages.get("record_mesgs", []))


def _reads(function: Callable[[bytes], object], data: bytes) -> bool:
    try:
        function(data)
    except Exception:  # any refusal by a third-party decoder counts as "cannot read"
        return False
    return True


def _time(function: Callable[[bytes], object], files: list[tuple[str, bytes]],
          repeat: int) -> tuple[float, int]:
    best = float("inf")
    records = 0
    for _ in range(repeat):
        start = time.perf_counter()
        results = [function(data) for _name, data in files]
        best = min(best, time.perf_counter() - start)
        records = sum(r for r in results if isinstance(r, int))
    return best, records


def _installed(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    args = parser.parse_args()
    fit = _load(args.fixtures, ".fit")
    if not fit:
        raise SystemExit(f"no FIT files under {args.fixtures}")
    bare = [function for module, function in (("fitfast", _fitfast),
                                              ("garmin_fit_sdk", _garmin_sdk))
            if _installed(module)]
    refused = sorted({name for name, data in fit for function in bare
                      if not _reads(function, data)})
    if refused:
        print(f"left out (a bare decoder refuses them; loadwatch reads them): {refused}")
        fit = [(name, data) for name, data in fit if name not in refused]

    def end_to_end_fit(data: bytes) -> int:
        return sum(len(p.streams) for p in read_activity(data, "bench.fit"))

    rows: list[tuple[str, float, int]] = []
    end_to_end, records = _time(end_to_end_fit, fit, args.repeat)
    rows.append(("loadwatch read_activity (decode + normalise)", end_to_end, records))
    rows.append(("loadwatch lean decode only", *_time(_lean, fit, args.repeat)))
    rows.append(("fitdecode default (processor, CRC per field)",
                 *_time(_fitdecode_default, fit, args.repeat)))
    rows.append(("fitdecode stripped (no processor, no CRC)",
                 *_time(_fitdecode_stripped, fit, args.repeat)))
    if _installed("fitfast"):
        rows.append(("fitfast bare (Rust; rejects bad CRC)", *_time(_fitfast, fit, args.repeat)))
    if _installed("garmin_fit_sdk"):
        rows.append(("garmin-fit-sdk bare", *_time(_garmin_sdk, fit, args.repeat)))
    print(f"FIT: {len(fit)} files, {records} records, best of {args.repeat}")
    print(f"{'decoder':48} {'time s':>8} {'records/s':>10} {'x end-to-end':>13}")
    for label, seconds, count in rows:
        print(f"{label:48} {seconds:8.3f} {count / seconds:10.0f} {seconds / end_to_end:13.2f}")

    for suffix, bare_label, bare in (
            (".gpx", "gpxpy.parse bare", lambda d: gpxpy.parse(text_start(d).decode())),
            (".tcx", "defusedxml parse bare", lambda d: safe_et.fromstring(text_start(d)))):
        files = _load(args.fixtures, suffix)
        if not files:
            continue
        name = "bench" + suffix
        full, _ = _time(lambda d, n=name: read_activity(d, n), files, args.repeat)
        plain, _ = _time(bare, files, args.repeat)
        print(f"{suffix[1:].upper()}: {len(files)} files: read_activity {full:.3f} s, "
              f"{bare_label} {plain:.3f} s, ratio {full / plain:.2f}")


if __name__ == "__main__":
    main()

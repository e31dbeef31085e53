"""The fitfast fast path of the FIT reader against the fitdecode path it falls back to.

For every real FIT file of the shared fixtures and every kind of generated FIT file, both paths
must give the same ActivityRecord and the same streams. They do so exactly: the only field
that differs, by design, is ``record.extra["decoder"]`` ("fitfast" / "fitdecode"). In the
intermediate structure the samples are equal too, because the fast path drops the
enhanced_altitude/enhanced_speed values fitfast expands from altitude/speed (rustyfit
truncates them: 1.017 m/s becomes 1.016) and keeps only the values the file wrote, as the
fitdecode path does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gzip
import random
import struct
import subprocess
import sys
from pathlib import Path

import fitfast
import numpy as np
import pandas as pd
import pytest

from etl.errors import CorruptFileError, InputError
from etl.readers import fit_fast, read_activity
from etl.readers.content import Content
from etl.readers.fit import decode_messages
from etl.readers.fit_crc import fit_crc
from etl.records import ParsedActivity
from etl.store import Store
from loadwatch import columns as C
from tests.factories import (
    FitSession,
    Sample,
    fit_activity,
    steady_samples,
    truncated,
    with_bad_crc,
)
from tests.factories.fit import (
    ENUM,
    MESG_EVENT,
    MESG_FILE_ID,
    MESG_RECORD,
    UINT8,
    UINT16,
    UINT32,
    FitWriter,
    enum_value,
    fit_time,
)

START = dt.datetime(2024, 5, 1, 6, 0, tzinfo=dt.UTC)
ACTIVITY_FILES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "activity_files"

SHARED_FALLBACKS = {
    "fit/fitparse__2013-02-06-12-11-14.fit": "header CRC 0 (allowed); rustyfit then refuses",
    "fit/runalyze__Standard.fit": "header CRC 0 (allowed); rustyfit then refuses",
    "fit/fitparse__activity-filecrc.fit": "wrong file CRC",
    "fit/fitparse__compressed-speed-distance.fit": "compressed_speed_distance (not expanded)",
    "fit/runalyze__FR70-intervals.fit": "compressed_speed_distance (not expanded)",
}
SHARED_TRUNCATED = "fit/fitparse__activity-unexpected-eof.fit"


def _shared_names() -> list[str]:
    if not ACTIVITY_FILES.is_dir():
        return ["(shared fixtures absent)"]
    return sorted(f"{folder}/{p.name}" for folder in ("fit", "compressed")
                  for p in (ACTIVITY_FILES / folder).iterdir()
                  if p.name.lower().endswith((".fit", ".fit.gz")))


# -- generated files ---------------------------------------------------------------------------
def paused_run() -> list[Sample]:
    """3 m/s with a hilly profile for 200 s, a 60-s pause, 3 m/s for 340 s."""
    def altitude(t: int) -> float:
        return 100.0 + 10.0 * np.sin(t / 50.0)

    first = [Sample(float(t), 3.0 * t, altitude(t), 150, 171.0, 3.0) for t in range(0, 201)]
    second = [Sample(float(t), 600.0 + 3.0 * (t - 260), altitude(t), 152, 172.0, 3.017)
              for t in range(260, 601)]
    return first + second


def with_header_crc_zero(data: bytes) -> bytes:
    """The same file with its header CRC set to 0 ("not computed", which FIT allows) and the
    file CRC (over header and data) recomputed: a valid file."""
    body = data[:12] + b"\x00\x00" + data[14:-2]
    return body + struct.pack("<H", fit_crc(body))


def _records_only(compressed_events: bool = False) -> bytes:
    """file_id and 121 samples, no session; optionally timer events with compressed headers."""
    base = fit_time(START)
    writer = FitWriter()
    writer.define(0, MESG_FILE_ID, [(0, ENUM), (1, UINT16), (2, UINT16), (4, UINT32)])
    writer.data(0, [enum_value("file", "activity"), enum_value("manufacturer", "garmin"), 3113,
                    base])
    timer = enum_value("event", "timer")
    if compressed_events:
        writer.define(1, MESG_EVENT, [(0, ENUM), (1, ENUM)])
        writer.define(2, MESG_RECORD, [(253, UINT32), (5, UINT32), (3, UINT8)])
        writer.data(2, [base, 0, 140])
        writer.data_compressed(1, base, [timer, enum_value("event_type", "start")])
    else:
        writer.define(2, MESG_RECORD, [(253, UINT32), (5, UINT32), (3, UINT8)])
        writer.data(2, [base, 0, 140])
    for t in range(1, 121):
        writer.data(2, [base + t, 250 * t, 140 + t % 5])
    if compressed_events:
        writer.data_compressed(1, base + 120, [timer, enum_value("event_type", "stop_all")])
    return writer.to_bytes()


def _compressed_records() -> bytes:
    """Samples whose timestamps are only in the 5-bit compressed headers (rolling over)."""
    base = fit_time(START)
    writer = FitWriter()
    writer.define(0, MESG_FILE_ID, [(0, ENUM), (1, UINT16), (4, UINT32)])
    writer.data(0, [enum_value("file", "activity"), 1, base])
    writer.define(1, MESG_EVENT, [(253, UINT32), (0, ENUM), (1, ENUM)])
    writer.data(1, [base, enum_value("event", "timer"), enum_value("event_type", "start")])
    writer.define(2, MESG_RECORD, [(5, UINT32), (3, UINT8)])
    for t in range(100):
        writer.data_compressed(2, base + t, [300 * t, 140 + t % 3])
    return writer.to_bytes()


STRING16 = (0x07, "16s", 0)


def _with_developer_field(name: str) -> bytes:
    """Samples that carry one developer field ``name`` (uint8, value 99) next to the native
    heart rate (140 + t % 5)."""
    base = fit_time(START)
    writer = FitWriter()
    writer.define(0, MESG_FILE_ID, [(0, ENUM), (1, UINT16), (2, UINT16), (4, UINT32)])
    writer.data(0, [enum_value("file", "activity"), enum_value("manufacturer", "garmin"), 3113,
                    base])
    writer.define(1, 207, [(3, UINT8)])  # developer_data_id: developer_data_index
    writer.data(1, [0])
    # field_description: developer_data_index, field_definition_number, fit_base_type_id, name
    writer.define(3, 206, [(0, UINT8), (1, UINT8), (2, UINT8), (3, STRING16)])
    writer.data(3, [0, 0, 0x02, name.encode().ljust(16, b"\x00")])
    fields = [(253, UINT32), (5, UINT32), (3, UINT8)]
    writer._body += struct.pack("<BBBHB", 0x60 | 2, 0, 0, MESG_RECORD, len(fields))
    for number, base_type in fields:
        writer._body += struct.pack("<BBB", number, struct.calcsize("<" + base_type[1]),
                                    base_type[0])
    writer._body += struct.pack("<BBBB", 1, 0, 1, 0)  # one developer field: number 0, 1 byte
    writer._layouts[2] = [*fields, (0, UINT8)]
    for t in range(121):
        writer.data(2, [base + t, 250 * t, 140 + t % 5, 99])
    return writer.to_bytes()


def _generated() -> dict[str, tuple[bytes, str]]:
    """name -> (FIT bytes, the decoder that must read it)."""
    ride = FitSession(steady_samples(300, 8.0, cadence_spm=90.0), "cycling", "mountain")
    run = FitSession(steady_samples(300, 3.0), "running", "trail", offset_s=400.0)
    jump = 10 * 86400.0
    jumping = [Sample(float(t), 3.0 * t, 100.0, 150, 170.0, 3.0) for t in range(0, 301)]
    jumping += [Sample(jump + t, 3.0 * t, 100.0, 150, 170.0, 3.0) for t in range(301, 601)]
    paused = fit_activity(START, samples=paused_run(), pauses=[(200.0, 260.0)],
                          workout_rpe=6.5, total_ascent_m=40, local_offset=dt.timedelta(hours=2))
    return {
        "steady": (fit_activity(START), "fitfast"),
        "paused_rpe_ascent_local_time": (paused, "fitfast"),
        "multisport": (fit_activity(START, [ride, run]), "fitfast"),
        "walk_without_hr_or_cadence": (fit_activity(
            START, samples=steady_samples(600, 1.4, heart_rate_bpm=None, cadence_spm=None),
            sport="walking"), "fitfast"),
        "treadmill_suunto": (fit_activity(START, samples=steady_samples(300), sub_sport="treadmill",
                                          manufacturer="suunto", product=34), "fitfast"),
        # times since power-on (before 1998 as dates) with an absolute local time, as FR70
        "device_relative_times": (fit_activity(dt.datetime(1990, 3, 1, tzinfo=dt.UTC),
                                               samples=steady_samples(300),
                                               local_offset=dt.timedelta(days=12000)),
                                  "fitfast"),
        "clock_jump": (fit_activity(START, [FitSession(jumping, elapsed_s=600.0)]), "fitfast"),
        "sparse_smart_recording": (fit_activity(START, samples=steady_samples(600, step_s=15)),
                                   "fitfast"),
        "compressed_timestamp_records": (_compressed_records(), "fitfast"),
        "chained_files": (fit_activity(START, samples=steady_samples(300))
                          + fit_activity(START + dt.timedelta(minutes=10),
                                         samples=steady_samples(300)), "fitfast"),
        "records_only": (_records_only(), "fitfast"),
        "developer_field": (_with_developer_field("Power"), "fitfast"),
        "compressed_timestamp_events": (_records_only(compressed_events=True), "fitdecode"),
        "developer_field_named_heart_rate": (_with_developer_field("heart_rate"), "fitdecode"),
        "bad_file_crc": (with_bad_crc(paused), "fitdecode"),
        "header_crc_zero": (with_header_crc_zero(paused), "fitdecode"),
    }


GENERATED = _generated()


# -- helpers -----------------------------------------------------------------------------------
def _read_without_fitfast(data: bytes | Path, name: str, monkeypatch: pytest.MonkeyPatch
                          ) -> list[ParsedActivity]:
    with monkeypatch.context() as patch:
        patch.setattr(fit_fast, "fitfast", None)
        return read_activity(data, name)


def _assert_same(fast: list[ParsedActivity], slow: list[ParsedActivity], decoder: str) -> None:
    assert len(fast) == len(slow) >= 1
    for one, other in zip(fast, slow, strict=True):
        assert one.record.extra["decoder"] == decoder
        assert other.record.extra["decoder"] == "fitdecode"
        extra = {k: v for k, v in one.record.extra.items() if k != "decoder"}
        other_extra = {k: v for k, v in other.record.extra.items() if k != "decoder"}
        assert dataclasses.replace(one.record, extra=extra) == dataclasses.replace(
            other.record, extra=other_extra)
        pd.testing.assert_frame_equal(one.streams, other.streams, check_exact=True)


def _assert_same_structure(data: bytes) -> None:
    fast = fit_fast.decode_fast(data)
    assert fast is not None
    slow = decode_messages(Content("a.fit", data))
    for name in ("sessions", "timer", "activity", "file_id", "creator", "sport"):
        assert getattr(fast, name) == getattr(slow, name), name
    np.testing.assert_array_equal(fast.samples(), slow.samples())


# -- the shared real-world files ---------------------------------------------------------------
@pytest.mark.parametrize("relative", _shared_names())
def test_shared_fit_files_read_the_same_on_both_paths(
        relative: str, shared_fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = shared_fixtures / "activity_files" / relative
    if relative == SHARED_TRUNCATED:
        with pytest.raises(CorruptFileError, match="truncated or damaged"):
            read_activity(path, path.name)
        assert fit_fast.decode_fast(path.read_bytes()) is None
        return
    expected = "fitdecode" if relative in SHARED_FALLBACKS else "fitfast"
    _assert_same(read_activity(path, path.name),
                 _read_without_fitfast(path, path.name, monkeypatch), expected)
    if expected == "fitfast":
        data = path.read_bytes()
        _assert_same_structure(gzip.decompress(data) if path.name.endswith(".gz") else data)


def test_the_shared_fallback_files_are_refused_by_fitfast_itself(shared_fixtures: Path) -> None:
    for relative in SHARED_FALLBACKS:
        data = (shared_fixtures / "activity_files" / relative).read_bytes()
        found = fit_fast.scan(data)
        assert found is not None
        if found.expanding_records:
            continue
        with pytest.raises(fitfast.FitDecodeError, match="checksum"):
            fitfast.records(data)


# -- generated files ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_fit_files_read_the_same_on_both_paths(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data, decoder = GENERATED[name]
    _assert_same(read_activity(data, f"{name}.fit"),
                 _read_without_fitfast(data, f"{name}.fit", monkeypatch), decoder)
    if decoder == "fitfast":
        _assert_same_structure(data)
    else:
        assert fit_fast.decode_fast(data) is None


def test_bad_crc_falls_back_and_keeps_the_warning() -> None:
    data, _ = GENERATED["bad_file_crc"]
    (parsed,) = read_activity(data, "bad.fit")
    assert parsed.record.extra["decoder"] == "fitdecode"
    warnings = parsed.record.extra["warnings"]
    assert isinstance(warnings, list) and "checksum (CRC)" in warnings[0]
    (good,) = read_activity(GENERATED["paused_rpe_ascent_local_time"][0], "good.fit")
    assert good.record.extra["decoder"] == "fitfast" and "warnings" not in good.record.extra
    assert parsed.record.distance_m == good.record.distance_m == 1620.0  # 600 + 3 x 340 m


def test_header_crc_zero_falls_back_and_reads_without_warning() -> None:
    data, _ = GENERATED["header_crc_zero"]
    assert data[12:14] == b"\x00\x00" and fit_crc(data) == 0  # valid: the file CRC is right
    (parsed,) = read_activity(data, "zero.fit")
    assert parsed.record.extra["decoder"] == "fitdecode"
    assert "warnings" not in parsed.record.extra
    assert parsed.record.moving_time_s == pytest.approx(540.0)


def test_fitfast_values_are_put_in_fitdecode_terms() -> None:
    """Hand-checked values of the steady file: FIT time (not Unix), enum names, sub-fields."""
    fast = fit_fast.decode_fast(GENERATED["paused_rpe_ascent_local_time"][0])
    assert fast is not None and fast.decoder == "fitfast"
    start = fit_time(START)
    (session,) = fast.sessions
    assert session["start_time"] == start and isinstance(session["start_time"], int)
    assert session["sport"] == "running" and session["sub_sport"] == "generic"
    assert session["avg_running_cadence"] == 85 and "avg_cadence" not in session
    assert session["total_elapsed_time"] == 600.0 and session["total_timer_time"] == 540.0
    assert session["workout_rpe"] == 65
    assert fast.file_id["garmin_product"] == "fr945" and "product" not in fast.file_id
    assert fast.activity == {"timestamp": start + 600, "local_timestamp": start + 600 + 7200}
    assert fast.timer == [(start, True), (start + 200, False), (start + 260, True),
                          (start + 600, False)]
    rows = fast.samples()
    assert rows.shape == (201 + 341, 9)
    assert rows[0, 0] == start and rows[-1, 0] == start + 600
    assert np.isnan(rows[:, 2]).all() and np.isnan(rows[:, 4]).all()  # no plain alt/speed
    assert rows[-1, 5] == 3.017  # enhanced_speed as written


def test_a_truncated_file_is_still_a_corrupt_file_error() -> None:
    data = truncated(fit_activity(START, samples=steady_samples(300)))
    assert fit_fast.decode_fast(data) is None
    with pytest.raises(CorruptFileError, match=r"^cut\.fit: file is truncated or damaged"):
        read_activity(data, "cut.fit")


# -- fitfast missing or failing ----------------------------------------------------------------
def test_the_reader_works_without_fitfast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fit_fast, "fitfast", None)
    assert not fit_fast.available()
    assert fit_fast.decode_fast(GENERATED["steady"][0]) is None
    (parsed,) = read_activity(GENERATED["paused_rpe_ascent_local_time"][0], "a.fit")
    assert parsed.record.extra["decoder"] == "fitdecode"
    assert parsed.record.moving_time_s == pytest.approx(540.0)
    assert parsed.record.perceived_exertion == pytest.approx(6.5)


def test_importing_the_readers_without_the_fitfast_package(tmp_path: Path) -> None:
    path = tmp_path / "a.fit"
    path.write_bytes(GENERATED["steady"][0])
    script = ("import sys\n"
              "sys.modules['fitfast'] = None  # import fitfast now raises ImportError\n"
              "from etl.readers import fit_fast, read_activity\n"
              "(parsed,) = read_activity(sys.argv[1], 'a.fit')\n"
              "print(fit_fast.available(), parsed.record.extra['decoder'],"
              " parsed.record.distance_m)\n")
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "fitdecode", "1800.0"]


class PanicException(BaseException):
    """Stands in for pyo3's exception when Rust code panics (a BaseException subclass)."""


PanicException.__module__ = "pyo3_runtime"


def test_a_rust_panic_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def panic(data: bytes, message: str = "record") -> dict[str, np.ndarray]:
        raise PanicException("attempt to calculate the remainder with a divisor of zero")

    monkeypatch.setattr(fit_fast.fitfast, "records", panic)
    (parsed,) = read_activity(GENERATED["steady"][0], "a.fit")
    assert parsed.record.extra["decoder"] == "fitdecode"


def test_an_interrupt_inside_fitfast_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(data: bytes, message: str = "record") -> dict[str, np.ndarray]:
        raise KeyboardInterrupt

    monkeypatch.setattr(fit_fast.fitfast, "records", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fit_fast.decode_fast(GENERATED["steady"][0])


def test_damaged_bytes_never_escape_the_fast_path() -> None:
    """Seeded damage (1-4 random bytes, or a cut) of a small file: decode_fast gives a result
    or None, never an exception, and the reader gives a result or an InputError."""
    data = fit_activity(START, samples=steady_samples(120), pauses=[(40.0, 50.0)])
    rng = random.Random(20261121)
    for trial in range(300):
        damaged = bytearray(data)
        if trial % 3 == 0:
            damaged = damaged[:rng.randrange(len(data))]
        else:
            for at in rng.sample(range(len(damaged)), rng.randint(1, 4)):
                damaged[at] = (damaged[at] + rng.randrange(1, 256)) % 256
        if fit_fast.decode_fast(bytes(damaged)) is not None:
            assert fit_crc(bytes(damaged)) == 0  # only damage the CRC-16 cannot see is read
        with contextlib.suppress(InputError):
            read_activity(bytes(damaged), "damaged.fit")


# -- the scan ----------------------------------------------------------------------------------
def test_scan_keeps_only_the_small_messages() -> None:
    data = fit_activity(START, samples=steady_samples(60), pauses=[(20.0, 30.0)])
    found = fit_fast.scan(data)
    assert found is not None
    assert not found.compressed_kept and not found.expanding_records
    assert not found.plain_and_enhanced
    assert found.record_fields == {253, 5, 78, 73, 3, 4, 53}
    # file_id, timer start, pause stop and restart, final stop, session, activity: no samples
    assert fitfast.message_counts(found.kept) == {"file_id": 1, "event": 4, "session": 1,
                                                  "activity": 1}
    assert fitfast.message_counts(data)["record"] == 61 - 9  # 21..29 s fall in the pause
    assert len(found.kept) < len(data) / 4 and fit_crc(found.kept) == 0


def test_scan_follows_chained_files_and_refuses_broken_structure() -> None:
    one = fit_activity(START, samples=steady_samples(30))
    found = fit_fast.scan(one + one)
    assert found is not None
    assert fitfast.message_counts(found.kept)["session"] == 2
    assert fit_fast.scan(truncated(one)) is None
    assert fit_fast.scan(b"\x0e\x10" + b"\x00" * 10) is None  # no .FIT signature
    undefined = bytearray(one)
    undefined[14] = 0x05  # the first definition becomes a data message of an undefined type
    assert fit_fast.scan(bytes(undefined)) is None


def test_compressed_speed_distance_records_fall_back() -> None:
    base = fit_time(START)
    writer = FitWriter()
    writer.define(0, MESG_FILE_ID, [(0, ENUM), (1, UINT16), (4, UINT32)])
    writer.data(0, [enum_value("file", "activity"), 1, base])
    writer.define(1, MESG_RECORD, [(253, UINT32), (8, (0x0D, "3s", 0)), (3, UINT8)])
    for t in range(60):
        speed, distance = 300, (48 * t) % 4096  # 3.00 m/s; 3 m/s x 1 s in 1/16 m, 12 bits
        packed = (speed | (distance << 12)).to_bytes(3, "little")
        writer.data(1, [base + t, packed, 150])
    data = writer.to_bytes()
    found = fit_fast.scan(data)
    assert found is not None and found.expanding_records
    assert fit_fast.decode_fast(data) is None
    (parsed,) = read_activity(data, "footpod.fit")
    assert parsed.record.extra["decoder"] == "fitdecode"
    assert parsed.record.distance_m == pytest.approx(177.0)  # 59 s x 3 m/s
    assert np.allclose(parsed.streams[C.SPEED_MPS], 3.0)


def test_the_same_file_read_by_either_decoder_is_stored_once(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Which decoder read a file is provenance, not content: re-importing a file after fitfast
    was installed (or removed) finds it unchanged."""
    data = GENERATED["paused_rpe_ascent_local_time"][0]
    (fast,) = read_activity(data, "a.fit")
    (slow,) = _read_without_fitfast(data, "a.fit", monkeypatch)
    first = store.upsert_activity("anna", slow)
    again = store.upsert_activity("anna", fast)
    assert (first.outcome, again.outcome) == ("inserted", "unchanged")
    assert again.activity_id == first.activity_id

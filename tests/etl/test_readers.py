"""read_activity: the registry, input kinds (bytes, path, stream, .gz), ids, and every way a
file can be refused (each error names the file and says what to do)."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
from pathlib import Path

import pytest

from etl.errors import (
    CorruptFileError,
    HostileInputError,
    InputError,
    NoDataError,
    UnsupportedFileError,
)
from etl.readers import SUFFIXES, is_supported, read_activity
from etl.records import STREAM_DTYPES
from loadwatch import columns as C
from tests.factories import (
    fit_activity,
    gpx_document,
    html_page,
    png_bytes,
    steady_samples,
    tcx_document,
    truncated,
    with_bad_crc,
    zip_bytes,
)
from tests.factories.tcx import TcxLeg

START = dt.datetime(2024, 5, 1, 6, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def run_fit() -> bytes:
    return fit_activity(START, samples=steady_samples(300))


def test_suffixes_and_is_supported() -> None:
    assert SUFFIXES == (".fit", ".fit.gz", ".gpx", ".gpx.gz", ".tcx", ".tcx.gz")
    for name in ("a.fit", "B.FIT.GZ", "c.Gpx", "d.gpx.gz", "e.TCX", "f.tcx.GZ"):
        assert is_supported(name)
    for name in ("a.csv", "a.zip", "a.fit.zip", "fit", "a.gz", "a.png"):
        assert not is_supported(name)


def test_unknown_suffix_is_refused_with_the_list() -> None:
    with pytest.raises(UnsupportedFileError) as info:
        read_activity(b"whatever", "notes.txt")
    assert "notes.txt" in str(info.value) and ".fit.gz" in str(info.value)


@pytest.mark.parametrize("kind", ["bytes", "path", "stream"])
def test_input_kinds_give_the_same_result(kind: str, run_fit: bytes, tmp_path: Path) -> None:
    data: bytes | Path | io.BytesIO
    if kind == "bytes":
        data = run_fit
    elif kind == "path":
        data = tmp_path / "run.fit"
        data.write_bytes(run_fit)
    else:
        data = io.BytesIO(run_fit)
    (parsed,) = read_activity(data, "run.fit")
    assert parsed.record.distance_m == pytest.approx(900.0)
    assert parsed.record.source == "file"
    assert parsed.record.source_id == hashlib.sha256(run_fit).hexdigest()[:16]
    assert parsed.record.file_name == "run.fit"


@pytest.mark.parametrize("kind", ["bytes", "path", "stream"])
def test_gzip_is_transparent_and_keeps_the_id(kind: str, run_fit: bytes, tmp_path: Path) -> None:
    packed = gzip.compress(run_fit)
    data: bytes | Path | io.BytesIO
    if kind == "bytes":
        data = packed
    elif kind == "path":
        data = tmp_path / "run.fit.gz"
        data.write_bytes(packed)
    else:
        data = io.BytesIO(packed)
    (plain,) = read_activity(run_fit, "run.fit")
    (unpacked,) = read_activity(data, "run.fit.gz")
    assert unpacked.record.source_id == plain.record.source_id
    assert unpacked.record.distance_m == plain.record.distance_m


def test_gzip_of_gpx_and_tcx() -> None:
    samples = steady_samples(120)
    gpx = gpx_document(START, samples).encode()
    tcx = tcx_document([TcxLeg(START, samples)]).encode()
    assert read_activity(gzip.compress(gpx), "a.gpx.gz")[0].record.start_time_utc == START
    assert read_activity(gzip.compress(tcx), "a.tcx.gz")[0].record.start_time_utc == START


def test_source_and_explicit_source_id(run_fit: bytes) -> None:
    (parsed,) = read_activity(run_fit, "run.fit", source="strava_export", source_id="12345")
    assert (parsed.record.source, parsed.record.source_id) == ("strava_export", "12345")


def test_streams_follow_the_schema_and_hold_no_positions(run_fit: bytes) -> None:
    samples = steady_samples(120)
    inputs = [(run_fit, "a.fit"), (gpx_document(START, samples).encode(), "a.gpx"),
              (tcx_document([TcxLeg(START, samples)]).encode(), "a.tcx")]
    for data, name in inputs:
        (parsed,) = read_activity(data, name)
        streams = parsed.streams
        assert list(streams.columns) == list(STREAM_DTYPES)
        assert {c: str(t) for c, t in streams.dtypes.items()} == STREAM_DTYPES
        assert not C.undefined(list(streams.columns))
        assert not any("lat" in c or "lon" in c for c in streams.columns)
        assert "lat" not in str(parsed.record.extra) and "position" not in str(parsed.record.extra)


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(("data", "name", "looks_like"), [
    (png_bytes(), "run.fit", "PNG"),
    (zip_bytes(), "run.fit", "ZIP"),
    (html_page().encode(), "run.gpx", "HTML"),
    (html_page().encode(), "run.tcx", "HTML"),
    (png_bytes(), "run.gpx", "PNG"),
    (b"%PDF-1.7 ...", "run.tcx", "PDF"),
])
def test_wrong_content_behind_a_right_suffix(data: bytes, name: str, looks_like: str) -> None:
    with pytest.raises(UnsupportedFileError) as info:
        read_activity(data, name)
    message = str(info.value)
    assert message.startswith(f"{name}: ") and looks_like in message


def test_gpx_content_named_tcx_says_what_it_is() -> None:
    gpx = gpx_document(START, steady_samples(30)).encode()
    with pytest.raises(UnsupportedFileError, match=r"a\.tcx: .*root element is <gpx>"):
        read_activity(gpx, "a.tcx")


@pytest.mark.parametrize("name", ["empty.fit", "empty.gpx", "empty.tcx", "empty.gpx.gz"])
@pytest.mark.parametrize("content", [b"", b"   \n\t  "])
def test_empty_files(name: str, content: bytes) -> None:
    data = gzip.compress(content) if name.endswith(".gz") else content
    with pytest.raises(NoDataError) as info:
        read_activity(data, name)
    assert isinstance(info.value, InputError)
    assert str(info.value).startswith(f"{name}: is empty;") and "export" in str(info.value)


def test_truncated_fit_is_corrupt_and_names_the_file(run_fit: bytes) -> None:
    with pytest.raises(CorruptFileError) as info:
        read_activity(truncated(run_fit), "cut.fit")
    message = str(info.value)
    assert message.startswith("cut.fit: file is truncated or damaged (")
    assert "re-export it from the device or Strava" in message


def test_bad_crc_still_reads_with_a_warning(run_fit: bytes) -> None:
    (good,) = read_activity(run_fit, "a.fit")
    (bad,) = read_activity(with_bad_crc(run_fit), "a.fit")
    assert "warnings" not in good.record.extra
    assert bad.record.distance_m == good.record.distance_m
    warnings = bad.record.extra["warnings"]
    assert isinstance(warnings, list) and any("CRC" in w for w in warnings)


def test_truncated_xml_is_corrupt() -> None:
    text = gpx_document(START, steady_samples(60)).encode()
    with pytest.raises(CorruptFileError, match=r"^cut\.gpx: is not well-formed XML"):
        read_activity(text[: len(text) // 2], "cut.gpx")


def test_gzip_bomb_is_refused_without_inflating_everything() -> None:
    bomb = gzip.compress(b"\0" * (4 * 1024 * 1024))
    with pytest.raises(HostileInputError, match=r"^bomb\.gpx\.gz: expands to more than 1 MB"):
        read_activity(bomb, "bomb.gpx.gz", max_bytes=1024 * 1024)


def test_oversized_stream_is_refused() -> None:
    with pytest.raises(HostileInputError, match=r"^big\.gpx: is larger than 1 MB"):
        read_activity(io.BytesIO(b" " * (2 * 1024 * 1024)), "big.gpx", max_bytes=1024 * 1024)


def test_damaged_and_fake_gzip(run_fit: bytes) -> None:
    packed = gzip.compress(run_fit)
    with pytest.raises(CorruptFileError, match=r"^a\.fit\.gz: the gzip data is truncated"):
        read_activity(packed[:-20], "a.fit.gz")
    with pytest.raises(UnsupportedFileError, match=r"^a\.fit\.gz: is named \.gz but is not gzip"):
        read_activity(run_fit, "a.fit.gz")


def test_missing_path_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFileError, match="cannot be read"):
        read_activity(tmp_path / "nope.fit", "nope.fit")


def test_text_stream_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.gpx"
    path.write_text(gpx_document(START, steady_samples(10)))
    with path.open("r") as handle, pytest.raises(UnsupportedFileError, match="binary mode"):
        read_activity(handle, "a.gpx")  # type: ignore[arg-type]


def test_gpx_without_times_has_no_data() -> None:
    with pytest.raises(NoDataError, match=r"^a\.gpx: .*no timestamps"):
        read_activity(gpx_document(START, steady_samples(10), with_times=False).encode(),
                      "a.gpx")


def test_oversized_path_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.tcx"
    path.write_bytes(b" " * (2 * 1024 * 1024))
    with pytest.raises(HostileInputError, match=r"^big\.tcx: is larger than 1 MB"):
        read_activity(path, "big.tcx", max_bytes=1024 * 1024)


def test_a_string_is_taken_as_a_path(run_fit: bytes, tmp_path: Path) -> None:
    path = tmp_path / "run.fit"
    path.write_bytes(run_fit)
    (parsed,) = read_activity(str(path), "run.fit")  # type: ignore[arg-type]
    assert parsed.record.distance_m == pytest.approx(900.0)

"""The fast GPX path against gpxpy: the same records and streams on every shared fixture and
on generated files, hostile XML still refused in its single pass, and the gpxpy fallback taken
for the files the fast path declines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
from pathlib import Path

import pandas as pd
import pytest

from etl.errors import CorruptFileError, HostileInputError, InputError
from etl.readers import gpx, read_activity
from etl.readers.content import Content
from etl.readers.xml_safety import parse_safely
from etl.records import ParsedActivity
from tests.factories import (
    Sample,
    billion_laughs,
    external_dtd,
    external_entity,
    gpx_document,
    quadratic_blowup,
    steady_samples,
)

START = dt.datetime(2024, 5, 1, 6, 0, tzinfo=dt.UTC)
FIXTURE_DIR = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "activity_files"


def _fixture_names(kind: str) -> list[str]:
    if not FIXTURE_DIR.is_dir():
        return []
    return sorted(p.name for p in FIXTURE_DIR.rglob("*")
                  if p.name.endswith((f".{kind}", f".{kind}.gz")))


def _content(shared_fixtures: Path, name: str) -> Content:
    (path,) = [p for p in shared_fixtures.rglob(name) if p.is_file()]
    data = path.read_bytes()
    return Content(name.removesuffix(".gz"),
                   gzip.decompress(data) if name.endswith(".gz") else data)


def _gpx_reference(content: Content) -> ParsedActivity:
    return gpx.build_activity(content, gpx.read_points_gpxpy(content), source="file",
                              source_id=None, sport_hint=None)


def _gpx_fast(content: Content) -> ParsedActivity:
    points = gpx.read_points_fast(content)
    assert points is not None, f"{content.name}: the fast path declined"
    return gpx.build_activity(content, points, source="file", source_id=None,
                              sport_hint=None)


def _assert_same(fast: ParsedActivity, reference: ParsedActivity) -> None:
    assert dataclasses.asdict(fast.record) == dataclasses.asdict(reference.record)
    pd.testing.assert_frame_equal(fast.streams, reference.streams, check_exact=True)


@pytest.mark.parametrize("name", _fixture_names("gpx"))
def test_gpx_fast_path_equals_gpxpy_on_every_fixture(shared_fixtures: Path, name: str) -> None:
    content = _content(shared_fixtures, name)
    _assert_same(_gpx_fast(content), _gpx_reference(content))


def test_shared_gpx_fixtures_take_the_fast_path(shared_fixtures: Path) -> None:
    names = _fixture_names("gpx")
    assert names
    declined = [n for n in names if gpx.read_points_fast(_content(shared_fixtures, n)) is None]
    assert declined == []


def _samples_with_gaps() -> list[Sample]:
    samples = [Sample(float(t), 3.0 * t, 100.0 + (t % 40), 140 + t % 7, 170.0)
               for t in range(0, 400)]
    samples[10] = Sample(10.0, 30.0, None, None, None)
    return samples


@pytest.mark.parametrize("options", [
    {}, {"prefix": "ns3"}, {"prefix": "tpx1"}, {"plain_extensions": True},
    {"offset": dt.timedelta(hours=-4)}, {"offset": dt.timedelta(hours=5, minutes=45)},
    {"sport": None}, {"sport": "9"}, {"version": "1.0"}, {"cadence_per_leg": False},
])
def test_gpx_fast_path_equals_gpxpy_on_generated_files(options: dict[str, object]) -> None:
    text = gpx_document(START, _samples_with_gaps(), **options)  # type: ignore[arg-type]
    content = Content("gen.gpx", text.encode())
    _assert_same(_gpx_fast(content), _gpx_reference(content))


def _edit(text: str, old: str, new: str, count: int = 1) -> bytes:
    assert old in text
    return text.replace(old, new, count).encode()


BASE = gpx_document(START, steady_samples(60))
"""A plain generated GPX file; the cases below change one thing in it."""


@pytest.mark.parametrize(("data", "why"), [
    (_edit(BASE, "<trk>", '<wpt lat="1" lon="2"><name>w</name></wpt><trk>'), "waypoints"),
    (_edit(BASE, "<trk>", "<rte><name>r</name></rte><trk>"), "routes"),
    (_edit(BASE, 'encoding="UTF-8"', 'encoding="ISO-8859-1"'), "another encoding"),
    (_edit(BASE, "<time>", "<hdop>bad</hdop><time>"), "a value gpxpy refuses"),
    (_edit(BASE, 'lat="', 'lan="'), "a point without latitude"),
    (_edit(BASE, "</trkseg>", "<trkpt"), "not well-formed"),
    (_edit(BASE, 'xmlns="http://www.topografix.com/GPX/1/1" ', "")
     .replace(b"<trk>", b'<trk xmlns="http://www.topografix.com/GPX/1/1">'),
     "the default namespace declared below the root"),
    (_edit(BASE, "<trkpt", "<trkpt_x", 1).replace(b"</trkpt>", b"</trkpt_x>", 1)
     .replace(b"<trkpt", b"<x").replace(b"</trkpt>", b"</x>"), "no track points"),
])
def test_gpx_fast_path_declines_and_gpxpy_decides(data: bytes, why: str) -> None:
    content = Content("odd.gpx", data)
    assert gpx.read_points_fast(content) is None, why
    try:
        expected: object = _gpx_reference(content)
    except InputError as exc:
        expected = exc
    try:
        got: object = read_activity(data, "odd.gpx")[0]
    except InputError as exc:
        got = exc
    if isinstance(expected, InputError):
        assert type(got) is type(expected) and str(got) == str(expected)
    else:
        assert isinstance(got, ParsedActivity) and isinstance(expected, ParsedActivity)
        _assert_same(got, expected)


def test_gpx_fallback_reads_a_latin1_file() -> None:
    text = gpx_document(START, steady_samples(60), name="Lauf am Flüsschen")
    data = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    assert gpx.read_points_fast(Content("latin.gpx", data)) is None
    (parsed,) = read_activity(data, "latin.gpx")
    assert parsed.record.name == "Lauf am Flüsschen"
    assert parsed.record.distance_m == pytest.approx(180.0, rel=1e-4)


def test_gpx_fallback_error_for_a_value_gpxpy_refuses() -> None:
    with pytest.raises(CorruptFileError, match=r"^bad\.gpx: is not valid GPX"):
        read_activity(_edit(BASE, "<time>", "<sat>x</sat><time>"), "bad.gpx")


@pytest.mark.parametrize("time_text", [
    "2024-05-01T06:00:01.5Z", "2024-05-01T08:00:01+02:00", "2024-05-01T06:00:01",
    "2024-05-01 06:00:01Z", "2024-5-1T6:00:01Z", "2024-05-01T06:00:01.1234567Z",
    "2024-05-01T06:00:01+0200", "2024-05-01T24:00:00Z", "not a time", "",
])
def test_gpx_point_times_read_as_gpxpy_reads_them(time_text: str) -> None:
    text = gpx_document(START, steady_samples(30))
    data = _edit(text, "2024-05-01T06:00:01Z", time_text)
    content = Content("t.gpx", data)
    _assert_same(_gpx_fast(content), _gpx_reference(content))


@pytest.mark.parametrize("payload", ["billion_laughs", "quadratic_blowup", "external_entity",
                                     "external_dtd"])
def test_gpx_fast_path_refuses_hostile_xml(payload: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    text = {"billion_laughs": billion_laughs("gpx"), "quadratic_blowup": quadratic_blowup("gpx"),
            "external_entity": external_entity("gpx", secret.as_uri()),
            "external_dtd": external_dtd("gpx")}[payload]
    content = Content("evil.gpx", text.encode())
    with pytest.raises(HostileInputError) as info:
        gpx.read_points_fast(content)
    message = str(info.value)
    assert message.startswith("evil.gpx: ") and "nothing in it was expanded or fetched" in message
    assert "TOP-SECRET-VALUE" not in message
    with pytest.raises(HostileInputError) as reference:
        parse_safely(content, "GPX", "gpx")
    assert str(reference.value) == message


def test_doctype_after_comments_and_processing_instructions_is_refused() -> None:
    text = ('<?xml version="1.0"?>\n<!-- a comment -->\n<?style sheet?>\n'
            '<!DOCTYPE gpx [<!ENTITY a "b">]>\n<gpx>&a;</gpx>')
    with pytest.raises(HostileInputError):
        gpx.read_points_fast(Content("c.gpx", text.encode()))


@pytest.mark.parametrize("text", ["<gpx></gpx><!DOCTYPE gpx>", "<gpx><name>&lol;</name></gpx>"])
def test_late_doctype_and_undefined_entity_are_declined_then_not_well_formed(text: str) -> None:
    assert gpx.read_points_fast(Content("late.gpx", text.encode())) is None
    with pytest.raises(CorruptFileError, match=r"^late\.gpx: is not well-formed XML"):
        read_activity(text.encode(), "late.gpx")

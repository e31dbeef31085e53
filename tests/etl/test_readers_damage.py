"""Damaged files of every format end in an InputError (or a read with warnings), never in
another exception: the importer treats anything else as a reader bug. Seeded, so repeatable."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from etl.errors import InputError
from etl.readers import read_activity
from tests.factories import TcxLeg, fit_activity, gpx_document, steady_samples, tcx_document

START = dt.datetime(2024, 5, 1, 6, 0, tzinfo=dt.UTC)
SAMPLES = steady_samples(60, altitude=[100.0, 101.0, 102.0])
FILES = {
    "a.fit": fit_activity(START, samples=SAMPLES, pauses=[(20.0, 30.0)],
                          local_offset=dt.timedelta(hours=1)),
    "a.gpx": gpx_document(START, SAMPLES).encode(),
    "a.tcx": tcx_document([TcxLeg(START, SAMPLES)]).encode(),
}


def _read_or_refuse(data: bytes, name: str) -> None:
    try:
        read_activity(data, name)
    except InputError as exc:
        assert str(exc).startswith(f"{name}: ")


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_truncation(name: str) -> None:
    data = FILES[name]
    step = 5 if name.endswith(".fit") else 53
    for cut in range(0, len(data), step):
        _read_or_refuse(data[:cut], name)


@pytest.mark.parametrize("name", sorted(FILES))
def test_random_byte_damage(name: str) -> None:
    rng = random.Random(20240501)
    data = FILES[name]
    for _ in range(100):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        _read_or_refuse(bytes(damaged), name)

"""Readers store the base name of a file, never the folder it was read from (privacy)."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest

from etl.readers import read_activity
from tests.factories.fit import fit_activity, steady_samples
from tests.factories.gpx import gpx_document
from tests.factories.tcx import TcxLeg, tcx_document

START = dt.datetime(2024, 3, 2, 8, 0, tzinfo=dt.UTC)


def _files() -> dict[str, bytes]:
    samples = steady_samples(600, step_s=5)
    return {
        "run.fit": fit_activity(START, samples=samples),
        "run.gpx": gpx_document(START, samples).encode(),
        "run.tcx.gz": gzip.compress(tcx_document([TcxLeg(START, samples)]).encode()),
    }


@pytest.mark.parametrize("name", ["run.fit", "run.gpx", "run.tcx.gz"])
def test_a_path_in_a_folder_stores_only_the_base_name(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "private" / "patients"
    folder.mkdir(parents=True)
    path = folder / name
    path.write_bytes(_files()[name])
    parsed = read_activity(path, str(path))
    assert [p.record.file_name for p in parsed] == [name]
    assert "patients" not in repr(parsed[0].record)
